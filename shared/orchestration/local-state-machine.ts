import { readFile } from 'node:fs/promises';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { parse } from 'yaml';
import type { StepDeps } from '../steps/deps.ts';
import { isTaskName, type TaskName, tasks } from '../steps/tasks.ts';
import { StateMachineDefinitionInvalid, StateMachineFailed } from './errors.ts';

/*
 * Runs a state machine file of statemachines/ in-process with aws-local-stepfunctions: the very definition
 * that deploys to AWS Step Functions. Every Task resource `Fn::GetAtt: [<task>, Arn]` is bound to
 * tasks[<task>] over the injected deps; a Task we cannot bind is an error before anything runs (the library
 * would otherwise try to invoke a real Lambda).
 */

export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

const START_EXECUTION = 'arn:aws:states:::states:startExecution';

export interface RunOptions {
  /** Execution id (`$$.Execution.Id`, the lock owner). */
  executionId: string;
  deps: StepDeps;
  /** Milliseconds every Wait state pauses for (the definitions' seconds are for the cloud). Default 200. */
  waitMs?: number;
  /** Milliseconds between Retry attempts. Default 50. */
  retryMs?: number;
  /** Binding for `states:startExecution` tasks (drift repair starts provision). */
  startExecution?: (input: Record<string, unknown>) => Promise<unknown>;
  onEvent?: (event: EventLog) => void;
  /** Wraps every task binding (fault injection, tracing). Receives the task name and the bound call. */
  wrapTask?: (task: TaskName, run: TaskCall) => TaskCall;
}

export type TaskCall = (input: unknown) => Promise<unknown>;

interface TaskBinding {
  stateName: string;
  resource: string;
  /** The innermost Map state whose item processor holds this task. */
  mapState?: string;
  retriers: { errors: string[]; maxAttempts: number }[];
  catchers: string[][];
}

export async function loadDefinition(path: string | URL): Promise<Record<string, unknown>> {
  return parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

export async function runStateMachine(
  definition: Record<string, unknown>,
  input: Record<string, unknown>,
  options: RunOptions,
): Promise<unknown> {
  const bindings: TaskBinding[] = [];
  const waits: string[] = [];
  const retried: string[] = [];
  const resolved = resolveResources(definition, { bindings, waits, retried, mapState: undefined }) as Record<
    string,
    unknown
  >;

  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const guard = createMapFailureGuard();
  for (const binding of bindings) {
    if (binding.resource === START_EXECUTION) {
      const start = options.startExecution;
      if (start === undefined) {
        throw new StateMachineDefinitionInvalid(
          `state "${binding.stateName}" starts an execution but no startExecution binding was given`,
        );
      }
      handlers[binding.stateName] = (taskInput) => start(taskInput as Record<string, unknown>);
      continue;
    }
    const taskName = binding.resource.slice(binding.resource.lastIndexOf(':') + 1);
    if (!isTaskName(taskName)) {
      throw new StateMachineDefinitionInvalid(`state "${binding.stateName}" uses unknown task "${taskName}"`);
    }
    const task = tasks[taskName];
    const run: TaskCall = (taskInput) => task(taskInput, options.deps);
    handlers[binding.stateName] = guard.wrap(binding, options.wrapTask ? options.wrapTask(taskName, run) : run);
  }

  const machine = new StateMachine(resolved as never, { validationOptions: { checkArn: false } } as never);
  const execution = machine.run(
    input as never,
    {
      overrides: {
        taskResourceLocalHandlers: handlers,
        waitTimeOverrides: Object.fromEntries(waits.map((name) => [name, options.waitMs ?? 200])),
        retryIntervalOverrides: Object.fromEntries(retried.map((name) => [name, options.retryMs ?? 50])),
      },
      context: { Execution: { Id: options.executionId, Input: input, StartTime: new Date().toISOString() } },
    } as never,
  );

  const draining = options.onEvent ? drainEvents(execution.eventLogs, options.onEvent) : Promise.resolve();
  try {
    return await execution.result;
  } catch (error) {
    if (error instanceof ExecutionError) {
      const failure = (error as Error & { cause?: { name?: string; message?: string } }).cause;
      throw new StateMachineFailed(failure?.name ?? 'States.Runtime', failure?.message ?? error.message, {
        cause: error,
      });
    }
    throw error;
  } finally {
    await draining;
  }
}

async function drainEvents(events: AsyncGenerator<EventLog>, onEvent: (event: EventLog) => void): Promise<void> {
  for await (const event of events) onEvent(event);
}

interface Collected {
  bindings: TaskBinding[];
  waits: string[];
  retried: string[];
  mapState: string | undefined;
}

/** Replaces Fn::GetAtt task resources with local ARNs and records Task, Wait and Retry states (recursively). */
function resolveResources(node: unknown, collected: Collected): unknown {
  if (Array.isArray(node)) return node.map((item) => resolveResources(item, collected));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'States' && value !== null && typeof value === 'object') {
      const states: Record<string, unknown> = {};
      for (const [stateName, state] of Object.entries(value as Record<string, unknown>)) {
        const original = state as Record<string, unknown>;
        const inner = original['Type'] === 'Map' ? { ...collected, mapState: stateName } : collected;
        const resolvedState = resolveResources(state, inner) as Record<string, unknown>;
        if (resolvedState['Type'] === 'Task') {
          const resource = taskResource(stateName, original['Resource']);
          resolvedState['Resource'] = resource;
          collected.bindings.push({
            stateName,
            resource,
            ...(collected.mapState === undefined ? {} : { mapState: collected.mapState }),
            retriers: ((original['Retry'] as { ErrorEquals: string[]; MaxAttempts?: number }[] | undefined) ?? []).map(
              (retrier) => ({ errors: retrier.ErrorEquals, maxAttempts: retrier.MaxAttempts ?? 3 }),
            ),
            catchers: ((original['Catch'] as { ErrorEquals: string[] }[] | undefined) ?? []).map((c) => c.ErrorEquals),
          });
        }
        if (resolvedState['Type'] === 'Wait') collected.waits.push(stateName);
        if (resolvedState['Retry'] !== undefined) collected.retried.push(stateName);
        states[stateName] = resolvedState;
      }
      out[key] = states;
    } else {
      out[key] = resolveResources(value, collected);
    }
  }
  return out;
}

