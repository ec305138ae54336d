import { BrokerlinkError } from '../errors.ts';

/** A state machine definition cannot be run locally (unknown task, unsupported resource). Fatal: fix the file. */
export class StateMachineDefinitionInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'StateMachineDefinitionInvalid';
}

/**
 * A local execution ended in a Fail state. `error` is the Step Functions error name (LockHeld, UnsafeToRoll,
 * BrokerNotReady, ...), `detail` its cause, as the AWS console would show them.
 */
export class StateMachineFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'StateMachineFailed';
  readonly error: string;
  readonly detail: string;

  constructor(error: string, detail: string, options?: ErrorOptions) {
    super(`execution failed with ${error}: ${detail}`, options);
    this.error = error;
    this.detail = detail;
  }
}
