/**
 * Wire formats of the Kafka APIs the test broker speaks, written from apache/kafka
 * `clients/src/main/resources/common/message/*.json` (field versions, nullableVersions, flexibleVersions).
 * Pure functions: request decoders (Reader → object) and response encoders (object → bytes), plus framing.
 *
 * Header rules: a request uses header v2 (client id as a classic int16 string, then tagged fields) when its API
 * version is flexible, else v1. A response uses header v1 (tagged fields after the correlation id) when the API
 * version is flexible, else v0 — except ApiVersions, whose response header is always v0 (so a client that does not
 * know the broker's versions can still read it).
 */
import { type Reader, Writer } from './codec.ts';
import { ProtocolViolation } from './errors.ts';

export const ApiKeys = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  SaslHandshake: 17,
  ApiVersions: 18,
  DescribeConfigs: 32,
  DescribeLogDirs: 35,
  SaslAuthenticate: 36,
  DescribeQuorum: 55,
  DescribeCluster: 60,
} as const;

export const ErrorCodes = {
  NONE: 0,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  OFFSET_OUT_OF_RANGE: 1,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  INVALID_REQUEST: 42,
  SASL_AUTHENTICATION_FAILED: 58,
  MISMATCHED_ENDPOINT_TYPE: 114,
} as const;

export interface ApiSpec {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version per the schema's flexibleVersions; null = "none". */
  flexibleFrom: number | null;
}

/** What this test broker implements. Flexible-from values are copied from each API's JSON schema. */
export const SUPPORTED_APIS: readonly ApiSpec[] = [
  { key: ApiKeys.Produce, name: 'Produce', minVersion: 3, maxVersion: 8, flexibleFrom: 9 },
  { key: ApiKeys.Fetch, name: 'Fetch', minVersion: 4, maxVersion: 11, flexibleFrom: 12 },
  { key: ApiKeys.ListOffsets, name: 'ListOffsets', minVersion: 1, maxVersion: 5, flexibleFrom: 6 },
  { key: ApiKeys.Metadata, name: 'Metadata', minVersion: 0, maxVersion: 12, flexibleFrom: 9 },
  { key: ApiKeys.SaslHandshake, name: 'SaslHandshake', minVersion: 1, maxVersion: 1, flexibleFrom: null },
  { key: ApiKeys.ApiVersions, name: 'ApiVersions', minVersion: 0, maxVersion: 3, flexibleFrom: 3 },
  { key: ApiKeys.DescribeConfigs, name: 'DescribeConfigs', minVersion: 0, maxVersion: 4, flexibleFrom: 4 },
  { key: ApiKeys.DescribeLogDirs, name: 'DescribeLogDirs', minVersion: 1, maxVersion: 4, flexibleFrom: 2 },
  { key: ApiKeys.SaslAuthenticate, name: 'SaslAuthenticate', minVersion: 0, maxVersion: 2, flexibleFrom: 2 },
  { key: ApiKeys.DescribeQuorum, name: 'DescribeQuorum', minVersion: 0, maxVersion: 2, flexibleFrom: 0 },
  { key: ApiKeys.DescribeCluster, name: 'DescribeCluster', minVersion: 0, maxVersion: 1, flexibleFrom: 0 },
];

const specByKey = new Map(SUPPORTED_APIS.map((a) => [a.key, a]));

export function apiSpec(key: number): ApiSpec | undefined {
  return specByKey.get(key);
}

/** Whether (key, version) uses the flexible encoding; also defined for versions above our maximum. */
export function isFlexible(key: number, version: number): boolean {
  const spec = specByKey.get(key);
  return spec !== undefined && spec.flexibleFrom !== null && version >= spec.flexibleFrom;
}

// ---------------------------------------------------------------------------------------------------------------
// Framing and headers

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Reads the request header. Returns null header fields past the correlation id when the API key is unknown
 * (its header version cannot be known): the caller closes the connection, as Kafka does.
 */
export function decodeRequestHeader(r: Reader): RequestHeader & { known: boolean } {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const known = specByKey.has(apiKey);
  if (!known) return { apiKey, apiVersion, correlationId, clientId: null, known };
  const clientId = r.nullableString(false);
  if (isFlexible(apiKey, apiVersion)) r.tagged();
  return { apiKey, apiVersion, correlationId, clientId, known };
}

