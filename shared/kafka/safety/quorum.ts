import type { QuorumReplica, QuorumSnapshot } from '../snapshot.ts';
import { ROLL_POLICY } from './policy.ts';

export interface QuorumVerdict {
  ok: boolean;
  reasons: string[];
  notes: string[];
}

/**
 * Strimzi's KafkaQuorumCheck: may controller `nodeId` restart without costing the metadata quorum its majority?
 * - a quorum leader must exist (leaderId ≥ 0) and report a lastCaughtUpTimestamp (the reference time);
 * - a voter other than `nodeId` counts as caught up when it is the leader, or its lastCaughtUpTimestamp is less than
 *   `fetchTimeoutMs` behind the leader's; an unknown timestamp (-1) never counts;
 * - 1 voter: allowed (nothing better is possible; noted); 2 voters: the other one must be caught up;
 *   otherwise the caught-up voters without `nodeId` must be a majority of all voters: ⌊n/2⌋ + 1.
 */
export function quorumCheck(
  nodeId: number,
  quorum: QuorumSnapshot,
  fetchTimeoutMs: number = ROLL_POLICY.controllerQuorumFetchTimeoutMs,
): QuorumVerdict {
  const notes: string[] = [];
  if (quorum.leaderId < 0) {
    return { ok: false, reasons: ['the KRaft metadata quorum has no leader'], notes };
  }
  const voters = quorum.voters;
  const leader = voters.find((v) => v.id === quorum.leaderId);
  if (leader === undefined) {
    return { ok: false, reasons: [`quorum leader ${quorum.leaderId} is not among the voters`], notes };
  }
  if (voters.length === 1) {
    notes.push(
      `the KRaft quorum has a single voter (${leader.id}); restarting it makes the metadata quorum unavailable ` +
        'until it is back; at least 3 controllers are recommended',
    );
    return { ok: true, reasons: [], notes };
  }
  if (leader.lastCaughtUpTimestamp < 0) {
    return {
      ok: false,
      reasons: [`quorum leader ${leader.id} reports no lastCaughtUpTimestamp, so voter lag cannot be judged`],
      notes,
    };
  }

  let caughtUp = 0;
  for (const voter of voters) {
    const state = voterState(voter, leader, fetchTimeoutMs);
    if (state !== 'caught-up') notes.push(describeLag(voter, leader, state));
    if (voter.id !== nodeId && state === 'caught-up') caughtUp++;
  }
  const needed = voters.length === 2 ? 1 : Math.floor(voters.length / 2) + 1;
  if (caughtUp >= needed) {
    if (voters.length === 2) {
      notes.push('the KRaft quorum has only 2 voters; a restart leaves it without a majority until the node is back');
    }
    return { ok: true, reasons: [], notes };
  }
  const what = voters.length === 2 ? 'the other voter must be caught up' : `a majority (${needed}) is needed`;
  return {
    ok: false,
    reasons: [`restarting controller ${nodeId} would leave ${caughtUp} of ${voters.length} voters caught up; ${what}`],
    notes,
  };
}

export type VoterState = 'caught-up' | 'lagging' | 'unknown';

/** Whether `voter` has caught up with `leader` within `fetchTimeoutMs` (the leader itself always has). */
export function voterState(voter: QuorumReplica, leader: QuorumReplica, fetchTimeoutMs: number): VoterState {
  if (voter.lastCaughtUpTimestamp < 0) return 'unknown';
  if (voter.id === leader.id) return 'caught-up';
  return leader.lastCaughtUpTimestamp - voter.lastCaughtUpTimestamp < fetchTimeoutMs ? 'caught-up' : 'lagging';
}

function describeLag(voter: QuorumReplica, leader: QuorumReplica, state: VoterState): string {
  if (state === 'unknown') return `voter ${voter.id} has no valid lastCaughtUpTimestamp`;
  const lag = leader.lastCaughtUpTimestamp - voter.lastCaughtUpTimestamp;
  return `voter ${voter.id} is ${lag} ms behind quorum leader ${leader.id}`;
}
