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
  readonly nodeId: number;
  readonly reasons: readonly string[];

  constructor(nodeId: number, reasons: readonly string[], options?: ErrorOptions) {
    super(`node ${nodeId} cannot be restarted safely now: ${joinReasons(reasons)}`, options);
    this.nodeId = nodeId;
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
  readonly nodeId: number;
  readonly reasons: readonly string[];

  constructor(nodeId: number, reasons: readonly string[], options?: ErrorOptions) {
    super(`node ${nodeId} is not back and healthy yet: ${joinReasons(reasons)}`, options);
    this.nodeId = nodeId;
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
