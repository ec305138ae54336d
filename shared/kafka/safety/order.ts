import type { ClusterSnapshot, NodeRole } from '../snapshot.ts';
import { activeControllerOf, assertNodeId, rolesOf } from './roles.ts';

export interface RestartOrderInput {
  /** Nodes whose configuration requires a restart; duplicates are ignored. Other nodes are never returned. */
  needsRestart: readonly number[];
  snapshot: ClusterSnapshot;
  /** Roles per node id (`process.roles`); overrides `snapshot.nodeRoles`. */
  nodeRoles?: Readonly<Record<number, readonly NodeRole[]>>;
  /**
   * Where the active controller goes when it needs a restart:
   * `last` (default) — after every other node, brokers included;
   * `last-in-group` — Strimzi's exact behaviour: last among the controllers, before the broker-only nodes.
   */
  activeControllerPlacement?: 'last' | 'last-in-group';
  /**
   * Strimzi restarts nodes that are already down first within each group ("otherwise repeated reconciliations might
   * each restart a pod only for it not to become ready"). A broker-role node is down when it is not live in
   * Metadata. Default true; with false, ids alone order each group.
   */
  downFirst?: boolean;
}

/** The three phases of a roll, each in its order (see `restartOrder`); a phase starts only when the previous one is done. */
export interface RestartPhases {
  /** Controller-role nodes (controller-only and combined), the active controller excluded under `last` placement. */
  controllers: number[];
  /** Broker-only nodes. */
  brokers: number[];
  /** The active controller when it needs a restart and goes last overall (default placement), else empty. */
  active: number[];
}

/**
 * The order in which to restart the nodes that need it:
 * 1. controllers (KRaft controller-only and combined-mode nodes), then broker-only nodes;
 * 2. within each group, nodes that are already down first (see `downFirst`), then by ascending id;
 * 3. the active controller last (overall, or within the controllers; see `activeControllerPlacement`).
 * Pure and deterministic: the same input gives the same order.
 */
export function restartOrder(input: RestartOrderInput): number[] {
  const phases = restartPhases(input);
  return [...phases.controllers, ...phases.brokers, ...phases.active];
}

/** `restartOrder`, kept in its phases (the batched roll forms batches within a phase, never across one). */
export function restartPhases(input: RestartOrderInput): RestartPhases {
  const { snapshot, nodeRoles } = input;
  const placement = input.activeControllerPlacement ?? 'last';
  const downFirst = input.downFirst ?? true;
  const ids = [...new Set(input.needsRestart)];
  for (const id of ids) assertNodeId(id, 'needsRestart entry');

  const live = new Set(snapshot.brokers.map((b) => b.id));
  const active = activeControllerOf(snapshot);
  const isDown = (id: number) => downFirst && rolesOf(id, snapshot, nodeRoles).broker && !live.has(id);
  const byDownThenId = (a: number, b: number) => Number(isDown(b)) - Number(isDown(a)) || a - b;

  const others = ids.filter((id) => id !== active);
  const controllers = others.filter((id) => rolesOf(id, snapshot, nodeRoles).controller).sort(byDownThenId);
  const brokers = others.filter((id) => !rolesOf(id, snapshot, nodeRoles).controller).sort(byDownThenId);

  if (active === undefined || !ids.includes(active)) return { controllers, brokers, active: [] };
  if (placement === 'last' || !rolesOf(active, snapshot, nodeRoles).controller) {
    return { controllers, brokers, active: [active] };
  }
  return { controllers: [...controllers, active], brokers, active: [] };
}
