import { cataloguedError } from '../../shared/error-catalogue.ts';
import { FDL_PREFIX, FOREACH_VALUE_KEY, fdlFunctionName } from '../../shared/flow/fdl/generate.ts';
import { UnexpectedError } from '../../shared/handlers/errors.ts';
import type { FcHandler } from '../../shared/providers/alicloud/cloudflow/interpreter.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { StepInputInvalid } from '../../shared/steps/errors.ts';
import { isTaskName, type TaskName, tasks } from '../../shared/steps/tasks.ts';

/*
 * Function Compute 3.0 event handlers for brokerlink's steps: one function per task (`brokerlink-<task>`), all from
 * one code package. FC calls `handler(event, context)` with the event as a Buffer (the flow's task body, JSON); the
 * handler parses it, runs the task of shared/steps/tasks.ts with injected dependencies and returns its JSON result,
 * which CloudFlow hands on as `$Output.Body`.
 *
 * Errors: Function Compute reports a thrown error with its name as errorType, which the flows' Retry/Catch rules
 * match (their lists come from the error catalogue). As on AWS, a catalogued name passes only for a real instance of
 * brokerlink's class of that name; anything else becomes UnexpectedError (retried by nothing), its own name kept in
 * the message.
 *
 * The engine's one representation detail: a CloudFlow Map collects its iterations' outputs, which are maps, so an
 * iteration that ends with a single value hands it on as `{ forEachValue: value }` (shared/flow/fdl/generate.ts);
 * a top-level list of such wrappers in a task's body is unwrapped here before the task sees it.
 */

export const FUNCTION_PREFIX = FDL_PREFIX;

export function functionName(task: TaskName): string {
  return fdlFunctionName(task);
}

/** The error to throw to Function Compute in place of `error`. */
export function toStableError(error: unknown): Error {
  if (!(error instanceof Error)) return new UnexpectedError('NonError', String(error), { cause: error });
  if (cataloguedError(error) !== undefined) return error;
  return new UnexpectedError(error.name, error.message, { cause: error });
}

function isWrapped(value: unknown): value is { [FOREACH_VALUE_KEY]: unknown } {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    Object.hasOwn(value, FOREACH_VALUE_KEY)
  );
}

/** `[{ forEachValue: a }, { forEachValue: b }]` → `[a, b]`, for the body's top-level fields. */
export function unwrapForEachResults(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [
      key,
      Array.isArray(value) && value.length > 0 && value.every(isWrapped)
        ? value.map((v) => v[FOREACH_VALUE_KEY])
        : value,
    ]),
  );
}

export function createTaskHandler(task: TaskName, deps: () => StepDeps | Promise<StepDeps>): FcHandler {
  const run = tasks[task];
  return async (event) => {
    try {
      let input: unknown;
      try {
        input = JSON.parse(Buffer.isBuffer(event) ? event.toString('utf8') : String(event));
      } catch (error) {
        throw new StepInputInvalid(`the event of ${functionName(task)} is not JSON`, { cause: error });
      }
      return await run(unwrapForEachResults(input), await deps());
    } catch (error) {
      throw toStableError(error);
    }
  };
}

/** Every task's function, keyed by function name (what CloudFlow's resourceArn ends with). */
export function taskFunctions(deps: () => StepDeps | Promise<StepDeps>): Record<string, FcHandler> {
  return Object.fromEntries(
    Object.keys(tasks)
      .filter(isTaskName)
      .map((task) => [functionName(task), createTaskHandler(task, deps)]),
  );
}
