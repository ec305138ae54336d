/**
 * API version negotiation: for each API the probe uses, the highest version both the broker (from ApiVersions)
 * and this client implement. Kafka 2.8 is the oldest broker we support; every API the probe needs has a version
 * that 2.8 speaks (Metadata ≤ 11, DescribeConfigs ≤ 4, DescribeCluster 0, DescribeQuorum 0 in KRaft mode).
 */

/** Kafka API keys the probe uses. */
export const ApiKeys = {
  Produce: 0,
  Fetch: 1,
  Metadata: 3,
  ApiVersions: 18,
  DescribeConfigs: 32,
  DescribeLogDirs: 35,
  DescribeQuorum: 55,
  DescribeCluster: 60,
} as const;

export type ApiName = keyof typeof ApiKeys;

/** Versions this client can encode/parse, per API (the @platformatic/kafka functions we import). */
export const CLIENT_VERSIONS: Readonly<Record<ApiName, readonly number[]>> = {
  Produce: [3, 4, 5, 6, 7, 8, 9, 10, 11],
  // Fetch v13+ address topics by id only; the smoke test names topics, so it stays on v4–v12.
  Fetch: [4, 5, 6, 7, 8, 9, 10, 11, 12],
  Metadata: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  ApiVersions: [0, 1, 2, 3],
  DescribeConfigs: [1, 2, 3, 4],
  DescribeLogDirs: [1, 2, 3, 4],
  DescribeQuorum: [0, 1, 2],
  DescribeCluster: [0, 1],
};

export interface BrokerApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** The chosen version per API; null when broker and client share none (or the broker lacks the API). */
export type NegotiatedVersions = Readonly<Record<ApiName, number | null>>;

/** Highest version in `clientVersions` inside the broker's [min, max]; null when none. */
export function pickVersion(range: BrokerApiRange | undefined, clientVersions: readonly number[]): number | null {
  if (!range) return null;
  let best: number | null = null;
  for (const v of clientVersions) {
    if (v >= range.minVersion && v <= range.maxVersion && (best === null || v > best)) best = v;
  }
  return best;
}

export function negotiate(brokerApis: readonly BrokerApiRange[]): NegotiatedVersions {
  const byKey = new Map(brokerApis.map((a) => [a.apiKey, a]));
  const out = {} as Record<ApiName, number | null>;
  for (const name of Object.keys(ApiKeys) as ApiName[]) {
    out[name] = pickVersion(byKey.get(ApiKeys[name]), CLIENT_VERSIONS[name]);
  }
  return out;
}