export function encodeRequestHeader(w: Writer, h: RequestHeader): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId).nullableString(h.clientId, false);
  if (isFlexible(h.apiKey, h.apiVersion)) w.tagged();
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === ApiKeys.ApiVersions) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

/** Size-prefixed response frame: int32 size, header (v0 or v1), body. */
export function frameResponse(correlationId: number, headerVersion: 0 | 1, body: Buffer): Buffer {
  const w = new Writer();
  w.int32(correlationId);
  if (headerVersion === 1) w.tagged();
  w.raw(body);
  const payload = w.toBuffer();
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

/** Size-prefixed request frame (used by tests and tools that talk to the broker directly). */
export function frameRequest(header: RequestHeader, body: Buffer): Buffer {
  const w = new Writer();
  encodeRequestHeader(w, header);
  w.raw(body);
  const payload = w.toBuffer();
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

/** Splits a byte stream into Kafka frames (int32 big-endian size prefix). */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private readonly maxFrameBytes: number;
  constructor(maxFrameBytes = 100 * 1024 * 1024) {
    this.maxFrameBytes = maxFrameBytes;
  }
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > this.maxFrameBytes) throw new ProtocolViolation(`invalid frame size ${size}`);
      if (this.pending.length < 4 + size) break;
      frames.push(this.pending.subarray(4, 4 + size));
      this.pending = this.pending.subarray(4 + size);
    }
    return frames;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// ApiVersions (key 18)

export interface ApiVersionsRequest {
  clientSoftwareName: string | null;
  clientSoftwareVersion: string | null;
}

export function decodeApiVersionsRequest(r: Reader, v: number): ApiVersionsRequest {
  if (v < 3) return { clientSoftwareName: null, clientSoftwareVersion: null };
  const clientSoftwareName = r.string(true);
  const clientSoftwareVersion = r.string(true);
  r.tagged();
  return { clientSoftwareName, clientSoftwareVersion };
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: readonly { apiKey: number; minVersion: number; maxVersion: number }[];
  throttleTimeMs: number;
}

export function encodeApiVersionsResponse(v: number, res: ApiVersionsResponse): Buffer {
  const flex = v >= 3;
  const w = new Writer();
  w.int16(res.errorCode);
  w.array(res.apiKeys, flex, (w, k) => {
    w.int16(k.apiKey).int16(k.minVersion).int16(k.maxVersion);
    if (flex) w.tagged();
  });
  if (v >= 1) w.int32(res.throttleTimeMs);
  if (flex) w.tagged();
  return w.toBuffer();
}

export function decodeApiVersionsResponse(r: Reader, v: number): ApiVersionsResponse {
  const flex = v >= 3;
  const errorCode = r.int16();
  const apiKeys = r.array(flex, (r) => {
    const k = { apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() };
    if (flex) r.tagged();
    return k;
  });
  const throttleTimeMs = v >= 1 ? r.int32() : 0;
  if (flex) r.tagged();
  return { errorCode, apiKeys, throttleTimeMs };
}

// ---------------------------------------------------------------------------------------------------------------
// Metadata (key 3)

export interface MetadataRequest {
  /** null = all topics. */
  topics: { topicId: string | null; name: string | null }[] | null;
  allowAutoTopicCreation: boolean;
}

const ZERO_UUID = '00000000000000000000000000000000';

export function decodeMetadataRequest(r: Reader, v: number): MetadataRequest {
  const flex = v >= 9;
  const readTopic = (r: Reader) => {
    const topicId = v >= 10 ? r.uuid() : null;
    const name = v >= 10 ? r.nullableString(flex) : r.string(flex);
    if (flex) r.tagged();
    return { topicId: topicId === ZERO_UUID ? null : topicId, name };
  };
  let topics: MetadataRequest['topics'];
  if (v === 0) {
    const list = r.array(false, readTopic);
    topics = list.length === 0 ? null : list;
  } else {
    topics = r.nullableArray(flex, readTopic);
  }
  const allowAutoTopicCreation = v >= 4 ? r.bool() : true;
  if (v >= 8 && v <= 10) r.bool(); // IncludeClusterAuthorizedOperations
  if (v >= 8) r.bool(); // IncludeTopicAuthorizedOperations
  if (flex) r.tagged();
  return { topics, allowAutoTopicCreation };
}

