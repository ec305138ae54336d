import type { ClusterSnapshot, NodeRole } from '../snapshot.ts';
import { type CanRollResult, canRoll } from './can-roll.ts';
import { restartOrder } from './order.ts';
import { activeControllerOf, rolesOf } from './roles.ts';

export interface NextRestartInput {
  /** Nodes that still need a restart (the roll's remaining work; already restarted nodes are left out). */
  remaining: readonly number[];
  /** A fresh snapshot: the order and the gates are recomputed on every call. */
  snapshot: ClusterSnapshot;
  nodeRoles?: Readonly<Record<number, readonly NodeRole[]>>;
  activeControllerPlacement?: 'last' | 'last-in-group';
  downFirst?: boolean;
  controllerQuorumFetchTimeoutMs?: number;
}

export type NextRestart =
  /** Every remaining node is done. */
  | { action: 'done' }
  /** Restart `nodeId` now (it passed canRoll); `order` is the full remaining order, for the plan/log. */
  | { action: 'restart'; nodeId: number; order: number[]; notes: string[] }
  /** Nobody in the current phase may restart yet: retry after `nextBackoff`, stop at the operation timeout. */
  | { action: 'wait'; order: number[]; blocked: { nodeId: number; reasons: string[] }[] };

/**
 * One step of Strimzi's KafkaRoller loop, without its clock: which node to restart next?
 * - the remaining nodes are ordered with `restartOrder` from the current snapshot, so if the active controller
 *   changes mid-roll the new one still goes last;
 * - phases: controllers, then broker-only nodes, then (default placement) the active controller; a phase starts
 *   only when the previous one is empty;
 * - within the phase, the first node (in order) that passes `canRoll` is chosen; a blocked node is skipped, not
 *   waited on (Strimzi reschedules it with backoff and proceeds with the others);
 * - the active controller is deferred while any other node of its phase remains (Strimzi's deferController).
 */
export function nextRestart(input: NextRestartInput): NextRestart {
  const { snapshot, nodeRoles } = input;
  const order = restartOrder({
    needsRestart: input.remaining,
    snapshot,
    ...(nodeRoles ? { nodeRoles } : {}),
    ...(input.activeControllerPlacement ? { activeControllerPlacement: input.activeControllerPlacement } : {}),
    ...(input.downFirst !== undefined ? { downFirst: input.downFirst } : {}),
  });
  if (order.length === 0) return { action: 'done' };

  const active = activeControllerOf(snapshot);
  const placement = input.activeControllerPlacement ?? 'last';
  const phaseOf = (id: number): number => {
    const controller = rolesOf(id, snapshot, nodeRoles).controller;
    if (id === active && (placement === 'last' || !controller)) return 2;
    return controller ? 0 : 1;
  };
  const phase = Math.min(...order.map(phaseOf));
  const candidates = order.filter((id) => phaseOf(id) === phase);
  const deferActive = candidates.length > 1;

  const blocked: { nodeId: number; reasons: string[] }[] = [];
  for (const nodeId of candidates) {
    if (nodeId === active && deferActive) continue;
    const verdict: CanRollResult = canRoll(nodeId, snapshot, {
      ...(nodeRoles ? { nodeRoles } : {}),
      ...(input.controllerQuorumFetchTimeoutMs !== undefined
        ? { controllerQuorumFetchTimeoutMs: input.controllerQuorumFetchTimeoutMs }
        : {}),
    });
    if (verdict.ok) return { action: 'restart', nodeId, order, notes: verdict.notes };
    blocked.push({ nodeId, reasons: verdict.reasons });
  }
  if (deferActive && active !== undefined && candidates.includes(active)) {
    blocked.push({ nodeId: active, reasons: [`controller ${active} is the active controller and goes last`] });
  }
  return { action: 'wait', order, blocked };
}
