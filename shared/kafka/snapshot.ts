/**
 * What the rolling-restart gates need to know about a cluster at one instant.
 * The probe (shared/kafka/probe) builds it from Metadata, DescribeConfigs(TOPIC) and DescribeQuorum;
 * the safety rules (shared/kafka/safety) read it and never talk to the network themselves, so they are
 * tested on constructed states.
 */
export interface ClusterSnapshot {
  /** Live brokers as reported by Metadata (registered and fenced-out brokers are absent). */
  brokers: readonly { id: number; rack?: string | null }[];
  /** Active controller: KRaft quorum leader (from DescribeQuorum) or the ZooKeeper-mode controller id. */
  controllerId?: number | null;
  /** KRaft metadata quorum, when the cluster answers DescribeQuorum; null for ZooKeeper mode or older brokers. */
  quorum?: QuorumSnapshot | null;
  /** Roles per node id from `process.roles` when known (combined-mode nodes have both). */
  nodeRoles?: Readonly<Record<number, readonly NodeRole[]>>;
  topics: readonly TopicSnapshot[];
  /** Brokers known to be recovering logs after a restart (never roll these). */
  recoveringBrokers?: readonly number[];
}

export type NodeRole = 'broker' | 'controller';

export interface QuorumSnapshot {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: readonly QuorumReplica[];
  observers: readonly QuorumReplica[];
}

export interface QuorumReplica {
  id: number;
  logEndOffset: number;
  /** Milliseconds since epoch, or -1 when unknown. */
  lastCaughtUpTimestamp: number;
}

export interface TopicSnapshot {
  name: string;
  /** Effective `min.insync.replicas` of the topic (topic override, else broker default). */
  minInsyncReplicas: number;
  partitions: readonly PartitionSnapshot[];
}

export interface PartitionSnapshot {
  index: number;
  /** -1 when the partition has no leader. */
  leader: number;
  replicas: readonly number[];
  isr: readonly number[];
  offline: readonly number[];
}
