/** What the probe reports: plain data, the same whichever API version the broker answered with. */
import type { ClusterSnapshot, NodeRole, QuorumSnapshot } from '../snapshot.ts';
import type { ListenerEndpoint } from './identity.ts';
import type { BrokerApiRange, NegotiatedVersions } from './versions.ts';

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
  /**
   * Partitions this broker hosts, per topic (DescribeLogDirs; needs DESCRIBE on the cluster). Unlike an all-topics
   * Metadata request, it lists every partition whatever the topic ACLs: the gates compare the two.
   */
  hostedPartitions(): Promise<Map<string, number[]>>;
  /** Everything the rolling-restart gates need, from this one connection. */
  snapshotCluster(): Promise<ClusterSnapshot>;
  /** Produce one record (acks=all) to a partition this broker leads. */
  produce(topic: string, partition: number, key: Buffer, value: Buffer): Promise<ProducedRecord>;
  /** Fetch records from `offset` of a partition this broker leads. */
  fetch(topic: string, partition: number, offset: bigint, maxWaitMs?: number): Promise<FetchedRecord[]>;
  close(): Promise<void>;
}