export function encodeMetadataRequest(v: number, req: MetadataRequest): Buffer {
  const flex = v >= 9;
  const w = new Writer();
  const topics = req.topics ?? (v === 0 ? [] : null);
  w.nullableArray(topics, flex, (w, t) => {
    if (v >= 10) w.uuid(t.topicId ?? ZERO_UUID);
    w.nullableString(t.name, flex);
    if (flex) w.tagged();
  });
  if (v >= 4) w.bool(req.allowAutoTopicCreation);
  if (v >= 8 && v <= 10) w.bool(false);
  if (v >= 8) w.bool(false);
  if (flex) w.tagged();
  return w.toBuffer();
}

export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: readonly number[];
  isrNodes: readonly number[];
  offlineReplicas: readonly number[];
}

export interface MetadataTopic {
  errorCode: number;
  name: string | null;
  topicId: string;
  isInternal: boolean;
  partitions: readonly MetadataPartition[];
}

export interface MetadataResponse {
  brokers: readonly BrokerEndpoint[];
  clusterId: string | null;
  controllerId: number;
  topics: readonly MetadataTopic[];
}

const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export function encodeMetadataResponse(v: number, res: MetadataResponse): Buffer {
  const flex = v >= 9;
  const w = new Writer();
  if (v >= 3) w.int32(0);
  w.array(res.brokers, flex, (w, b) => {
    w.int32(b.nodeId).string(b.host, flex).int32(b.port);
    if (v >= 1) w.nullableString(b.rack, flex);
    if (flex) w.tagged();
  });
  if (v >= 2) w.nullableString(res.clusterId, flex);
  if (v >= 1) w.int32(res.controllerId);
  w.array(res.topics, flex, (w, t) => {
    w.int16(t.errorCode);
    if (v >= 12) w.nullableString(t.name, flex);
    else w.string(t.name ?? '', flex);
    if (v >= 10) w.uuid(t.topicId);
    if (v >= 1) w.bool(t.isInternal);
    w.array(t.partitions, flex, (w, p) => {
      w.int16(p.errorCode).int32(p.partitionIndex).int32(p.leaderId);
      if (v >= 7) w.int32(p.leaderEpoch);
      w.array(p.replicaNodes, flex, (w, n) => w.int32(n));
      w.array(p.isrNodes, flex, (w, n) => w.int32(n));
      if (v >= 5) w.array(p.offlineReplicas, flex, (w, n) => w.int32(n));
      if (flex) w.tagged();
    });
    if (v >= 8) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
    if (flex) w.tagged();
  });
  if (v >= 8 && v <= 10) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
  if (flex) w.tagged();
  return w.toBuffer();
}

export function decodeMetadataResponse(r: Reader, v: number): MetadataResponse {
  const flex = v >= 9;
  if (v >= 3) r.int32();
  const brokers = r.array(flex, (r) => {
    const b: BrokerEndpoint = { nodeId: r.int32(), host: r.string(flex), port: r.int32(), rack: null };
    if (v >= 1) b.rack = r.nullableString(flex);
    if (flex) r.tagged();
    return b;
  });
  const clusterId = v >= 2 ? r.nullableString(flex) : null;
  const controllerId = v >= 1 ? r.int32() : -1;
  const topics = r.array(flex, (r) => {
    const errorCode = r.int16();
    const name = v >= 12 ? r.nullableString(flex) : r.string(flex);
    const topicId = v >= 10 ? r.uuid() : ZERO_UUID;
    const isInternal = v >= 1 ? r.bool() : false;
    const partitions = r.array(flex, (r) => {
      const p: MetadataPartition = {
        errorCode: r.int16(),
        partitionIndex: r.int32(),
        leaderId: r.int32(),
        leaderEpoch: v >= 7 ? r.int32() : -1,
        replicaNodes: r.array(flex, (r) => r.int32()),
        isrNodes: r.array(flex, (r) => r.int32()),
        offlineReplicas: v >= 5 ? r.array(flex, (r) => r.int32()) : [],
      };
      if (flex) r.tagged();
      return p;
    });
    if (v >= 8) r.int32();
    if (flex) r.tagged();
    return { errorCode, name, topicId, isInternal, partitions };
  });
  if (v >= 8 && v <= 10) r.int32();
  if (flex) r.tagged();
  return { brokers, clusterId, controllerId, topics };
}

