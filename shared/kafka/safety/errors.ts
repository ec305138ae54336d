import { BrokerlinkError } from '../../errors.ts';

/** Errors of the rolling-restart safety rules. Each declares what an orchestrator does next (`disposition`). */

/**
 * Restarting this node now would hurt availability (a partition would drop below min ISR, the KRaft quorum would
 * lose its majority, the node is recovering logs, …), and it still would after `rollout.canRollTimeoutSeconds`.
 * Fatal: while the deadline lasts the gate answers `ok: false` and the orchestrator waits and asks again (no error);
 * this is thrown only once the deadline has passed, so the roll stops and leaves the remaining nodes untouched.
 */
export class UnsafeToRoll extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'UnsafeToRoll';
  /** The first node of `nodeIds`. */
  readonly nodeId: number;
  /** The node, or the batch of nodes that was to restart together. */
  readonly nodeIds: readonly number[];
  readonly reasons: readonly string[];

  constructor(nodes: number | readonly number[], reasons: readonly string[], options?: ErrorOptions) {
    const nodeIds = typeof nodes === 'number' ? [nodes] : [...nodes];
    super(
      `${nodeIds.length === 1 ? `node ${nodeIds[0]}` : `the batch of nodes ${nodeIds.join(', ')}`} cannot be restarted safely now: ${joinReasons(reasons)}`,
      options,
    );
    this.nodeId = nodeIds[0]!;
    this.nodeIds = nodeIds;
    this.reasons = reasons;
  }
}

/**
 * A restarted node did not come back healthy (not registered, not in every ISR, recovering, quorum lagging) within
 * `rollout.healthTimeoutSeconds`. Fatal: while the deadline lasts the health check answers `ready: false` and the
 * orchestrator polls again (no error); this is thrown once it has passed, and the roll stops there.
 */
export class BrokerNotReady extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'BrokerNotReady';
  /** The first node of `nodeIds`. */
  readonly nodeId: number;
  /** The nodes (of one batch) that are not back. */
  readonly nodeIds: readonly number[];
  readonly reasons: readonly string[];

  constructor(nodes: number | readonly number[], reasons: readonly string[], options?: ErrorOptions) {
    const nodeIds = typeof nodes === 'number' ? [nodes] : [...nodes];
    super(
      `${nodeIds.length === 1 ? `node ${nodeIds[0]} is` : `nodes ${nodeIds.join(', ')} are`} not back and healthy yet: ${joinReasons(reasons)}`,
      options,
    );
    this.nodeId = nodeIds[0]!;
    this.nodeIds = nodeIds;
    this.reasons = reasons;
  }
}

/** The arguments given to a safety function are not usable (bad node id, bad policy value, corrupt state). Fatal. */
export class RollInputInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'RollInputInvalid';
}

function joinReasons(reasons: readonly string[]): string {
  return reasons.length === 0 ? '(no reason given)' : reasons.join('; ');
}
