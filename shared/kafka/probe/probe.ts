/**
 * A Kafka probe: one connection to one host:port that never follows metadata. It asks the listener it reached
 * and reports exactly what that listener said, which is what checking a load balancer port needs (a normal
 * client would jump to the advertised addresses and hide a miswired port).
 *
 * Built on @platformatic/kafka's low-level `Connection` and per-version API functions; the version of each API
 * is negotiated from ApiVersions so brokers from Kafka 2.8 on (ZooKeeper or KRaft mode) are served.
 */

import { isIP } from 'node:net';
import { type ConnectionOptions as TlsConnectOptions, connect as tlsConnect } from 'node:tls';
import {
  apiVersionsV0,
  apiVersionsV3,
  Connection,
  describeConfigsV1,
  describeConfigsV2,
  describeConfigsV3,
  describeConfigsV4,
  describeQuorumV0,
  describeQuorumV1,
  describeQuorumV2,
  fetchV4,
  fetchV5,
  fetchV6,
  fetchV7,
  fetchV8,
  fetchV9,
  fetchV10,
  fetchV11,
  fetchV12,
  metadataV1,
  metadataV2,
  metadataV3,
  metadataV4,
  metadataV5,
  metadataV6,
  metadataV7,
  metadataV8,
  metadataV9,
  metadataV10,
  metadataV11,
  metadataV12,
  produceV3,
  produceV4,
  produceV5,
  produceV6,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  ResponseError,
} from '@platformatic/kafka';
import type { ClusterSnapshot, NodeRole, QuorumSnapshot } from '../snapshot.ts';
import { classifyProbeError } from './classify.ts';
import {
  ProbeConnectionFailed,
  type ProbeError,
  ProbeOptionsInvalid,
  ProbeTimedOut,
  ProbeTlsFailed,
  ProbeUnsupportedVersion,
  ProbeWrongBroker,
  probeBrokerError,
} from './errors.ts';
import { type ListenerEndpoint, parseListeners, parseUnexpectedBrokerId } from './identity.ts';
import { type ProbeOptions, probeOptionsSchema, type ResolvedProbeOptions } from './options.ts';
import { ApiKeys, type ApiName, type BrokerApiRange, type NegotiatedVersions, negotiate } from './versions.ts';

const CONFIG_RESOURCE_TOPIC = 2;
const CONFIG_RESOURCE_BROKER = 4;
const INVALID_REQUEST = 42;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const UNSUPPORTED_VERSION = 35;
const IDENTITY_KEYS = [
  'node.id',
  'broker.id',
  'advertised.listeners',
  'listeners',
  'listener.security.protocol.map',
  'process.roles',
  'broker.rack',
];
const DESCRIBE_CONFIGS_BATCH = 100;

export interface ProbeApiVersions {
  /** What the broker advertised: api key → [min, max]. */
  broker: readonly BrokerApiRange[];
  /** Highest version both sides speak, per API this probe uses. */
  negotiated: NegotiatedVersions;
}

