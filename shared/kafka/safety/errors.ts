/** Errors of the rolling-restart safety rules. Names say what an orchestrator should do next. */

/**
 * Restarting this node now would hurt availability (a partition would drop below min ISR, the KRaft quorum would
 * lose its majority, the node is recovering logs, …). Retryable with backoff: the cluster may heal; after the
 * operation timeout the roll stops and leaves the remaining nodes untouched.
 */
export class UnsafeToRoll extends Error {
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
 * A restarted node is not back yet (not registered, not in every ISR, recovering, quorum lagging). Retryable
 * while the operation timeout lasts; after that the roll stops (the node did not come back).
 */
export class BrokerNotReady extends Error {
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
export class RollInputInvalid extends Error {
  override readonly name = 'RollInputInvalid';
}

function joinReasons(reasons: readonly string[]): string {
  return reasons.length === 0 ? '(no reason given)' : reasons.join('; ');
}
