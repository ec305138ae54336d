import type { ClusterSnapshot } from '../snapshot.ts';
import { type CanRollResult, canRoll, type HostedView, type SafetyOptions } from './can-roll.ts';
import { minIsrApplies, partitionCapacity, quorumCapacity } from './capacity.ts';
import { RollInputInvalid } from './errors.ts';
import { capPartitionReasons, ids, partitionName } from './format.ts';
import { ROLL_POLICY } from './policy.ts';
import { assertNodeId, rolesOf } from './roles.ts';

export interface BatchGateOptions extends SafetyOptions {
  /** What each broker of the batch says it hosts (DescribeLogDirs), for the partial-view rule; by node id. */
  hosted?: ReadonlyMap<number, HostedView>;
}

/**
 * May every node of `nodeIds` be down at the same time, now? The gate of a batch, decided on the live snapshot
 * (docs/rolling-restart.md §8.2 and §8.7). It holds when
 * - every node passes `canRoll` alone (recovering, offline partitions, under-min ISR, the node's own quorum rule,
 *   and — with `hosted` — the partial-view rule for each broker of the batch: an authorizer may hide topics from
 *   Metadata, so each broker's own DescribeLogDirs must show nothing the snapshot lacks);
 * - (B1) every partition with replicas > min.insync.replicas ≥ 1 keeps at least min ISR in-sync replicas outside the
 *   batch: |ISR \ B| ≥ min ISR;
 * - (B2) every other partition (replicas ≤ min ISR, or min ISR unknown) loses at most one in-sync replica;
 * - (B3) the KRaft quorum keeps a majority of caught-up voters outside the batch.
 * Racks play no part here: the gate judges the set it is given. For one node it is exactly `canRoll` (same reasons),
 * because B1–B3 add nothing a single node's own rules do not already demand.
 */
export function canRollBatch(
  nodeIds: readonly number[],
  snapshot: ClusterSnapshot,
  options: BatchGateOptions = {},
): CanRollResult {
  const batch = [...new Set(nodeIds)];
  if (batch.length === 0) throw new RollInputInvalid('a batch must name at least one node');
  for (const id of batch) assertNodeId(id, 'batch entry');
  const single = (id: number) =>
    canRoll(id, snapshot, {
      ...(options.nodeRoles ? { nodeRoles: options.nodeRoles } : {}),
      ...(options.controllerQuorumFetchTimeoutMs !== undefined
        ? { controllerQuorumFetchTimeoutMs: options.controllerQuorumFetchTimeoutMs }
        : {}),
      ...(options.hosted?.has(id) ? { hosted: options.hosted.get(id)! } : {}),
    });
  if (batch.length === 1) return single(batch[0]!);

  const reasons: string[] = [];
  const notes = new Set<string>();
  for (const id of batch) {
    const verdict = single(id);
    for (const note of verdict.notes) notes.add(note);
    if (!verdict.ok) reasons.push(...verdict.reasons.map((reason) => `broker ${id}: ${reason}`));
  }

  // B1, B2: only partitions that lose two or more in-sync replicas to this batch can fail here; one lost replica
  // beyond the capacity already fails that node's own canRoll.
  const inBatch = new Set(batch);
  const partitionReasons: string[] = [];
  for (const topic of snapshot.topics) {
    for (const p of topic.partitions) {
      const down = [...new Set(p.isr)].filter((id) => inBatch.has(id)).sort((a, b) => a - b);
      if (down.length < 2) continue;
      const capacity = partitionCapacity(topic, p);
      if (down.length <= capacity) continue;
      const name = partitionName(topic, p);
      const stays = p.isr.filter((id) => !inBatch.has(id));
      partitionReasons.push(
        minIsrApplies(topic, p)
          ? `${name} (replicas ${ids(p.replicas)}, ISR ${ids(p.isr)}) would keep ${ids(stays)} in sync with brokers ${ids(down)} down together, below min.insync.replicas ${topic.minInsyncReplicas}`
          : `${name} has ${p.replicas.length} replica${p.replicas.length === 1 ? '' : 's'} ${ids(p.replicas)} and min.insync.replicas ${topic.minInsyncReplicas >= 1 ? topic.minInsyncReplicas : 'unknown'}: a batch may take at most one of its in-sync replicas ${ids(p.isr)}, this one takes ${ids(down)}`,
      );
    }
  }
  reasons.push(...capPartitionReasons(partitionReasons, 'block this batch'));

  // B3
  const controllers = batch.filter((id) => rolesOf(id, snapshot, options.nodeRoles).controller);
  if (controllers.length >= 2 && snapshot.quorum) {
    const fetchTimeout = options.controllerQuorumFetchTimeoutMs ?? ROLL_POLICY.controllerQuorumFetchTimeoutMs;
    const quorum = quorumCapacity(snapshot.quorum, fetchTimeout);
    if (quorum.kind === 'majority') {
      const down = quorum.caughtUp.filter((id) => inBatch.has(id));
      if (down.length > quorum.capacity) {
        reasons.push(
          `restarting controllers ${ids(controllers.sort((a, b) => a - b))} together would leave ${quorum.caughtUp.length - down.length} of ${quorum.voters.length} voters caught up; a majority (${quorum.needed}) is needed`,
        );
      }
    }
    // 'unknown' fails each controller's own canRoll; 'single' allows what the single voter's own rule allows.
  }

  return reasons.length === 0 ? { ok: true, notes: [...notes] } : { ok: false, reasons, notes: [...notes] };
}