export interface ProbeBroker {
  id: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ProbePartition {
  index: number;
  errorCode: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offline: number[];
}

export interface ProbeTopic {
  name: string;
  errorCode: number;
  isInternal: boolean;
  partitions: ProbePartition[];
}

export interface ProbeMetadata {
  /** Live brokers with their endpoints on the listener this connection arrived on. */
  brokers: ProbeBroker[];
  /** -1 from the broker is reported as null. In KRaft mode this is a random live broker, not the controller. */
  controllerId: number | null;
  clusterId: string | null;
  topics: ProbeTopic[];
}

export type BrokerIdentity =
  | {
      reachedExpected: true;
      brokerId: number;
      advertisedListeners: ListenerEndpoint[];
      listeners: ListenerEndpoint[];
      /** `listener.security.protocol.map` as the broker runs it: listener name (upper case) → protocol. */
      securityProtocols: Record<string, string>;
      processRoles: NodeRole[] | null;
      rack: string | null;
    }
  | {
      reachedExpected: false;
      expectedId: number;
      /** Id of the broker actually reached; null when it could not be determined. */
      reachedId: number | null;
      /** Where `reachedId` came from. */
      source: 'error-message' | 'empty-name-configs' | 'unknown';
      serverMessage: string | null;
    };

export interface ProducedRecord {
  baseOffset: bigint;
}

export interface FetchedRecord {
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

export interface KafkaProbe {
  /** `host:port` this probe talks to. */
  readonly target: string;
  apiVersions(): Promise<ProbeApiVersions>;
  /** Metadata for `topics` (null: all topics; default: none, brokers only). Never auto-creates topics. */
  metadata(options?: { topics?: readonly string[] | null }): Promise<ProbeMetadata>;
  /** Which broker is behind this port, via DescribeConfigs(BROKER, expectedId). */
  brokerIdentity(expectedId: number): Promise<BrokerIdentity>;
  /** Like brokerIdentity, but throws ProbeWrongBroker when another broker answered. */
  expectBroker(expectedId: number): Promise<Extract<BrokerIdentity, { reachedExpected: true }>>;
  /** Effective min.insync.replicas per topic (topics that no longer exist are left out). */
  topicMinIsr(topics: readonly string[]): Promise<Map<string, number>>;
  /** KRaft metadata quorum; null when the broker does not offer DescribeQuorum (ZooKeeper mode, or 2.8 brokers). */
  describeQuorum(): Promise<QuorumSnapshot | null>;
  /** Everything the rolling-restart gates need, from this one connection. */
  snapshotCluster(): Promise<ClusterSnapshot>;
  /** Produce one record (acks=all) to a partition this broker leads. */
  produce(topic: string, partition: number, key: Buffer, value: Buffer): Promise<ProducedRecord>;
  /** Fetch records from `offset` of a partition this broker leads. */
  fetch(topic: string, partition: number, offset: bigint, maxWaitMs?: number): Promise<FetchedRecord[]>;
  close(): Promise<void>;
}

// Tables from negotiated version to the library's API implementation. The library's per-version signatures
// differ in optional trailing parameters only; the probe calls them with the common leading ones.
type MetadataCall = (conn: Connection, topics: string[] | null, allowAutoTopicCreation: boolean) => Promise<unknown>;
const METADATA: Record<number, MetadataCall> = {
  1: metadataV1.api.async,
  2: metadataV2.api.async,
  3: metadataV3.api.async,
  4: metadataV4.api.async,
  5: metadataV5.api.async,
  6: metadataV6.api.async,
  7: metadataV7.api.async,
  8: metadataV8.api.async,
  9: metadataV9.api.async,
  10: metadataV10.api.async,
  11: metadataV11.api.async,
  12: metadataV12.api.async,
};
type ConfigsResource = { resourceType: 2 | 4; resourceName: string; configurationKeys: string[] | null };
type DescribeConfigsCall = (
  conn: Connection,
  resources: ConfigsResource[],
  includeSynonyms: boolean,
) => Promise<unknown>;
const DESCRIBE_CONFIGS: Record<number, DescribeConfigsCall> = {
  1: describeConfigsV1.api.async,
  2: describeConfigsV2.api.async,
  3: describeConfigsV3.api.async,
  4: describeConfigsV4.api.async,
};
type QuorumCall = (
  conn: Connection,
  topics: { topicName: string; partitions: { partitionIndex: number }[] }[],
) => Promise<unknown>;
const DESCRIBE_QUORUM: Record<number, QuorumCall> = {
  0: describeQuorumV0.api.async,
  1: describeQuorumV1.api.async,
  2: describeQuorumV2.api.async,
};
type ProduceCall = (
  conn: Connection,
  acks: number,
  timeout: number,
  records: { topic: string; partition: number; key: Buffer; value: Buffer }[],
) => Promise<unknown>;
const PRODUCE: Record<number, ProduceCall> = {
  3: produceV3.api.async,
  4: produceV4.api.async,
  5: produceV5.api.async,
  6: produceV6.api.async,
  7: produceV7.api.async,
  8: produceV8.api.async,
  9: produceV9.api.async,
  10: produceV10.api.async,
  11: produceV11.api.async,
};
type FetchTopic = {
  topicId: string;
  partitions: {
    partition: number;
    currentLeaderEpoch: number;
    fetchOffset: bigint;
    lastFetchedEpoch: number;
    partitionMaxBytes: number;
  }[];
};
type FetchCall = (
  conn: Connection,
  maxWaitMs: number,
  minBytes: number,
  maxBytes: number,
  isolationLevel: number,
  sessionId: number,
  sessionEpoch: number,
  topics: FetchTopic[],
  forgotten: never[],
  rackId: string,
) => Promise<unknown>;
const FETCH: Record<number, FetchCall> = {
  4: fetchV4.api.async,
  5: fetchV5.api.async,
  6: fetchV6.api.async,
  7: fetchV7.api.async,
  8: fetchV8.api.async,
  9: fetchV9.api.async,
  10: fetchV10.api.async,
  11: fetchV11.api.async,
  12: fetchV12.api.async,
};

interface RawMetadata {
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  clusterId: string | null;
  controllerId: number;
  topics: {
    errorCode: number;
    name: string | null;
    isInternal: boolean;
    partitions: {
      errorCode: number;
      partitionIndex: number;
      leaderId: number;
      replicaNodes: number[];
      isrNodes: number[];
      offlineReplicas: number[];
    }[];
  }[];
}
interface RawConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: { name: string; value: string | null }[];
}
interface RawQuorum {
  errorCode: number;
  topics: {
    topicName: string;
    partitions: {
      errorCode: number;
      leaderId: number;
      leaderEpoch: number;
      highWatermark: bigint;
      currentVoters: { replicaId: number; logEndOffset: bigint; lastCaughtUpTimestamp: bigint }[];
      observers: { replicaId: number; logEndOffset: bigint; lastCaughtUpTimestamp: bigint }[];
    }[];
  }[];
}
interface RawProduce {
  responses: { name: string; partitionResponses: { index: number; errorCode: number; baseOffset: bigint }[] }[];
}
interface RawFetch {
  errorCode: number;
  responses: {
    partitions: {
      partitionIndex: number;
      errorCode: number;
      records?:
        | { firstOffset: bigint; records: { offsetDelta: number; key: Buffer | null; value: Buffer | null }[] }[]
        | null;
    }[];
  }[];
}

/** Resolves after `ms`, rejecting with `onTimeout()`; the losing promise's rejection is swallowed. */
async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {});
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function toTlsOptions(tls: NonNullable<ResolvedProbeOptions['tls']>): TlsConnectOptions {
  const out: TlsConnectOptions = {};
  if (tls.ca) out.ca = tls.ca;
  if (tls.serverName) out.servername = tls.serverName;
  if (tls.cert) out.cert = tls.cert;
  if (tls.key) out.key = tls.key;
  if (tls.insecureSkipVerify) out.rejectUnauthorized = false;
  return out;
}

