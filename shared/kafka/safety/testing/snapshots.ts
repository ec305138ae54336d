/** Builders for constructed ClusterSnapshots used by the safety tests (test helper, not production code). */
import type {
  ClusterSnapshot,
  NodeRole,
  PartitionSnapshot,
  QuorumReplica,
  QuorumSnapshot,
  TopicSnapshot,
} from '../../snapshot.ts';

export interface PartitionSpec {
  replicas: number[];
  isr: number[];
  /** Defaults to the first ISR member, or -1 when the ISR is empty. */
  leader?: number;
  offline?: number[];
}

export function topic(name: string, minInsyncReplicas: number, partitions: PartitionSpec[]): TopicSnapshot {
  return {
    name,
    minInsyncReplicas,
    partitions: partitions.map(
      (p, index): PartitionSnapshot => ({
        index,
        leader: p.leader ?? p.isr[0] ?? -1,
        replicas: p.replicas,
        isr: p.isr,
        offline: p.offline ?? [],
      }),
    ),
  };
}

export function cluster(
  brokerIds: number[],
  topics: TopicSnapshot[] = [],
  extra: Partial<Omit<ClusterSnapshot, 'brokers' | 'topics'>> = {},
): ClusterSnapshot {
  return { brokers: brokerIds.map((id) => ({ id })), topics, ...extra };
}

export const NOW = 1_750_000_000_000;

/** A quorum whose voters are `{ id: lag in ms behind the leader }` (null = no timestamp); the leader has lag 0. */
export function quorum(
  leaderId: number,
  lags: Record<number, number | null>,
  observers: number[] = [],
): QuorumSnapshot {
  const replica = (id: number, lag: number | null): QuorumReplica => ({
    id,
    logEndOffset: 1000,
    lastCaughtUpTimestamp: lag === null ? -1 : NOW - lag,
  });
  return {
    leaderId,
    leaderEpoch: 7,
    highWatermark: 1000,
    voters: Object.entries(lags).map(([id, lag]) => replica(Number(id), lag)),
    observers: observers.map((id) => replica(id, 0)),
  };
}

export function roles(spec: Record<number, 'broker' | 'controller' | 'combined'>): Record<number, NodeRole[]> {
  const out: Record<number, NodeRole[]> = {};
  for (const [id, r] of Object.entries(spec)) {
    out[Number(id)] = r === 'combined' ? ['broker', 'controller'] : [r];
  }
  return out;
}