/**
 * aws-local-stepfunctions runs Map items through a concurrency limiter and, when one item fails, rejects the Map
 * but lets the queued items go on running in the background. Step Functions stops the Map instead — and the
 * rolling restart depends on that ("a failed broker stops the roll"). So once a task inside a Map fails in a way
 * that fails its iteration (no Catch matches, and no Retry matches or its attempts are used up), every later task
 * of that Map is refused before it runs.
 */
function createMapFailureGuard() {
  const failedMaps = new Set<string>();
  const failures = new Map<string, number>();
  const matches = (list: string[], name: string) =>
    list.includes(name) || list.includes('States.ALL') || list.includes('States.TaskFailed');
  return {
    wrap(binding: TaskBinding, run: (input: unknown) => Promise<unknown>) {
      const { mapState } = binding;
      if (mapState === undefined) return run;
      return async (input: unknown) => {
        if (failedMaps.has(mapState)) {
          throw new StateMachineFailed('States.MapAborted', `${mapState} already failed; ${binding.stateName} not run`);
        }
        const key = `${binding.stateName}:${JSON.stringify((input as { brokerId?: unknown }).brokerId ?? null)}`;
        try {
          const output = await run(input);
          failures.delete(key);
          return output;
        } catch (error) {
          const name = (error as Error).name;
          const attempts = (failures.get(key) ?? 0) + 1;
          failures.set(key, attempts);
          const caught = binding.catchers.some((errors) => matches(errors, name));
          const retrier = binding.retriers.find((candidate) => matches(candidate.errors, name));
          if (!caught && (retrier === undefined || attempts > retrier.maxAttempts)) failedMaps.add(mapState);
          throw error;
        }
      };
    },
  };
}

function taskResource(stateName: string, resource: unknown): string {
  if (resource === START_EXECUTION) return START_EXECUTION;
  const getAtt = (resource as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && getAtt[1] === 'Arn') {
    return `arn:aws:lambda:local:000000000000:function:${getAtt[0]}`;
  }
  throw new StateMachineDefinitionInvalid(
    `state "${stateName}" has resource ${JSON.stringify(resource)}; expected { Fn::GetAtt: [<task>, Arn] } or ${START_EXECUTION}`,
  );
}
