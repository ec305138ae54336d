/**
 * A Kafka probe: one connection to one host:port that never follows metadata. It asks the listener it reached
 * and reports exactly what that listener said, which is what checking a load balancer port needs (a normal
 * client would jump to the advertised addresses and hide a miswired port).
 *
 * Built on @platformatic/kafka's low-level `Connection` and per-version API functions; the version of each API
 * is negotiated from ApiVersions so brokers from Kafka 2.8 on (ZooKeeper or KRaft mode) are served.
 * Split by job: wire.ts (constants, version tables, raw shapes), connection.ts (the socket, deadlines, TLS
 * diagnosis), parse.ts (pure response parsing); this file sequences the requests.
 */

import { apiVersionsV0, apiVersionsV3, type Connection } from '@platformatic/kafka';
import type { ClusterSnapshot, QuorumSnapshot } from '../snapshot.ts';
import { ProbeConnection, responseBody } from './connection.ts';
import { ProbeOptionsInvalid, ProbeUnsupportedVersion, ProbeWrongBroker } from './errors.ts';
import { type ProbeOptions, probeOptionsSchema, type ResolvedProbeOptions } from './options.ts';
import {
  identityFromEmptyName,
  parseBrokerIdentity,
  parseFetch,
  parseLogDirs,
  parseMetadata,
  parseProduce,
  parseQuorum,
  parseTopicMinIsr,
} from './parse.ts';
import type {
  BrokerIdentity,
  FetchedRecord,
  KafkaProbe,
  ProbeApiVersions,
  ProbeMetadata,
  ProducedRecord,
} from './types.ts';
import { ApiKeys, type ApiName, negotiate } from './versions.ts';
import {
  CONFIG_RESOURCE_BROKER,
  CONFIG_RESOURCE_TOPIC,
  type ConfigsResource,
  DESCRIBE_CONFIGS,
  DESCRIBE_CONFIGS_BATCH,
  DESCRIBE_LOG_DIRS,
  DESCRIBE_QUORUM,
  FETCH,
  IDENTITY_KEYS,
  METADATA,
  PRODUCE,
  type RawConfigsResult,
  type RawFetch,
  type RawLogDirs,
  type RawMetadata,
  type RawProduce,
  type RawQuorum,
  UNSUPPORTED_VERSION,
} from './wire.ts';

export { parseProtocolMap } from './parse.ts';
export type {
  BrokerIdentity,
  FetchedRecord,
  KafkaProbe,
  ProbeApiVersions,
  ProbeBroker,
  ProbeMetadata,
  ProbePartition,
  ProbeTopic,
  ProducedRecord,
} from './types.ts';

class Probe implements KafkaProbe {
  readonly target: string;
  readonly #options: ResolvedProbeOptions;
  readonly #connection: ProbeConnection;
  #versions: ProbeApiVersions | null = null;

  constructor(options: ResolvedProbeOptions) {
    this.#options = options;
    this.target = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
    this.#connection = new ProbeConnection(options, this.target);
  }

