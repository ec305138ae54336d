import { cataloguedError } from '../../shared/error-catalogue.ts';
import { UnexpectedError } from '../../shared/handlers/errors.ts';

export { FunctionConfigInvalid, UnexpectedError } from '../../shared/handlers/errors.ts';
export { TriggerEventInvalid } from '../../shared/triggers/errors.ts';

/*
 * The mapping that decides which error *name* reaches Step Functions. The Lambda Node.js runtime reports a thrown
 * error's `name` as `errorType`, and Step Functions matches `Retry`/`Catch` `ErrorEquals` against it. So, derived
 * from the error catalogue (shared/error-catalogue.ts), the one list the state machines are generated from:
 *  - a catalogued name passes only when the error really is brokerlink's class of that name (`instanceof`), never
 *    because some library chose that name: an impostor cannot borrow a name that a Retry matches;
 *  - anything else (TypeError, an SDK exception that escaped an adapter, a name starting `Lambda.` or `States.`)
 *    becomes `UnexpectedError`, which no Retry matches, with the original name kept in the message and `cause`.
 */

/** The error to throw to the Lambda runtime in place of `error` (see the module comment). */
export function toStableError(error: unknown): Error {
  if (!(error instanceof Error)) {
    return new UnexpectedError('NonError', String(error), { cause: error });
  }
  if (cataloguedError(error) !== undefined) return error;
  return new UnexpectedError(error.name, error.message, { cause: error });
}
