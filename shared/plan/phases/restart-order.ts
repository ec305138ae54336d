import { restartOrder as safeRestartOrder } from '../../kafka/safety/order.ts';
import type { NodeRole } from '../../kafka/snapshot.ts';
import type { ObservedState } from '../../model/observed.ts';

/* Phase 7, restart order: which brokers restart, one at a time, in what order. */

/**
 * Restart order from the rolling-restart safety rules (controllers first, active controller last). Liveness is
 * not part of the observed state, so nodes are ordered by role and id only (downFirst: false).
 */
export function restartOrder(needsRestart: number[], observed: ObservedState): number[] {
  if (needsRestart.length === 0) return [];
  const nodeRoles: Record<number, readonly NodeRole[]> = {};
  for (const [id, roles] of Object.entries(observed.kafka?.nodeRoles ?? {})) nodeRoles[Number(id)] = roles;
  return safeRestartOrder({
    needsRestart,
    snapshot: { brokers: [], controllerId: observed.kafka?.controllerId ?? null, topics: [] },
    nodeRoles,
    downFirst: false,
  });
}