  async apiVersions(): Promise<ProbeApiVersions> {
    if (this.#versions) return this.#versions;
    const raw = await this.#connection.call('ApiVersions', async (conn) => {
      try {
        return await apiVersionsV3.api.async(conn, 'brokerlink-probe', '1');
      } catch (error) {
        // Brokers older than the version asked answer UNSUPPORTED_VERSION in the v0 layout; v0 always works.
        const body = responseBody<{ errorCode: number }>(error);
        if (body?.errorCode === UNSUPPORTED_VERSION) return await apiVersionsV0.api.async(conn, '', '');
        throw error;
      }
    });
    const broker = raw.apiKeys.map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }));
    this.#versions = { broker, negotiated: negotiate(broker) };
    return this.#versions;
  }

  async metadata(options: { topics?: readonly string[] | null } = {}): Promise<ProbeMetadata> {
    const call = METADATA[await this.#version('Metadata')]!;
    const topics = options.topics === undefined ? [] : options.topics === null ? null : [...options.topics];
    // Topic/partition errors (e.g. LEADER_NOT_AVAILABLE) are data here, not failures.
    const raw = await this.#callKeepingBody<RawMetadata>('Metadata', (conn) => call(conn, topics, false), 'brokers');
    return parseMetadata(raw);
  }

  async brokerIdentity(expectedId: number): Promise<BrokerIdentity> {
    if (!Number.isSafeInteger(expectedId) || expectedId < 0) {
      throw new ProbeOptionsInvalid(this.target, `broker id must be a non-negative integer, got ${expectedId}`);
    }
    const [result] = await this.#describeConfigs('DescribeConfigs(BROKER)', [
      { resourceType: CONFIG_RESOURCE_BROKER, resourceName: String(expectedId), configurationKeys: IDENTITY_KEYS },
    ]);
    const identity = parseBrokerIdentity(this.target, expectedId, result);
    if (identity !== 'ask-empty-name') return identity;
    const [own] = await this.#describeConfigs('DescribeConfigs(BROKER "")', [
      { resourceType: CONFIG_RESOURCE_BROKER, resourceName: '', configurationKeys: ['node.id', 'broker.id'] },
    ]);
    return identityFromEmptyName(expectedId, result!, own);
  }

  async expectBroker(expectedId: number): Promise<Extract<BrokerIdentity, { reachedExpected: true }>> {
    const identity = await this.brokerIdentity(expectedId);
    if (!identity.reachedExpected) throw new ProbeWrongBroker(this.target, expectedId, identity.reachedId);
    return identity;
  }

  async topicMinIsr(topics: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < topics.length; i += DESCRIBE_CONFIGS_BATCH) {
      const batch = topics.slice(i, i + DESCRIBE_CONFIGS_BATCH);
      const results = await this.#describeConfigs(
        'DescribeConfigs(TOPIC)',
        batch.map((name) => ({
          resourceType: CONFIG_RESOURCE_TOPIC,
          resourceName: name,
          configurationKeys: ['min.insync.replicas'],
        })),
      );
      parseTopicMinIsr(this.target, results, out);
    }
    return out;
  }

  async describeQuorum(): Promise<QuorumSnapshot | null> {
    const { negotiated } = await this.apiVersions();
    const version = negotiated.DescribeQuorum;
    if (version === null) return null;
    const call = DESCRIBE_QUORUM[version]!;
    const raw = await this.#connection.call(
      'DescribeQuorum',
      async (conn) =>
        (await call(conn, [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }])) as RawQuorum,
    );
    return parseQuorum(this.target, raw);
  }

  async hostedPartitions(): Promise<Map<string, number[]>> {
    const call = DESCRIBE_LOG_DIRS[await this.#version('DescribeLogDirs')]!;
    const raw = await this.#callKeepingBody<RawLogDirs>('DescribeLogDirs', (conn) => call(conn, null), 'results');
    return parseLogDirs(this.target, raw);
  }

  async snapshotCluster(): Promise<ClusterSnapshot> {
    const metadata = await this.metadata({ topics: null });
    const names = metadata.topics.filter((t) => t.errorCode === 0 && t.name !== '').map((t) => t.name);
    const minIsr = await this.topicMinIsr(names);
    const quorum = await this.describeQuorum();
    return {
      brokers: metadata.brokers.map((b) => ({ id: b.id, rack: b.rack })),
      controllerId: quorum ? quorum.leaderId : metadata.controllerId,
      quorum,
      topics: metadata.topics
        .filter((t) => minIsr.has(t.name))
        .map((t) => ({
          name: t.name,
          minInsyncReplicas: minIsr.get(t.name)!,
          partitions: t.partitions.map((p) => ({
            index: p.index,
            leader: p.leader,
            replicas: p.replicas,
            isr: p.isr,
            offline: p.offline,
          })),
        })),
    };
  }

  async produce(topic: string, partition: number, key: Buffer, value: Buffer): Promise<ProducedRecord> {
    const call = PRODUCE[await this.#version('Produce')]!;
    const timeoutMs = Math.max(1, this.#options.timeoutMs - 100);
    const raw = await this.#callKeepingBody<RawProduce>(
      'Produce',
      (conn) => call(conn, -1, timeoutMs, [{ topic, partition, key, value }]),
      'responses',
    );
    return parseProduce(this.target, raw, topic, partition);
  }

  async fetch(topic: string, partition: number, offset: bigint, maxWaitMs = 500): Promise<FetchedRecord[]> {
    const call = FETCH[await this.#version('Fetch')]!;
    const wait = Math.min(maxWaitMs, Math.max(0, this.#options.timeoutMs - 200));
    const partitions = [
      { partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: 1_048_576 },
    ];
    const raw = await this.#callKeepingBody<RawFetch>(
      'Fetch',
      (conn) => call(conn, wait, 1, 1_048_576, 0, 0, -1, [{ topicId: topic, partitions }], [], ''),
      'responses',
    );
    return parseFetch(this.target, raw, partition, offset);
  }

  async close(): Promise<void> {
    await this.#connection.close();
  }

  async #version(api: ApiName): Promise<number> {
    const { negotiated, broker } = await this.apiVersions();
    const version = negotiated[api];
    if (version === null) {
      const range = broker.find((b) => b.apiKey === ApiKeys[api]);
      throw new ProbeUnsupportedVersion(
        this.target,
        api,
        range
          ? `broker speaks v${range.minVersion}–v${range.maxVersion}, none of which this client implements`
          : 'not offered',
      );
    }
    return version;
  }

  /** A call whose per-item errors make the library reject: the body (recognised by `field`) is still the answer. */
  async #callKeepingBody<T extends object>(
    operation: string,
    work: (conn: Connection) => Promise<unknown>,
    field: keyof T,
  ): Promise<T> {
    return await this.#connection.call(operation, async (conn) => {
      try {
        return (await work(conn)) as T;
      } catch (error) {
        const body = responseBody<T>(error);
        if (body?.[field]) return body;
        throw error;
      }
    });
  }

  async #describeConfigs(operation: string, resources: ConfigsResource[]): Promise<RawConfigsResult[]> {
    const call = DESCRIBE_CONFIGS[await this.#version('DescribeConfigs')]!;
    const raw = await this.#callKeepingBody<{ results: RawConfigsResult[] }>(
      operation,
      (conn) => call(conn, resources, false),
      'results',
    );
    return raw.results;
  }
}

/** Validates options and returns a probe; nothing is sent until the first call. */
export function createProbe(options: ProbeOptions): KafkaProbe {
  const parsed = probeOptionsSchema.safeParse(options);
  const target = `${String(options?.host)}:${String(options?.port)}`;
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ProbeOptionsInvalid(target, detail);
  }
  return new Probe(parsed.data);
}

/** Runs `fn` with a probe and always closes it. */
export async function withProbe<T>(options: ProbeOptions, fn: (probe: KafkaProbe) => Promise<T>): Promise<T> {
  const probe = createProbe(options);
  try {
    return await fn(probe);
  } finally {
    await probe.close();
  }
}
