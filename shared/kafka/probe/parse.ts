/**
 * Pure response parsing: from the raw bodies @platformatic/kafka decodes (wire.ts) to what the probe reports
 * (types.ts). No socket here, so every rule is tested on constructed responses (parse.test.ts).
 */
import type { NodeRole, QuorumSnapshot } from '../snapshot.ts';
import { type ProbeError, ProbeUnsupportedVersion, probeBrokerError } from './errors.ts';
import { parseListeners, parseUnexpectedBrokerId } from './identity.ts';
import type { BrokerIdentity, FetchedRecord, ProbeMetadata, ProducedRecord } from './types.ts';
import {
  INVALID_REQUEST,
  KAFKA_ERROR_NAMES,
  type RawConfigsResult,
  type RawFetch,
  type RawLogDirs,
  type RawMetadata,
  type RawProduce,
  type RawQuorum,
  RETRIABLE_CODES,
  UNKNOWN_TOPIC_OR_PARTITION,
  UNSUPPORTED_VERSION,
} from './wire.ts';

/** A Kafka error code as the probe's error (UNSUPPORTED_VERSION has a class of its own). */
export function codeError(target: string, operation: string, code: number, message: string | null): ProbeError {
  const name = KAFKA_ERROR_NAMES[code] ?? `ERROR_${code}`;
  if (code === UNSUPPORTED_VERSION) {
    return new ProbeUnsupportedVersion(target, operation, message ?? 'UNSUPPORTED_VERSION');
  }
  return probeBrokerError(target, operation, name, code, message, RETRIABLE_CODES.has(code));
}

export function parseMetadata(raw: RawMetadata): ProbeMetadata {
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

/**
 * DescribeConfigs(BROKER, expectedId) → identity. Returns 'ask-empty-name' when another broker answered without
 * saying which (no "Unexpected broker id" message): the caller then asks for resource "" (see `identityFromEmptyName`).
 */
export function parseBrokerIdentity(
  target: string,
  expectedId: number,
  result: RawConfigsResult | undefined,
): BrokerIdentity | 'ask-empty-name' {
  if (!result) throw probeBrokerError(target, 'DescribeConfigs(BROKER)', 'EMPTY_RESPONSE', null, null, true);
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
    throw codeError(target, 'DescribeConfigs(BROKER)', result.errorCode, result.errorMessage);
  }
  const fromMessage = parseUnexpectedBrokerId(result.errorMessage);
  if (fromMessage === null) return 'ask-empty-name';
  return {
    reachedExpected: false,
    expectedId,
    reachedId: fromMessage,
    source: 'error-message',
    serverMessage: result.errorMessage,
  };
}

/**
 * Fallback: resource name "" is answered by any broker. Real Kafka answers it with the cluster-wide dynamic
 * defaults, which usually carry no id; other implementations answer with their own configs.
 */
export function identityFromEmptyName(
  expectedId: number,
  first: RawConfigsResult,
  own: RawConfigsResult | undefined,
): BrokerIdentity {
  const idValue = own?.errorCode === 0 ? own.configs.find((c) => c.name === 'node.id' || c.name === 'broker.id') : null;
  const reachedId = idValue?.value != null && /^-?\d+$/.test(idValue.value) ? Number(idValue.value) : null;
  return {
    reachedExpected: false,
    expectedId,
    reachedId,
    source: reachedId === null ? 'unknown' : 'empty-name-configs',
    serverMessage: first.errorMessage,
  };
}

/** Effective min.insync.replicas per topic from DescribeConfigs(TOPIC) results; topics gone meanwhile are left out. */
export function parseTopicMinIsr(
  target: string,
  results: readonly RawConfigsResult[],
  into: Map<string, number>,
): void {
  for (const result of results) {
    if (result.errorCode === UNKNOWN_TOPIC_OR_PARTITION) continue;
    if (result.errorCode !== 0) {
      throw codeError(target, `DescribeConfigs(TOPIC ${result.resourceName})`, result.errorCode, result.errorMessage);
    }
    const value = result.configs.find((c) => c.name === 'min.insync.replicas')?.value;
    const parsed = value != null && /^\d+$/.test(value) ? Number(value) : 1;
    into.set(result.resourceName, parsed);
  }
}

export function parseQuorum(target: string, raw: RawQuorum): QuorumSnapshot {
  const partition = raw.topics[0]?.partitions[0];
  if (!partition) {
    throw probeBrokerError(target, 'DescribeQuorum', 'EMPTY_RESPONSE', null, null, true);
  }
  const replica = (r: { replicaId: number; logEndOffset: bigint; lastCaughtUpTimestamp: bigint }) => ({
    id: r.replicaId,
    logEndOffset: Number(r.logEndOffset),
    lastCaughtUpTimestamp: Number(r.lastCaughtUpTimestamp),
  });
  return {
    leaderId: partition.leaderId,
    leaderEpoch: partition.leaderEpoch,
    highWatermark: Number(partition.highWatermark),
    voters: partition.currentVoters.map(replica),
    observers: partition.observers.map(replica),
  };
}

export function parseProduce(target: string, raw: RawProduce, topic: string, partition: number): ProducedRecord {
  const response = raw.responses.find((r) => r.name === topic)?.partitionResponses.find((p) => p.index === partition);
  if (!response) throw probeBrokerError(target, 'Produce', 'EMPTY_RESPONSE', null, null, true);
  if (response.errorCode !== 0) throw codeError(target, 'Produce', response.errorCode, null);
  return { baseOffset: response.baseOffset };
}

/** Records of one partition at or after `offset` (a batch may start before the offset asked). */
export function parseFetch(target: string, raw: RawFetch, partition: number, offset: bigint): FetchedRecord[] {
  if (raw.errorCode !== 0) throw codeError(target, 'Fetch', raw.errorCode, null);
  const part = raw.responses[0]?.partitions.find((p) => p.partitionIndex === partition);
  if (!part) throw probeBrokerError(target, 'Fetch', 'EMPTY_RESPONSE', null, null, true);
  if (part.errorCode !== 0) throw codeError(target, 'Fetch', part.errorCode, null);
  const out: FetchedRecord[] = [];
  for (const batch of part.records ?? []) {
    for (const record of batch.records) {
      out.push({ offset: batch.firstOffset + BigInt(record.offsetDelta), key: record.key, value: record.value });
    }
  }
  return out.filter((r) => r.offset >= offset);
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

/** DescribeLogDirs (all topics) → partitions this broker hosts, per topic. Denied → the Kafka error. */
export function parseLogDirs(target: string, raw: RawLogDirs): Map<string, number[]> {
  if (raw.errorCode !== undefined && raw.errorCode !== 0) {
    throw codeError(target, 'DescribeLogDirs', raw.errorCode, null);
  }
  const out = new Map<string, number[]>();
  for (const dir of raw.results) {
    if (dir.errorCode !== 0) continue; // an offline log dir: its partitions are offline replicas in Metadata
    for (const topic of dir.topics) {
      const partitions = out.get(topic.name) ?? [];
      for (const p of topic.partitions) if (!partitions.includes(p.partitionIndex)) partitions.push(p.partitionIndex);
      out.set(
        topic.name,
        partitions.sort((a, b) => a - b),
      );
    }
  }
  return out;
}
