import type { FcHandler } from '../../shared/providers/alicloud/cloudflow/interpreter.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { StepInputInvalid } from '../../shared/steps/errors.ts';
import { isTaskName, type TaskName, tasks } from '../../shared/steps/tasks.ts';

/*
 * Function Compute 3.0 event handlers for brokerlink's steps: one function per task (`brokerlink-<task>`), all from
 * one code package. FC calls `handler(event, context)` with the event as a Buffer (the flow's task body, JSON); the
 * handler parses it, runs the task of shared/steps/tasks.ts with injected dependencies and returns its JSON result.
 * A thrown error keeps its class name, which Function Compute reports as errorType and CloudFlow's Retry / Catch
 * match (the FDL files list the names; the flows' Errors lists come from the errors' dispositions).
 */

export const FUNCTION_PREFIX = 'brokerlink-';

export function functionName(task: TaskName): string {
  return `${FUNCTION_PREFIX}${task}`;
}

export function createTaskHandler(task: TaskName, deps: () => StepDeps | Promise<StepDeps>): FcHandler {
  const run = tasks[task];
  return async (event) => {
    let input: unknown;
    try {
      input = JSON.parse(Buffer.isBuffer(event) ? event.toString('utf8') : String(event));
    } catch (error) {
      throw new StepInputInvalid(`the event of ${functionName(task)} is not JSON`, { cause: error });
    }
    return run(input, await deps());
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
