import { cataloguedError } from '../error-catalogue.ts';
import { UnexpectedError } from './errors.ts';

/*
 * The mapping that decides which error *name* reaches a workflow engine (Step Functions matches Retry/Catch
 * `ErrorEquals` against a Lambda's `errorType`; the generated Cloud Workflows files match `error.name` of a function's
 * answer). Derived from the error catalogue (shared/error-catalogue.ts), the one list the workflows are generated
 * from:
 *  - a catalogued name passes only when the error really is brokerlink's class of that name (`instanceof`), never
 *    because some library chose that name: an impostor cannot borrow a name that a retry matches;
 *  - anything else (TypeError, an SDK exception that escaped an adapter, a name starting `Lambda.` or `States.`)
 *    becomes `UnexpectedError`, which no retry matches, with the original name kept in the message and `cause`.
 */

/** The error to report to the engine in place of `error` (see the module comment). */
export function toStableError(error: unknown): Error {
  if (!(error instanceof Error)) {
    return new UnexpectedError('NonError', String(error), { cause: error });
  }
  if (cataloguedError(error) !== undefined) return error;
  return new UnexpectedError(error.name, error.message, { cause: error });
}
