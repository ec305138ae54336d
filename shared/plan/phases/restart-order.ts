import { type RestartBatch, restartBatches } from '../../kafka/safety/batches.ts';
import { restartPhases, restartOrder as safeRestartOrder } from '../../kafka/safety/order.ts';
import type { NodeRole } from '../../kafka/snapshot.ts';
import type { ObservedState } from '../../model/observed.ts';
import type { ClusterSpec } from '../../spec/schema.ts';

/*
 * Phase 7, restart order: which brokers restart, in what order, and — with `rollout.batch: rack` — in which
 * batches (docs/rolling-restart.md §8). Liveness is not part of the observed state, so nodes are ordered by
 * role and id only (downFirst: false); the roll orders and batches again on the live cluster.
 */

/**
 * Restart order from the rolling-restart safety rules (controllers first, active controller last). Liveness is
 * not part of the observed state, so nodes are ordered by role and id only (downFirst: false).
 */
export function restartOrder(needsRestart: number[], observed: ObservedState): number[] {
  if (needsRestart.length === 0) return [];
  return safeRestartOrder(orderInput(needsRestart, observed));
}

/**
 * The batches of a rack-batched roll, from the rack topology discovery summarised (undefined unless
 * `rollout.batch: rack`). Without a view of Kafka the plan cannot prove any two brokers safe together: it shows one
 * broker per batch and says the roll decides.
 */
export function restartBatchesOf(
  spec: ClusterSpec,
  needsRestart: number[],
  observed: ObservedState,
): RestartBatch[] | undefined {
  if (spec.rollout.batch !== 'rack') return undefined;
  if (needsRestart.length === 0) return [];
  const phases = restartPhases(orderInput(needsRestart, observed));
  const topology = observed.kafka?.topology;
  if (topology !== undefined) return restartBatches({ phases, topology });
  const note =
    'Kafka was not observed, so no two brokers can be shown safe together: the roll batches on the live partition map';
  return [
    ...phases.controllers.map((id) => single('controllers', id, note)),
    ...phases.brokers.map((id) => single('brokers', id, note)),
    ...phases.active.map((id) => single('active-controller', id, note)),
  ];
}

function single(phase: RestartBatch['phase'], id: number, note: string): RestartBatch {
  return { phase, rack: null, brokers: [id], deferred: [], largest: true, note };
}

function orderInput(needsRestart: number[], observed: ObservedState) {
  const nodeRoles: Record<number, readonly NodeRole[]> = {};
  for (const [id, roles] of Object.entries(observed.kafka?.nodeRoles ?? {})) nodeRoles[Number(id)] = roles;
  return {
    needsRestart,
    snapshot: { brokers: [], controllerId: observed.kafka?.controllerId ?? null, topics: [] },
    nodeRoles,
    downFirst: false,
  };
}