// ---------------------------------------------------------------------------------------------------------------
// DescribeConfigs (key 32)

export const ResourceTypes = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;
export const ConfigSources = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
export const ConfigTypes = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, LIST: 7, PASSWORD: 9 } as const;

export interface DescribeConfigsRequest {
  resources: { resourceType: number; resourceName: string; configurationKeys: string[] | null }[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export function decodeDescribeConfigsRequest(r: Reader, v: number): DescribeConfigsRequest {
  const flex = v >= 4;
  const resources = r.array(flex, (r) => {
    const resourceType = r.int8();
    const resourceName = r.string(flex);
    const configurationKeys = r.nullableArray(flex, (r) => r.string(flex));
    if (flex) r.tagged();
    return { resourceType, resourceName, configurationKeys };
  });
  const includeSynonyms = v >= 1 ? r.bool() : false;
  const includeDocumentation = v >= 3 ? r.bool() : false;
  if (flex) r.tagged();
  return { resources, includeSynonyms, includeDocumentation };
}

export function encodeDescribeConfigsRequest(v: number, req: DescribeConfigsRequest): Buffer {
  const flex = v >= 4;
  const w = new Writer();
  w.array(req.resources, flex, (w, res) => {
    w.int8(res.resourceType).string(res.resourceName, flex);
    w.nullableArray(res.configurationKeys, flex, (w, k) => w.string(k, flex));
    if (flex) w.tagged();
  });
  if (v >= 1) w.bool(req.includeSynonyms);
  if (v >= 3) w.bool(req.includeDocumentation);
  if (flex) w.tagged();
  return w.toBuffer();
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: ConfigEntry[];
}

export function encodeDescribeConfigsResponse(v: number, results: readonly DescribeConfigsResult[]): Buffer {
  const flex = v >= 4;
  const w = new Writer();
  w.int32(0);
  w.array(results, flex, (w, res) => {
    w.int16(res.errorCode).nullableString(res.errorMessage, flex).int8(res.resourceType);
    w.string(res.resourceName, flex);
    w.array(res.configs, flex, (w, c) => {
      w.string(c.name, flex).nullableString(c.value, flex).bool(c.readOnly);
      if (v === 0) w.bool(c.isDefault);
      if (v >= 1) w.int8(c.configSource);
      w.bool(c.isSensitive);
      if (v >= 1) {
        w.array(c.synonyms, flex, (w, s) => {
          w.string(s.name, flex).nullableString(s.value, flex).int8(s.source);
          if (flex) w.tagged();
        });
      }
      if (v >= 3) w.int8(c.configType).nullableString(c.documentation, flex);
      if (flex) w.tagged();
    });
    if (flex) w.tagged();
  });
  if (flex) w.tagged();
  return w.toBuffer();
}

export function decodeDescribeConfigsResponse(r: Reader, v: number): DescribeConfigsResult[] {
  const flex = v >= 4;
  r.int32();
  const results = r.array(flex, (r) => {
    const errorCode = r.int16();
    const errorMessage = r.nullableString(flex);
    const resourceType = r.int8();
    const resourceName = r.string(flex);
    const configs = r.array(flex, (r) => {
      const name = r.string(flex);
      const value = r.nullableString(flex);
      const readOnly = r.bool();
      const isDefault = v === 0 ? r.bool() : false;
      const configSource = v >= 1 ? r.int8() : -1;
      const isSensitive = r.bool();
      const synonyms =
        v >= 1
          ? r.array(flex, (r) => {
              const s = { name: r.string(flex), value: r.nullableString(flex), source: r.int8() };
              if (flex) r.tagged();
              return s;
            })
          : [];
      const configType = v >= 3 ? r.int8() : 0;
      const documentation = v >= 3 ? r.nullableString(flex) : null;
      if (flex) r.tagged();
      return {
        name,
        value,
        readOnly,
        isDefault: v === 0 ? isDefault : configSource === ConfigSources.DEFAULT_CONFIG,
        configSource,
        isSensitive,
        synonyms,
        configType,
        documentation,
      };
    });
    if (flex) r.tagged();
    return { errorCode, errorMessage, resourceType, resourceName, configs };
  });
  if (flex) r.tagged();
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// DescribeCluster (key 60), always flexible

export const EndpointTypes = { BROKER: 1, CONTROLLER: 2 } as const;

export interface DescribeClusterRequest {
  includeClusterAuthorizedOperations: boolean;
  endpointType: number;
}

export function decodeDescribeClusterRequest(r: Reader, v: number): DescribeClusterRequest {
  const includeClusterAuthorizedOperations = r.bool();
  const endpointType = v >= 1 ? r.int8() : EndpointTypes.BROKER;
  r.tagged();
  return { includeClusterAuthorizedOperations, endpointType };
}

export interface DescribeClusterResponse {
  errorCode: number;
  errorMessage: string | null;
  endpointType: number;
  clusterId: string;
  controllerId: number;
  brokers: readonly BrokerEndpoint[];
}

export function encodeDescribeClusterResponse(v: number, res: DescribeClusterResponse): Buffer {
  const w = new Writer();
  w.int32(0).int16(res.errorCode).nullableString(res.errorMessage, true);
  if (v >= 1) w.int8(res.endpointType);
  w.string(res.clusterId, true).int32(res.controllerId);
  w.array(res.brokers, true, (w, b) => {
    w.int32(b.nodeId).string(b.host, true).int32(b.port).nullableString(b.rack, true).tagged();
  });
  w.int32(AUTHORIZED_OPERATIONS_OMITTED);
  w.tagged();
  return w.toBuffer();
}

// ---------------------------------------------------------------------------------------------------------------
// DescribeQuorum (key 55), always flexible

export interface DescribeQuorumRequest {
  topics: { topicName: string; partitions: number[] }[];
}

export function decodeDescribeQuorumRequest(r: Reader, _v: number): DescribeQuorumRequest {
  const topics = r.array(true, (r) => {
    const topicName = r.string(true);
    const partitions = r.array(true, (r) => {
      const p = r.int32();
      r.tagged();
      return p;
    });
    r.tagged();
    return { topicName, partitions };
  });
  r.tagged();
  return { topics };
}

export interface ReplicaState {
  replicaId: number;
  replicaDirectoryId: string;
  logEndOffset: bigint;
  lastFetchTimestamp: bigint;
  lastCaughtUpTimestamp: bigint;
}

export interface DescribeQuorumPartition {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
  leaderId: number;
  leaderEpoch: number;
  highWatermark: bigint;
  currentVoters: readonly ReplicaState[];
  observers: readonly ReplicaState[];
}

export interface DescribeQuorumResponse {
  errorCode: number;
  errorMessage: string | null;
  topics: readonly { topicName: string; partitions: readonly DescribeQuorumPartition[] }[];
  nodes: readonly { nodeId: number; listeners: readonly { name: string; host: string; port: number }[] }[];
}

export function encodeDescribeQuorumResponse(v: number, res: DescribeQuorumResponse): Buffer {
  const w = new Writer();
  const replica = (w: Writer, s: ReplicaState) => {
    w.int32(s.replicaId);
    if (v >= 2) w.uuid(s.replicaDirectoryId);
    w.int64(s.logEndOffset);
    if (v >= 1) w.int64(s.lastFetchTimestamp).int64(s.lastCaughtUpTimestamp);
    w.tagged();
  };
  w.int16(res.errorCode);
  if (v >= 2) w.nullableString(res.errorMessage, true);
  w.array(res.topics, true, (w, t) => {
    w.string(t.topicName, true);
    w.array(t.partitions, true, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode);
      if (v >= 2) w.nullableString(p.errorMessage, true);
      w.int32(p.leaderId).int32(p.leaderEpoch).int64(p.highWatermark);
      w.array(p.currentVoters, true, replica);
      w.array(p.observers, true, replica);
      w.tagged();
    });
    w.tagged();
  });
  if (v >= 2) {
    w.array(res.nodes, true, (w, n) => {
      w.int32(n.nodeId);
      w.array(n.listeners, true, (w, l) => {
        w.string(l.name, true).string(l.host, true).uint16(l.port).tagged();
      });
      w.tagged();
    });
  }
  w.tagged();
  return w.toBuffer();
}

// ---------------------------------------------------------------------------------------------------------------
// SaslHandshake (key 17, never flexible) and SaslAuthenticate (key 36, flexible from v2)

export function decodeSaslHandshakeRequest(r: Reader): { mechanism: string } {
  return { mechanism: r.string(false) };
}

export function encodeSaslHandshakeResponse(errorCode: number, mechanisms: readonly string[]): Buffer {
  return new Writer()
    .int16(errorCode)
    .array(mechanisms, false, (w, m) => w.string(m, false))
    .toBuffer();
}

export function decodeSaslAuthenticateRequest(r: Reader, v: number): { authBytes: Buffer } {
  const flex = v >= 2;
  const authBytes = r.bytes(flex);
  if (flex) r.tagged();
  return { authBytes };
}

export interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: bigint;
}

