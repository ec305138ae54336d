import { describe, expect, it } from 'vitest';
import { ProbeBrokerError, ProbeBrokerRetriable, ProbeUnsupportedVersion } from './errors.ts';
import { identityFromEmptyName, parseBrokerIdentity, parseFetch, parseMetadata, parseTopicMinIsr } from './parse.ts';
import type { RawConfigsResult } from './wire.ts';

const T = '127.0.0.1:9092';
const brokerResult = (over: Partial<RawConfigsResult>): RawConfigsResult => ({
  errorCode: 0,
  errorMessage: null,
  resourceType: 4,
  resourceName: '2',
  configs: [],
  ...over,
});

describe('probe response parsing (no socket)', () => {
  it('reports controller -1 as null and keeps partition errors as data', () => {
    const m = parseMetadata({
      brokers: [{ nodeId: 1, host: 'b1', port: 9093, rack: null }],
      clusterId: 'c',
      controllerId: -1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          isInternal: false,
          partitions: [
            {
              errorCode: 72,
              partitionIndex: 0,
              leaderId: -1,
              replicaNodes: [1, 2],
              isrNodes: [1],
              offlineReplicas: [2],
            },
          ],
        },
      ],
    });
    expect(m.controllerId).toBeNull();
    expect(m.topics[0]!.partitions[0]).toEqual({
      index: 0,
      errorCode: 72,
      leader: -1,
      replicas: [1, 2],
      isr: [1],
      offline: [2],
    });
  });

  it('reads the identity from the configs broker N returns for itself', () => {
    const id = parseBrokerIdentity(
      T,
      2,
      brokerResult({
        configs: [
          { name: 'advertised.listeners', value: 'INTERNAL://10.0.0.2:9092,EXTERNAL://b2.example:9094' },
          { name: 'listener.security.protocol.map', value: 'internal:plaintext,EXTERNAL:SSL' },
          { name: 'process.roles', value: 'broker,controller' },
        ],
      }),
    );
    expect(id).toMatchObject({
      reachedExpected: true,
      brokerId: 2,
      securityProtocols: { INTERNAL: 'PLAINTEXT', EXTERNAL: 'SSL' },
      processRoles: ['broker', 'controller'],
    });
  });

  it('names the broker that answered from ConfigHelper’s “Unexpected broker id” message', () => {
    const id = parseBrokerIdentity(
      T,
      2,
      brokerResult({ errorCode: 42, errorMessage: 'Unexpected broker id, expected 3 or empty string, but received 2' }),
    );
    expect(id).toEqual({
      reachedExpected: false,
      expectedId: 2,
      reachedId: 3,
      source: 'error-message',
      serverMessage: 'Unexpected broker id, expected 3 or empty string, but received 2',
    });
  });

  it('asks for resource "" when INVALID_REQUEST does not say who answered, and reads the id from it', () => {
    const first = brokerResult({ errorCode: 42, errorMessage: 'something else' });
    expect(parseBrokerIdentity(T, 2, first)).toBe('ask-empty-name');
    expect(identityFromEmptyName(2, first, brokerResult({ configs: [{ name: 'node.id', value: '5' }] }))).toMatchObject(
      {
        reachedId: 5,
        source: 'empty-name-configs',
      },
    );
    // real Kafka: "" carries only the cluster-wide dynamic defaults, no id
    expect(identityFromEmptyName(2, first, brokerResult({ configs: [] }))).toMatchObject({
      reachedId: null,
      source: 'unknown',
    });
  });

  it('throws the Kafka error of any other DescribeConfigs failure, UNSUPPORTED_VERSION as its own class', () => {
    expect(() => parseBrokerIdentity(T, 2, brokerResult({ errorCode: 31, errorMessage: 'denied' }))).toThrow(
      ProbeBrokerError,
    );
    expect(() => parseBrokerIdentity(T, 2, brokerResult({ errorCode: 35 }))).toThrow(ProbeUnsupportedVersion);
    expect(() => parseBrokerIdentity(T, 2, undefined)).toThrow(ProbeBrokerRetriable);
  });

  it('min ISR: skips topics deleted meanwhile, defaults a missing value to 1, fails on other errors', () => {
    const out = new Map<string, number>();
    parseTopicMinIsr(
      T,
      [
        {
          ...brokerResult({}),
          resourceType: 2,
          resourceName: 'a',
          configs: [{ name: 'min.insync.replicas', value: '2' }],
        },
        { ...brokerResult({}), resourceType: 2, resourceName: 'b', configs: [] },
        { ...brokerResult({ errorCode: 3 }), resourceType: 2, resourceName: 'gone' },
      ],
      out,
    );
    expect([...out]).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(() =>
      parseTopicMinIsr(T, [{ ...brokerResult({ errorCode: 29 }), resourceType: 2, resourceName: 'secret' }], out),
    ).toThrow(/TOPIC_AUTHORIZATION_FAILED/);
  });

  it('fetch: offsets from batch base + delta, records before the asked offset dropped', () => {
    const records = parseFetch(
      T,
      {
        errorCode: 0,
        responses: [
          {
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                records: [
                  {
                    firstOffset: 10n,
                    records: [
                      { offsetDelta: 0, key: null, value: Buffer.from('a') },
                      { offsetDelta: 1, key: null, value: Buffer.from('b') },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
      0,
      11n,
    );
    expect(records.map((r) => [r.offset, r.value?.toString()])).toEqual([[11n, 'b']]);
  });
});
