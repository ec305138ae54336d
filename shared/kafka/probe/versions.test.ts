import { describe, expect, it } from 'vitest';
import { ApiKeys, negotiate, pickVersion } from './versions.ts';

describe('pickVersion', () => {
  it('picks the highest version both sides implement', () => {
    expect(pickVersion({ apiKey: 3, minVersion: 0, maxVersion: 11 }, [1, 9, 10, 11, 12])).toBe(11);
  });
  it('returns null when the ranges do not overlap or the broker lacks the API', () => {
    expect(pickVersion({ apiKey: 32, minVersion: 0, maxVersion: 0 }, [1, 2, 3, 4])).toBeNull();
    expect(pickVersion(undefined, [0, 1])).toBeNull();
  });
});

describe('negotiate', () => {
  it('serves a Kafka 2.8 broker (Metadata ≤ 11, DescribeConfigs ≤ 4, no DescribeQuorum in ZooKeeper mode)', () => {
    const kafka28 = [
      { apiKey: ApiKeys.Produce, minVersion: 0, maxVersion: 9 },
      { apiKey: ApiKeys.Fetch, minVersion: 0, maxVersion: 12 },
      { apiKey: ApiKeys.Metadata, minVersion: 0, maxVersion: 11 },
      { apiKey: ApiKeys.ApiVersions, minVersion: 0, maxVersion: 3 },
      { apiKey: ApiKeys.DescribeConfigs, minVersion: 0, maxVersion: 4 },
      { apiKey: ApiKeys.DescribeLogDirs, minVersion: 0, maxVersion: 2 },
      { apiKey: ApiKeys.DescribeCluster, minVersion: 0, maxVersion: 0 },
    ];
    expect(negotiate(kafka28)).toEqual({
      Produce: 9,
      Fetch: 12,
      Metadata: 11,
      ApiVersions: 3,
      DescribeConfigs: 4,
      DescribeLogDirs: 2,
      DescribeQuorum: null,
      DescribeCluster: 0,
    });
  });
  it('caps at the client maximum for newer brokers', () => {
    const v = negotiate([
      { apiKey: ApiKeys.Metadata, minVersion: 0, maxVersion: 13 },
      { apiKey: ApiKeys.Fetch, minVersion: 4, maxVersion: 17 },
      { apiKey: ApiKeys.DescribeQuorum, minVersion: 0, maxVersion: 2 },
    ]);
    expect(v.Metadata).toBe(12);
    expect(v.Fetch).toBe(12);
    expect(v.DescribeQuorum).toBe(2);
  });
});