export function encodeSaslAuthenticateResponse(v: number, res: SaslAuthenticateResponse): Buffer {
  const flex = v >= 2;
  const w = new Writer();
  w.int16(res.errorCode).nullableString(res.errorMessage, flex).bytes(res.authBytes, flex);
  if (v >= 1) w.int64(res.sessionLifetimeMs);
  if (flex) w.tagged();
  return w.toBuffer();
}

// ---------------------------------------------------------------------------------------------------------------
// Produce (key 0) v3–v8, non-flexible

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: { name: string; partitions: { index: number; records: Buffer | null }[] }[];
}

export function decodeProduceRequest(r: Reader, _v: number): ProduceRequest {
  const transactionalId = r.nullableString(false);
  const acks = r.int16();
  const timeoutMs = r.int32();
  const topics = r.array(false, (r) => ({
    name: r.string(false),
    partitions: r.array(false, (r) => ({ index: r.int32(), records: r.nullableBytes(false) })),
  }));
  return { transactionalId, acks, timeoutMs, topics };
}

export interface ProducePartitionResult {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logStartOffset: bigint;
  errorMessage: string | null;
}

export function encodeProduceResponse(
  v: number,
  topics: readonly { name: string; partitions: readonly ProducePartitionResult[] }[],
): Buffer {
  const w = new Writer();
  w.array(topics, false, (w, t) => {
    w.string(t.name, false);
    w.array(t.partitions, false, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.baseOffset);
      if (v >= 2) w.int64(-1);
      if (v >= 5) w.int64(p.logStartOffset);
      if (v >= 8) {
        w.array([], false, () => {});
        w.nullableString(p.errorMessage, false);
      }
    });
  });
  if (v >= 1) w.int32(0);
  return w.toBuffer();
}

