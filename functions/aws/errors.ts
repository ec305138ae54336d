import { BrokerlinkError } from '../../shared/errors.ts';
import { VerificationFailed } from '../../shared/kafka/verify/errors.ts';
import { AwsServiceUnavailable, AwsThrottled } from '../../shared/providers/aws/errors.ts';
import { ConfigConflict, KafkaUnavailable } from '../../shared/steps/errors.ts';

/*
 * Errors of the AWS entry points, and the mapping that decides which error *name* reaches Step Functions.
 * The Lambda Node.js runtime reports a thrown error's `name` as `errorType`, and Step Functions matches
 * `Retry`/`Catch` `ErrorEquals` against it. So:
 *  - a retryable name (AwsThrottled, KafkaUnavailable, ConfigConflict, VerificationFailed, ...) passes only when the
 *    error really is brokerlink's class of that name (`instanceof`), never because some library chose that name;
 *  - other brokerlink errors keep their names (all fatal in the state machines);
 *  - anything else (TypeError, an SDK exception that escaped an adapter, a name starting `Lambda.` or `States.`)
 *    becomes `UnexpectedError`, which no Retry matches, with the original name kept in the message and `cause`.
 */

/** The function's environment (deployment configuration) is missing or malformed. Fatal: fix serverless.yml. */
export class FunctionConfigInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'FunctionConfigInvalid';
}

/** A trigger event does not have the shape its rule promises (wrong rule wiring, or a hand-sent test event). */
export class TriggerEventInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'TriggerEventInvalid';
}

/** An error brokerlink did not anticipate. Never retried by the state machines: a person must look. */
export class UnexpectedError extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'UnexpectedError';
  readonly originalName: string;

  constructor(originalName: string, message: string, options?: ErrorOptions) {
    super(`${originalName}: ${message}`, options);
    this.originalName = originalName;
  }
}

/** Names the state machines retry, each with the only class allowed to carry it. */
const RETRYABLE: ReadonlyMap<string, abstract new (...args: never[]) => Error> = new Map<
  string,
  abstract new (
    ...args: never[]
  ) => Error
>([
  ['AwsThrottled', AwsThrottled],
  ['AwsServiceUnavailable', AwsServiceUnavailable],
  ['KafkaUnavailable', KafkaUnavailable],
  ['ConfigConflict', ConfigConflict],
  ['VerificationFailed', VerificationFailed],
]);

/**
 * brokerlink's fatal error names (from the errors.ts modules under shared/). They pass unchanged: each says what
 * went wrong better than a generic name, and none is matched by a Retry.
 */
export const FATAL_ERROR_NAMES: ReadonlySet<string> = new Set([
  // steps / domain
  'LockHeld',
  'CommandFailed',
  'UnsafeToRoll',
  'BrokerNotReady',
  'SpecInvalid',
  'StepInputInvalid',
  'PlanInvalid',
  'ObservedStateInvalid',
  'CapacityExceeded',
  'ExposureInvalid',
  'LbActionInvalid',
  'LbPortConflict',
  'LedgerConflict',
  'ListenerConflict',
  'ListenerConfigInvalid',
  'UnsupportedListenerConfig',
  'PropertiesEditUnsafe',
  'PropertiesSyntaxError',
  'RollInputInvalid',
  'VerificationInputInvalid',
  'SpecNotFound',
  // AWS adapters
  'AwsCallFailed',
  'AwsProviderNotConfigured',
  'BrokerInstanceInvalid',
  'DuplicateBrokerNodeId',
  'ListenerPortTaken',
  'TargetGroupNameTaken',
  'MappingNotFound',
  'TargetInvalid',
  'CommandTargetInvalid',
  'CommandOutputTruncated',
  'CommandParameterInvalid',
  'CommandRejected',
  'CommandNotFound',
  'LockRecordCorrupt',
  'SpecNotStored',
  'SpecTooLarge',
  'SecretUnavailable',
  // Kafka probe (the steps normally wrap these; if one escapes it is still fatal and still informative)
  'ProbeAuthenticationFailed',
  'ProbeTlsFailed',
  'ProbeUnsupportedVersion',
  'ProbeWrongBroker',
  'ProbeOptionsInvalid',
  // this module
  'FunctionConfigInvalid',
  'TriggerEventInvalid',
  'UnexpectedError',
]);

/** Every name a brokerlink function may report to Step Functions. */
export function isStableErrorName(name: string): boolean {
  return RETRYABLE.has(name) || FATAL_ERROR_NAMES.has(name);
}

/** The error to throw to the Lambda runtime in place of `error` (see the module comment). */
export function toStableError(error: unknown): Error {
  if (!(error instanceof Error)) {
    return new UnexpectedError('NonError', String(error), { cause: error });
  }
  const retryableClass = RETRYABLE.get(error.name);
  if (retryableClass !== undefined) {
    if (error instanceof retryableClass) return error;
    const impostor: Error = error;
    return new UnexpectedError(impostor.name, impostor.message, { cause: error });
  }
  if (FATAL_ERROR_NAMES.has(error.name)) return error;
  return new UnexpectedError(error.name, error.message, { cause: error });
}
