import type { PartitionSnapshot, QuorumSnapshot, TopicSnapshot } from '../snapshot.ts';
import { voterState } from './quorum.ts';

/*
 * How many nodes of a set may be down at once — the one number the batched roll is built on
 * (docs/rolling-restart.md §8.1–8.2, rules B1–B3). A batch B may go down together only if, for every partition p
 * it touches, |ISR(p) ∩ B| ≤ capacity(p), and |caught-up voters ∩ B| ≤ quorumCapacity.
 */

/**
 * Rule B1/B2: how many in-sync replicas of `partition` may be down at once.
 * - replicas > min.insync.replicas ≥ 1: |ISR| − min ISR, so that |ISR \ B| ≥ min ISR stays true (B1);
 * - otherwise (replicas ≤ min ISR, which canRoll ignores because any restart takes it under min ISR; or min ISR
 *   unknown, which canRoll does not check): 1 — a batch does to it no more than a single restart would (B2).
 * Zero or less means no in-sync replica may go (canRoll refuses each of them alone already).
 */
export function partitionCapacity(topic: TopicSnapshot, partition: PartitionSnapshot): number {
  const minIsr = topic.minInsyncReplicas;
  if (!(minIsr >= 1) || partition.replicas.length <= minIsr) return 1;
  return new Set(partition.isr).size - minIsr;
}

/** The partition's min ISR rule is checked (B1), or it is one canRoll ignores (B2). */
export function minIsrApplies(topic: TopicSnapshot, partition: PartitionSnapshot): boolean {
  return topic.minInsyncReplicas >= 1 && partition.replicas.length > topic.minInsyncReplicas;
}

export type QuorumCapacity =
  /** One voter: restarting it is allowed alone (nothing better exists), and a batch holds at most that one. */
  | { kind: 'single'; voters: number[] }
  /** At most `capacity` of `caughtUp` may be down together; `needed` caught-up voters must stay. */
  | { kind: 'majority'; voters: number[]; caughtUp: number[]; needed: number; capacity: number }
  /** The quorum's state does not allow judging (no leader, leader not a voter, no leader timestamp). */
  | { kind: 'unknown'; reason: string };

/**
 * Rule B3: the KRaft quorum keeps a majority of caught-up voters with the whole batch down. A voter is caught up as
 * in `quorumCheck` (the leader itself, or less than `fetchTimeoutMs` behind it). `needed` is ⌊n/2⌋ + 1, and 1 for
 * two voters (quorumCheck's special case: the other one must be caught up). For a single node this is exactly
 * `quorumCheck`: it passes iff the caught-up voters other than the node are at least `needed`.
 */
export function quorumCapacity(quorum: QuorumSnapshot, fetchTimeoutMs: number): QuorumCapacity {
  const voters = quorum.voters.map((v) => v.id).sort((a, b) => a - b);
  if (quorum.leaderId < 0) return { kind: 'unknown', reason: 'the KRaft metadata quorum has no leader' };
  const leader = quorum.voters.find((v) => v.id === quorum.leaderId);
  if (leader === undefined)
    return { kind: 'unknown', reason: `quorum leader ${quorum.leaderId} is not among the voters` };
  if (voters.length === 1) return { kind: 'single', voters };
  if (leader.lastCaughtUpTimestamp < 0) {
    return { kind: 'unknown', reason: `quorum leader ${leader.id} reports no lastCaughtUpTimestamp` };
  }
  const caughtUp = quorum.voters
    .filter((v) => voterState(v, leader, fetchTimeoutMs) === 'caught-up')
    .map((v) => v.id)
    .sort((a, b) => a - b);
  const needed = voters.length === 2 ? 1 : Math.floor(voters.length / 2) + 1;
  return { kind: 'majority', voters, caughtUp, needed, capacity: caughtUp.length - needed };
}