// ---------------------------------------------------------------------------------------------------------------
// Fetch (key 1) v4–v11, non-flexible

export interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  topics: { topic: string; partitions: { partition: number; fetchOffset: bigint; partitionMaxBytes: number }[] }[];
}

export function decodeFetchRequest(r: Reader, v: number): FetchRequest {
  r.int32(); // ReplicaId
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = v >= 3 ? r.int32() : 0x7fffffff;
  if (v >= 4) r.int8(); // IsolationLevel
  if (v >= 7) {
    r.int32(); // SessionId
    r.int32(); // SessionEpoch
  }
  const topics = r.array(false, (r) => ({
    topic: r.string(false),
    partitions: r.array(false, (r) => {
      const partition = r.int32();
      if (v >= 9) r.int32(); // CurrentLeaderEpoch
      const fetchOffset = r.int64();
      if (v >= 5) r.int64(); // LogStartOffset
      const partitionMaxBytes = r.int32();
      return { partition, fetchOffset, partitionMaxBytes };
    }),
  }));
  if (v >= 7) r.array(false, (r) => ({ topic: r.string(false), partitions: r.array(false, (r) => r.int32()) }));
  if (v >= 11) r.string(false); // RackId
  return { maxWaitMs, minBytes, maxBytes, topics };
}