function bigToNumber(v: bigint): number {
  return Number(v);
}

/** Per-resource errors make the library reject with a ResponseError that still carries the parsed body. */
function responseBody<T>(error: unknown): T | null {
  if (error instanceof ResponseError && error.response && typeof error.response === 'object') {
    return error.response as T;
  }
  return null;
}

class Probe implements KafkaProbe {
  readonly target: string;
  readonly #options: ResolvedProbeOptions;
  #connection: Connection | null = null;
  #connecting: Promise<Connection> | null = null;
  #versions: ProbeApiVersions | null = null;
  #closed = false;

  constructor(options: ResolvedProbeOptions) {
    this.#options = options;
    this.target = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  }

  async apiVersions(): Promise<ProbeApiVersions> {
    if (this.#versions) return this.#versions;
    const raw = await this.#call('ApiVersions', async (conn) => {
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
    const version = await this.#version('Metadata');
    const call = METADATA[version]!;
    const topics = options.topics === undefined ? [] : options.topics === null ? null : [...options.topics];
    const raw = await this.#call('Metadata', async (conn) => {
      try {
        return (await call(conn, topics, false)) as RawMetadata;
      } catch (error) {
        // Topic/partition errors (e.g. LEADER_NOT_AVAILABLE) are data here, not failures.
        const body = responseBody<RawMetadata>(error);
        if (body?.brokers) return body;
        throw error;
      }
    });
    return {
      brokers: raw.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null })),
      controllerId: raw.controllerId >= 0 ? raw.controllerId : null,
      clusterId: raw.clusterId ?? null,
      topics: raw.topics.map((t) => ({
        name: t.name ?? '',
        errorCode: t.errorCode,
        isInternal: t.isInternal,
        partitions: t.partitions.map((p) => ({
          index: p.partitionIndex,
          errorCode: p.errorCode,
          leader: p.leaderId,
          replicas: [...p.replicaNodes],
          isr: [...p.isrNodes],
          offline: [...p.offlineReplicas],
        })),
      })),
    };
  }

  async brokerIdentity(expectedId: number): Promise<BrokerIdentity> {
    if (!Number.isSafeInteger(expectedId) || expectedId < 0) {
      throw new ProbeOptionsInvalid(this.target, `broker id must be a non-negative integer, got ${expectedId}`);
    }
    const [result] = await this.#describeConfigs('DescribeConfigs(BROKER)', [
      { resourceType: CONFIG_RESOURCE_BROKER, resourceName: String(expectedId), configurationKeys: IDENTITY_KEYS },
    ]);
    if (!result) throw probeBrokerError(this.target, 'DescribeConfigs(BROKER)', 'EMPTY_RESPONSE', null, null, true);
    if (result.errorCode === 0) {
      const config = new Map(result.configs.map((c) => [c.name, c.value]));
      const roles = config.get('process.roles');
      return {
        reachedExpected: true,
        brokerId: expectedId,
        advertisedListeners: parseListeners(config.get('advertised.listeners')).endpoints,
        listeners: parseListeners(config.get('listeners')).endpoints,
        securityProtocols: parseProtocolMap(config.get('listener.security.protocol.map')),
        processRoles: roles
          ? roles
              .split(',')
              .map((r) => r.trim())
              .filter((r): r is NodeRole => r === 'broker' || r === 'controller')
          : null,
        rack: config.get('broker.rack') ?? null,
      };
    }
    if (result.errorCode !== INVALID_REQUEST) {
      throw this.#resultError('DescribeConfigs(BROKER)', result);
    }
    const fromMessage = parseUnexpectedBrokerId(result.errorMessage);
    if (fromMessage !== null) {
      return {
        reachedExpected: false,
        expectedId,
        reachedId: fromMessage,
        source: 'error-message',
        serverMessage: result.errorMessage,
      };
    }
    // Fallback: resource name "" is answered by any broker. Real Kafka answers it with the cluster-wide dynamic
    // defaults, which usually carry no id; other implementations answer with their own configs.
    const [own] = await this.#describeConfigs('DescribeConfigs(BROKER "")', [
      { resourceType: CONFIG_RESOURCE_BROKER, resourceName: '', configurationKeys: ['node.id', 'broker.id'] },
    ]);
    const idValue =
      own?.errorCode === 0 ? own.configs.find((c) => c.name === 'node.id' || c.name === 'broker.id') : null;
    const reachedId = idValue?.value != null && /^-?\d+$/.test(idValue.value) ? Number(idValue.value) : null;
    return {
      reachedExpected: false,
      expectedId,
      reachedId,
      source: reachedId === null ? 'unknown' : 'empty-name-configs',
      serverMessage: result.errorMessage,
    };
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
      for (const result of results) {
        if (result.errorCode === UNKNOWN_TOPIC_OR_PARTITION) continue;
        if (result.errorCode !== 0) throw this.#resultError(`DescribeConfigs(TOPIC ${result.resourceName})`, result);
        const value = result.configs.find((c) => c.name === 'min.insync.replicas')?.value;
        const parsed = value != null && /^\d+$/.test(value) ? Number(value) : 1;
        out.set(result.resourceName, parsed);
      }
    }
    return out;
  }

  async describeQuorum(): Promise<QuorumSnapshot | null> {
    const { negotiated } = await this.apiVersions();
    const version = negotiated.DescribeQuorum;
    if (version === null) return null;
    const call = DESCRIBE_QUORUM[version]!;
    const raw = await this.#call(
      'DescribeQuorum',
      async (conn) =>
        (await call(conn, [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }])) as RawQuorum,
    );
    const partition = raw.topics[0]?.partitions[0];
    if (!partition) {
      throw probeBrokerError(this.target, 'DescribeQuorum', 'EMPTY_RESPONSE', null, null, true);
    }
    const replica = (r: { replicaId: number; logEndOffset: bigint; lastCaughtUpTimestamp: bigint }) => ({
      id: r.replicaId,
      logEndOffset: bigToNumber(r.logEndOffset),
      lastCaughtUpTimestamp: bigToNumber(r.lastCaughtUpTimestamp),
    });
    return {
      leaderId: partition.leaderId,
      leaderEpoch: partition.leaderEpoch,
      highWatermark: bigToNumber(partition.highWatermark),
      voters: partition.currentVoters.map(replica),
      observers: partition.observers.map(replica),
    };
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
    const version = await this.#version('Produce');
    const call = PRODUCE[version]!;
    const timeoutMs = Math.max(1, this.#options.timeoutMs - 100);
    const raw = await this.#call('Produce', async (conn) => {
      try {
        return (await call(conn, -1, timeoutMs, [{ topic, partition, key, value }])) as RawProduce;
      } catch (error) {
        const body = responseBody<RawProduce>(error);
        if (body?.responses) return body;
        throw error;
      }
    });
    const response = raw.responses.find((r) => r.name === topic)?.partitionResponses.find((p) => p.index === partition);
    if (!response) throw probeBrokerError(this.target, 'Produce', 'EMPTY_RESPONSE', null, null, true);
    if (response.errorCode !== 0) throw this.#codeError('Produce', response.errorCode, null);
    return { baseOffset: response.baseOffset };
  }

  async fetch(topic: string, partition: number, offset: bigint, maxWaitMs = 500): Promise<FetchedRecord[]> {
    const version = await this.#version('Fetch');
    const call = FETCH[version]!;
    const raw = await this.#call('Fetch', async (conn) => {
      try {
        return (await call(
          conn,
          Math.min(maxWaitMs, Math.max(0, this.#options.timeoutMs - 200)),
          1,
          1_048_576,
          0,
          0,
          -1,
          [
            {
              topicId: topic,
              partitions: [
                {
                  partition,
                  currentLeaderEpoch: -1,
                  fetchOffset: offset,
                  lastFetchedEpoch: -1,
                  partitionMaxBytes: 1_048_576,
                },
              ],
            },
          ],
          [],
          '',
        )) as RawFetch;
      } catch (error) {
        const body = responseBody<RawFetch>(error);
        if (body?.responses) return body;
        throw error;
      }
    });
    if (raw.errorCode !== 0) throw this.#codeError('Fetch', raw.errorCode, null);
    const part = raw.responses[0]?.partitions.find((p) => p.partitionIndex === partition);
    if (!part) throw probeBrokerError(this.target, 'Fetch', 'EMPTY_RESPONSE', null, null, true);
    if (part.errorCode !== 0) throw this.#codeError('Fetch', part.errorCode, null);
    const out: FetchedRecord[] = [];
    for (const batch of part.records ?? []) {
      for (const record of batch.records) {
        out.push({ offset: batch.firstOffset + BigInt(record.offsetDelta), key: record.key, value: record.value });
      }
    }
    return out.filter((r) => r.offset >= offset);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const conn = this.#connection ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#connection = null;
    this.#connecting = null;
    if (conn) await this.#dispose(conn);
  }

  async #version(api: ApiName): Promise<number> {
    const { negotiated, broker } = await this.apiVersions();
    const version = negotiated[api];
    if (version === null) {
      const range = broker.find((b) => b.apiKey === apiKeyOf(api));
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

  async #describeConfigs(operation: string, resources: ConfigsResource[]): Promise<RawConfigsResult[]> {
    const version = await this.#version('DescribeConfigs');
    const call = DESCRIBE_CONFIGS[version]!;
    const raw = await this.#call(operation, async (conn) => {
      try {
        return (await call(conn, resources, false)) as { results: RawConfigsResult[] };
      } catch (error) {
        const body = responseBody<{ results: RawConfigsResult[] }>(error);
        if (body?.results) return body;
        throw error;
      }
    });
    return raw.results;
  }

  #resultError(operation: string, result: RawConfigsResult): ProbeError {
    return this.#codeError(operation, result.errorCode, result.errorMessage);
  }

  #codeError(operation: string, code: number, message: string | null): ProbeError {
    const name = KAFKA_ERROR_NAMES[code] ?? `ERROR_${code}`;
    if (code === UNSUPPORTED_VERSION) {
      return new ProbeUnsupportedVersion(this.target, operation, message ?? 'UNSUPPORTED_VERSION');
    }
    return probeBrokerError(this.target, operation, name, code, message, RETRIABLE_CODES.has(code));
  }

  async #connect(): Promise<Connection> {
    if (this.#closed) throw new ProbeOptionsInvalid(this.target, 'the probe was closed');
    if (this.#connection?.isConnected()) return this.#connection;
    if (this.#connecting) return this.#connecting;
    const { host, port, tls, sasl, timeoutMs, clientId } = this.#options;
    const conn = new Connection(clientId, {
      // The probe's own deadline decides; the library's timers are a backstop just behind it.
      connectTimeout: timeoutMs + 1_000,
      requestTimeout: timeoutMs + 1_000,
      maxInflights: 5,
      ...(tls ? { tls: toTlsOptions(tls) } : {}),
      ...(sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } } : {}),
    });
    // A Connection re-emits socket errors; without a listener an EventEmitter 'error' would crash the process.
    conn.on('error', () => {});
    const connecting = withDeadline(
      conn.connect(host, port) as Promise<void>,
      timeoutMs,
      () => new ProbeTimedOut(this.target, 'connect', timeoutMs),
    ).then(
      () => conn,
      async (error: unknown) => {
        await this.#dispose(conn);
        throw classifyProbeError(error, this.target, 'connect', timeoutMs);
      },
    );
    this.#connecting = connecting;
    try {
      this.#connection = await connecting;
      return this.#connection;
    } finally {
      this.#connecting = null;
    }
  }

  async #call<T>(operation: string, work: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = await this.#connect();
    const { timeoutMs } = this.#options;
    try {
      return await withDeadline(work(conn), timeoutMs, () => new ProbeTimedOut(this.target, operation, timeoutMs));
    } catch (error) {
      if (error instanceof ProbeTimedOut || !conn.isConnected()) {
        // A late answer would arrive on a connection whose state is unknown: start over next time.
        if (this.#connection === conn) this.#connection = null;
        await this.#dispose(conn);
      }
      const classified = classifyProbeError(error, this.target, operation, timeoutMs);
      if (classified instanceof ProbeConnectionFailed && !this.#options.tls && (await this.#speaksTls())) {
        throw new ProbeTlsFailed(
          this.target,
          'broker-requires-tls',
          'the listener closed the plaintext connection and answers a TLS handshake: configure TLS',
          { cause: classified },
        );
      }
      throw classified;
    }
  }

  /**
   * Diagnosis only: after a plaintext connection was closed without an answer, does the port complete a TLS
   * handshake? (A Kafka SSL listener closes on plaintext bytes without telling why.) No data is sent.
   */
  async #speaksTls(): Promise<boolean> {
    const { host, port, timeoutMs } = this.#options;
    return await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({
        host,
        port,
        rejectUnauthorized: false,
        ...(isIP(host) !== 0 ? {} : { servername: host }),
      });
      const done = (result: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => done(false), Math.min(timeoutMs, 2_000));
      socket.once('secureConnect', () => done(true));
      socket.once('error', () => done(false));
      socket.once('close', () => done(false));
    });
  }

  async #dispose(conn: Connection): Promise<void> {
    try {
      await withDeadline(conn.close(), 1_000, () => new Error('close timed out'));
    } catch {
      // fall through to destroy
    }
    conn.socket?.destroy();
  }
}

function apiKeyOf(api: ApiName): number {
  return ApiKeys[api];
}

/** Names of the Kafka error codes the probe reports itself (others come through the library's ProtocolError). */
const KAFKA_ERROR_NAMES: Record<number, string> = {
  1: 'OFFSET_OUT_OF_RANGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  19: 'NOT_ENOUGH_REPLICAS',
  20: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION',
  42: 'INVALID_REQUEST',
};
const RETRIABLE_CODES = new Set([5, 6, 7, 19, 20]);

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

/** `INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL` → { INTERNAL: 'PLAINTEXT', EXTERNAL: 'SASL_SSL' }; malformed entries are skipped. */
export function parseProtocolMap(value: string | null | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of (value ?? '').split(',')) {
    const at = entry.lastIndexOf(':');
    if (at <= 0) continue;
    map[entry.slice(0, at).trim().toUpperCase()] = entry
      .slice(at + 1)
      .trim()
      .toUpperCase();
  }
  return map;
}
