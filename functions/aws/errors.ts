export { FunctionConfigInvalid, UnexpectedError } from '../../shared/handlers/errors.ts';
/**
 * The error to throw to the Lambda runtime: the Lambda Node.js runtime reports a thrown error's `name` as
 * `errorType`, which Step Functions matches `Retry`/`Catch` `ErrorEquals` against — see shared/handlers/stable-error.ts.
 */
export { toStableError } from '../../shared/handlers/stable-error.ts';
export { TriggerEventInvalid } from '../../shared/triggers/errors.ts';