export interface FetchPartitionResult {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  records: Buffer | null;
}

export function encodeFetchResponse(
  v: number,
  topics: readonly { topic: string; partitions: readonly FetchPartitionResult[] }[],
): Buffer {
  const w = new Writer();
  if (v >= 1) w.int32(0);
  if (v >= 7) w.int16(0).int32(0); // ErrorCode, SessionId (0 = no fetch session)
  w.array(topics, false, (w, t) => {
    w.string(t.topic, false);
    w.array(t.partitions, false, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.highWatermark);
      if (v >= 4) w.int64(p.highWatermark); // LastStableOffset: no transactions here
      if (v >= 5) w.int64(p.logStartOffset);
      if (v >= 4) w.nullableArray(null, false, () => {}); // AbortedTransactions
      if (v >= 11) w.int32(-1); // PreferredReadReplica
      w.nullableBytes(p.records, false);
    });
  });
  return w.toBuffer();
}

// ---------------------------------------------------------------------------------------------------------------
// ListOffsets (key 2) v1–v5, non-flexible

export interface ListOffsetsRequest {
  topics: { name: string; partitions: { partitionIndex: number; timestamp: bigint }[] }[];
}

export function decodeListOffsetsRequest(r: Reader, v: number): ListOffsetsRequest {
  r.int32(); // ReplicaId
  if (v >= 2) r.int8(); // IsolationLevel
  const topics = r.array(false, (r) => ({
    name: r.string(false),
    partitions: r.array(false, (r) => {
      const partitionIndex = r.int32();
      if (v >= 4) r.int32(); // CurrentLeaderEpoch
      return { partitionIndex, timestamp: r.int64() };
    }),
  }));
  return { topics };
}

export interface ListOffsetsPartitionResult {
  partitionIndex: number;
  errorCode: number;
  timestamp: bigint;
  offset: bigint;
  leaderEpoch: number;
}

export function encodeListOffsetsResponse(
  v: number,
  topics: readonly { name: string; partitions: readonly ListOffsetsPartitionResult[] }[],
): Buffer {
  const w = new Writer();
  if (v >= 2) w.int32(0);
  w.array(topics, false, (w, t) => {
    w.string(t.name, false);
    w.array(t.partitions, false, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
      if (v >= 4) w.int32(p.leaderEpoch);
    });
  });
  return w.toBuffer();
}

// ---------------------------------------------------------------------------------------------------------------
// DescribeLogDirs (key 35), flexible from v2

export interface DescribeLogDirsRequest {
  /** null: every partition the broker hosts. */
  topics: { topic: string; partitions: number[] }[] | null;
}

export function decodeDescribeLogDirsRequest(r: Reader, v: number): DescribeLogDirsRequest {
  const flex = v >= 2;
  const topics = r.nullableArray(flex, (r) => {
    const topic = r.string(flex);
    const partitions = r.array(flex, (r) => r.int32());
    if (flex) r.tagged();
    return { topic, partitions };
  });
  if (flex) r.tagged();
  return { topics };
}

export interface DescribeLogDirsResult {
  errorCode: number;
  logDir: string;
  topics: { name: string; partitions: { partitionIndex: number; partitionSize: bigint; offsetLag: bigint }[] }[];
}

export function encodeDescribeLogDirsResponse(
  v: number,
  errorCode: number,
  results: readonly DescribeLogDirsResult[],
): Buffer {
  const flex = v >= 2;
  const w = new Writer();
  w.int32(0);
  if (v >= 3) w.int16(errorCode);
  w.array(results, flex, (w, res) => {
    w.int16(res.errorCode).string(res.logDir, flex);
    w.array(res.topics, flex, (w, t) => {
      w.string(t.name, flex);
      w.array(t.partitions, flex, (w, p) => {
        w.int32(p.partitionIndex).int64(p.partitionSize).int64(p.offsetLag).int8(0); // IsFutureKey false
        if (flex) w.tagged();
      });
      if (flex) w.tagged();
    });
    if (v >= 4) w.int64(1n << 40n).int64(1n << 39n); // TotalBytes, UsableBytes
    if (flex) w.tagged();
  });
  if (flex) w.tagged();
  return w.toBuffer();
}
