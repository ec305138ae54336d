/**
 * The wire side of the probe: Kafka constants it needs, and per API the table from negotiated version to
 * @platformatic/kafka's implementation of that version, with the raw response shapes those return.
 * The library's per-version signatures differ in optional trailing parameters only; the probe calls them with the
 * common leading ones.
 */
import {
  type Connection,
  describeConfigsV1,
  describeConfigsV2,
  describeConfigsV3,
  describeConfigsV4,
  describeLogDirsV1,
  describeLogDirsV2,
  describeLogDirsV3,
  describeLogDirsV4,
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
} from '@platformatic/kafka';

export const CONFIG_RESOURCE_TOPIC = 2;
export const CONFIG_RESOURCE_BROKER = 4;
export const INVALID_REQUEST = 42;
export const UNKNOWN_TOPIC_OR_PARTITION = 3;
export const UNSUPPORTED_VERSION = 35;
export const IDENTITY_KEYS = [
  'node.id',
  'broker.id',
  'advertised.listeners',
  'listeners',
  'listener.security.protocol.map',
  'process.roles',
  'broker.rack',
];
export const DESCRIBE_CONFIGS_BATCH = 100;

/** Names of the Kafka error codes the probe reports itself (others come through the library's ProtocolError). */
export const KAFKA_ERROR_NAMES: Record<number, string> = {
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
export const RETRIABLE_CODES = new Set([5, 6, 7, 19, 20]);

// Tables from negotiated version to the library's API implementation. The library's per-version signatures
// differ in optional trailing parameters only; the probe calls them with the common leading ones.
export type MetadataCall = (
  conn: Connection,
  topics: string[] | null,
  allowAutoTopicCreation: boolean,
) => Promise<unknown>;
export const METADATA: Record<number, MetadataCall> = {
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
export type ConfigsResource = { resourceType: 2 | 4; resourceName: string; configurationKeys: string[] | null };
export type DescribeConfigsCall = (
  conn: Connection,
  resources: ConfigsResource[],
  includeSynonyms: boolean,
) => Promise<unknown>;
export const DESCRIBE_CONFIGS: Record<number, DescribeConfigsCall> = {
  1: describeConfigsV1.api.async,
  2: describeConfigsV2.api.async,
  3: describeConfigsV3.api.async,
  4: describeConfigsV4.api.async,
};
export type QuorumCall = (
  conn: Connection,
  topics: { topicName: string; partitions: { partitionIndex: number }[] }[],
) => Promise<unknown>;
export const DESCRIBE_QUORUM: Record<number, QuorumCall> = {
  0: describeQuorumV0.api.async,
  1: describeQuorumV1.api.async,
  2: describeQuorumV2.api.async,
};
export type ProduceCall = (
  conn: Connection,
  acks: number,
  timeout: number,
  records: { topic: string; partition: number; key: Buffer; value: Buffer }[],
) => Promise<unknown>;
export const PRODUCE: Record<number, ProduceCall> = {
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
export type FetchTopic = {
  topicId: string;
  partitions: {
    partition: number;
    currentLeaderEpoch: number;
    fetchOffset: bigint;
    lastFetchedEpoch: number;
    partitionMaxBytes: number;
  }[];
};
export type FetchCall = (
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
export const FETCH: Record<number, FetchCall> = {
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

export interface RawMetadata {
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
export interface RawConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: { name: string; value: string | null }[];
}
export interface RawQuorum {
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
export interface RawProduce {
  responses: { name: string; partitionResponses: { index: number; errorCode: number; baseOffset: bigint }[] }[];
}
export interface RawFetch {
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

export type DescribeLogDirsCall = (conn: Connection, topics: null) => Promise<unknown>;
export const DESCRIBE_LOG_DIRS: Record<number, DescribeLogDirsCall> = {
  1: describeLogDirsV1.api.async,
  2: describeLogDirsV2.api.async,
  3: describeLogDirsV3.api.async,
  4: describeLogDirsV4.api.async,
};
export interface RawLogDirs {
  errorCode?: number;
  results: {
    errorCode: number;
    logDir: string;
    topics: { name: string; partitions: { partitionIndex: number }[] }[];
  }[];
}
