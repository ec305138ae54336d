/*
 * Errors the steps raise, named for what the orchestrator does next. The state machines match on `name`
 * (Step Functions puts the error name in `Error`), so these names are a contract: see statemachines/.
 *  - retry:  ConfigConflict, KafkaUnavailable, plus provider-specific throttling errors
 *  - fail:   everything else (SpecInvalid, PlanInvalid, LockHeld, CommandFailed, UnsafeToRoll after its
 *            deadline, BrokerNotReady after its deadline, VerificationFailed, StepInputInvalid)
 */
export { BrokerNotReady, UnsafeToRoll } from '../kafka/safety/errors.ts';
export { VerificationFailed } from '../kafka/verify/errors.ts';
export { SpecInvalid } from '../spec/errors.ts';

/** Another execution holds the cluster lock. Fail this execution; the holder is doing the work. */
export class LockHeld extends Error {
  override readonly name = 'LockHeld';
  readonly holder: string;
  readonly expiresAt: string;

  constructor(cluster: string, holder: string, expiresAt: string, options?: ErrorOptions) {
    super(`cluster "${cluster}" is locked by ${holder} until ${expiresAt}`, options);
    this.holder = holder;
    this.expiresAt = expiresAt;
  }
}

/** A command on a broker host failed (non-zero exit, not delivered, timed out). Stop: a person must look. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
  readonly brokerId: number;

  constructor(brokerId: number, what: string, detail: string, options?: ErrorOptions) {
    super(`${what} failed on broker ${brokerId}: ${detail}`, options);
    this.brokerId = brokerId;
  }
}

/** server.properties changed between our read and our write (compare-and-swap lost). Retry the push from the read. */
export class ConfigConflict extends Error {
  override readonly name = 'ConfigConflict';
}

/** Kafka could not be reached for a health gate. Retry with backoff; the gate's own deadline still applies. */
export class KafkaUnavailable extends Error {
  override readonly name = 'KafkaUnavailable';
}

/** A step was called with input it cannot use (a bug in the orchestration or a hand-edited execution input). */
export class StepInputInvalid extends Error {
  override readonly name = 'StepInputInvalid';
}
