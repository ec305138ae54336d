/*
 * An in-process interpreter of the subset of CloudFlow's Flow Definition Language (FDL, `SpecVersion: v1`) that
 * brokerlink's flows use, written against the public FDL reference — no CloudFlow emulator exists. It executes the
 * deployed file itself (statemachines/*.fdl.yaml); Task states with `Action: FC:InvokeFunction` are bound by the
 * function name at the end of `Parameters.resourceArn` to Function Compute handlers, which are invoked as Function
 * Compute invokes an event function: the body serialised to a Buffer, a context object, the return value
 * serialised back. What it implements (anything else is refused with FdlUnsupported before the run starts):
 *
 *  - States (a list, each with Name and Type): Pass, Task, Choice, Wait, Map, Succeed, Fail; Next / End;
 *  - InputConstructor (the state's $Input from the previous output), OutputConstructor (the state's output from
 *    $Input and $Output); without one, a Task passes on its $Output, other states their $Input;
 *  - Task: Action FC:InvokeFunction, TaskMode RequestComplete, Parameters { resourceArn, invocationType Sync, body }
 *    (body constructed with `.$` keys); $Output = { Body: the function's JSON result, StatusCode: 200 };
 *  - a function's thrown error becomes the FDL error named by the error's class (errorType): Retry rules
 *    { Errors, IntervalSeconds, MaxAttempts, BackoffRate, MaxBackoffSeconds } first (first matching rule), then
 *    Catch rules { Errors, Next, OutputConstructor }; FnF.ALL matches every error; in a Catch OutputConstructor
 *    $Output is { Error, Cause };
 *  - Choice: Branches [{ Condition, Next }] evaluated in order, Default; Wait: Seconds (scaled by `waitMs`);
 *  - Map: ItemsPath (an expression over $Input), ItemConstructor ($Item is the element), Processor
 *    { StartAt, States }, MaxConcurrency; its output is the list of the processors' outputs; a failed item fails
 *    the Map (and so the remaining items are not started when MaxConcurrency is 1);
 *  - Fail: Error, Cause; the 64 KiB limit on every state's input and output.
 * Differences from the service: Wait and Retry intervals are scaled down for tests; there is no execution history.
 */
import { parse } from 'yaml';
import { FdlUnsupported, FlowExecutionFailed } from './errors.ts';
import { construct, evaluate, type Scope } from './expressions.ts';

/** A Function Compute 3.0 event handler: `(event: Buffer, context) => result` (what `index.handler` exports). */
export type FcHandler = (event: Buffer, context: FcContext) => Promise<unknown>;

export interface FcContext {
  requestId: string;
  function: { name: string; handler: string; memory: number; timeout: number };
  region: string;
  accountId: string;
}

export interface FlowRunOptions {
  /** Function name → handler (the deployed functions). */
  functions: Readonly<Record<string, FcHandler>>;
  executionName: string;
  /** Milliseconds a Wait of any length pauses here (default 0). */
  waitMs?: number;
  /** Milliseconds between Retry attempts (default 0). */
  retryMs?: number;
  onState?: (event: { state: string; type: string; input: unknown }) => void;
}

export const STATE_DATA_LIMIT = 64 * 1024;

type FdlState = Record<string, unknown> & { Name: string; Type: string };
interface Flow {
  StartAt: string;
  States: FdlState[];
}

/** Inside a run, a state's error is a FlowExecutionFailed until a Retry or Catch handles it. */
const TaskError = FlowExecutionFailed;

const KNOWN_KEYS: Record<string, string[]> = {
  Pass: ['InputConstructor', 'OutputConstructor'],
  Task: ['Action', 'TaskMode', 'Parameters', 'Retry', 'Catch', 'InputConstructor', 'OutputConstructor'],
  Choice: ['Branches', 'Default', 'InputConstructor'],
  Wait: ['Seconds', 'InputConstructor', 'OutputConstructor'],
  Map: [
    'ItemsPath',
    'ItemConstructor',
    'Processor',
    'MaxConcurrency',
    'Retry',
    'Catch',
    'InputConstructor',
    'OutputConstructor',
  ],
  Succeed: ['InputConstructor', 'OutputConstructor'],
  Fail: ['Error', 'Cause'],
};

export function parseFlow(text: string): Flow & { Name?: string } {
  const document = parse(text) as Record<string, unknown>;
  if (document.Type !== 'StateMachine' || document.SpecVersion !== 'v1') {
    throw new FdlUnsupported('a flow must be Type: StateMachine with SpecVersion: v1');
  }
  checkFlow(document as unknown as Flow, 'flow');
  return document as unknown as Flow & { Name?: string };
}

function checkFlow(flow: Flow, where: string): void {
  if (!Array.isArray(flow.States)) throw new FdlUnsupported(`${where}: States must be a list`);
  const names = new Set(flow.States.map((state) => state.Name));
  if (!names.has(flow.StartAt)) throw new FdlUnsupported(`${where}: StartAt ${flow.StartAt} names no state`);
  for (const state of flow.States) {
    const known = KNOWN_KEYS[state.Type];
    if (known === undefined)
      throw new FdlUnsupported(`${where}: state ${state.Name} has unsupported Type ${state.Type}`);
    for (const key of Object.keys(state)) {
      if (!['Name', 'Type', 'Description', 'Next', 'End', ...known].includes(key)) {
        throw new FdlUnsupported(`${where}: state ${state.Name} uses ${key}, outside the supported subset`);
      }
    }
    const targets = [
      state.Next,
      state.Default,
      ...((state.Branches as { Next: string }[] | undefined) ?? []).map((b) => b.Next),
      ...((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
    ].filter((target): target is string => typeof target === 'string');
    for (const target of targets)
      if (!names.has(target)) throw new FdlUnsupported(`${where}: ${state.Name} goes to unknown state ${target}`);
    if (
      state.Type === 'Task' &&
      (state.Action !== 'FC:InvokeFunction' || (state.TaskMode ?? 'RequestComplete') !== 'RequestComplete')
    ) {
      throw new FdlUnsupported(`${where}: task ${state.Name} must be FC:InvokeFunction in RequestComplete mode`);
    }
    if (state.Type === 'Map') checkFlow(state.Processor as Flow, `${where} > ${state.Name}`);
  }
}

function limit(value: unknown, what: string): unknown {
  const size = Buffer.byteLength(JSON.stringify(value ?? null));
  if (size > STATE_DATA_LIMIT)
    throw new TaskError('FnF.DataLimitExceeded', `${what} is ${size} bytes; CloudFlow allows 64 KiB`);
  return value;
}

const matches = (errors: unknown, name: string) =>
  Array.isArray(errors) && (errors.includes(name) || errors.includes('FnF.ALL'));
const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

export async function runFlow(text: string, input: Record<string, unknown>, options: FlowRunOptions): Promise<unknown> {
  const flow = parseFlow(text);
  const context = { Execution: { Input: input, Name: options.executionName } };
  let last: unknown;
  const tracked = {
    ...options,
    onState: (event: { state: string; type: string; input: unknown }) => {
      if (event.type === 'Fail') last = event.input;
      options.onState?.(event);
    },
  };
  try {
    return await runStates(flow, input, context, tracked);
  } catch (error) {
    if (error instanceof FlowExecutionFailed) throw new FlowExecutionFailed(error.error, error.flowCause, last);
    throw error;
  }
}

async function runStates(flow: Flow, input: unknown, context: unknown, options: FlowRunOptions): Promise<unknown> {
  const byName = new Map(flow.States.map((state) => [state.Name, state]));
  let state = byName.get(flow.StartAt)!;
  let data = input;
  for (let steps = 0; steps < 100_000; steps++) {
    const stateInput = limit(
      state.InputConstructor === undefined
        ? data
        : construct(state.InputConstructor, { Input: data, Context: context }),
      `the input of ${state.Name}`,
    );
    options.onState?.({ state: state.Name, type: state.Type, input: stateInput });
    const scope: Scope = { Input: stateInput, Context: context };
    let output: unknown = stateInput;
    let next = state.Next as string | undefined;
    switch (state.Type) {
      case 'Pass':
      case 'Succeed':
        output = state.OutputConstructor === undefined ? stateInput : construct(state.OutputConstructor, scope);
        if (state.Type === 'Succeed') return output;
        break;
      case 'Fail':
        throw new TaskError(String(state.Error ?? 'FnF.Failed'), String(state.Cause ?? ''));
      case 'Wait':
        await sleep(options.waitMs ?? 0);
        output = state.OutputConstructor === undefined ? stateInput : construct(state.OutputConstructor, scope);
        break;
      case 'Choice': {
        const branch = (state.Branches as { Condition: string; Next: string }[]).find((candidate) =>
          Boolean(evaluate(candidate.Condition, scope)),
        );
        next = branch?.Next ?? (state.Default as string);
        break;
      }
      case 'Task':
      case 'Map': {
        const outcome = await withErrorHandling(state, scope, options, () =>
          state.Type === 'Task' ? invoke(state, scope, options) : runMap(state, scope, context, options),
        );
        if ('caught' in outcome) {
          output = outcome.output;
          next = outcome.caught;
        } else {
          output =
            state.OutputConstructor === undefined
              ? outcome.value
              : construct(state.OutputConstructor, { ...scope, Output: outcome.value });
        }
        break;
      }
      default:
        throw new FdlUnsupported(`state type ${state.Type}`);
    }
    data = limit(output, `the output of ${state.Name}`);
    if (state.End === true && state.Type !== 'Choice') return data;
    if (next === undefined) throw new FdlUnsupported(`state ${state.Name} has neither Next nor End`);
    state = byName.get(next)!;
  }
  throw new TaskError('FnF.Timeout', 'the execution took more than 100000 transitions');
}

async function withErrorHandling(
  state: FdlState,
  scope: Scope,
  options: FlowRunOptions,
  run: () => Promise<unknown>,
): Promise<{ value: unknown } | { caught: string; output: unknown }> {
  const attempts = new Map<number, number>();
  for (;;) {
    try {
      return { value: await run() };
    } catch (error) {
      if (!(error instanceof TaskError)) throw error;
      const retries = (state.Retry as Record<string, unknown>[] | undefined) ?? [];
      const index = retries.findIndex((rule) => matches(rule.Errors, error.error));
      if (index >= 0 && (attempts.get(index) ?? 0) < Number(retries[index]!.MaxAttempts ?? 3)) {
        attempts.set(index, (attempts.get(index) ?? 0) + 1);
        await sleep(options.retryMs ?? 0);
        continue;
      }
      const catcher = ((state.Catch as Record<string, unknown>[] | undefined) ?? []).find((rule) =>
        matches(rule.Errors, error.error),
      );
      if (catcher === undefined) throw error;
      const caughtOutput = { Error: error.error, Cause: error.flowCause };
      return {
        caught: String(catcher.Next),
        output:
          catcher.OutputConstructor === undefined
            ? caughtOutput
            : construct(catcher.OutputConstructor, { ...scope, Output: caughtOutput }),
      };
    }
  }
}

async function invoke(state: FdlState, scope: Scope, options: FlowRunOptions): Promise<unknown> {
  const parameters = construct(state.Parameters, scope) as {
    resourceArn?: string;
    invocationType?: string;
    body?: unknown;
  };
  const arn = /^acs:fc:([^:]+):([^:]+):functions\/([A-Za-z0-9_-]+)$/.exec(parameters.resourceArn ?? '');
  if (arn === null)
    throw new FdlUnsupported(`task ${state.Name}: resourceArn must be acs:fc:<region>:<account>:functions/<name>`);
  if ((parameters.invocationType ?? 'Sync') !== 'Sync')
    throw new FdlUnsupported(`task ${state.Name}: only Sync invocations are supported`);
  const functionName = arn[3]!;
  const handler = options.functions[functionName];
  if (handler === undefined) throw new TaskError('FC.FunctionNotFound', `function ${functionName} does not exist`);
  const event = Buffer.from(JSON.stringify(parameters.body ?? {}), 'utf8');
  let result: unknown;
  try {
    result = await handler(event, {
      requestId: `${options.executionName}-${state.Name}`,
      function: { name: functionName, handler: 'index.handler', memory: 512, timeout: 120 },
      region: arn[1]!,
      accountId: arn[2]!,
    });
  } catch (error) {
    // Function Compute reports an unhandled error with its errorType (the error's name) and errorMessage.
    const name = error instanceof Error ? error.name : 'Error';
    throw new TaskError(name, error instanceof Error ? error.message : String(error));
  }
  const text = Buffer.isBuffer(result)
    ? result.toString('utf8')
    : typeof result === 'string'
      ? result
      : JSON.stringify(result ?? null);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a non-JSON body stays a string
  }
  return { Body: body, StatusCode: 200 };
}

async function runMap(state: FdlState, scope: Scope, context: unknown, options: FlowRunOptions): Promise<unknown[]> {
  const evaluated = evaluate(String(state.ItemsPath), scope);
  if (!Array.isArray(evaluated)) throw new TaskError('FnF.InvalidItems', `ItemsPath of ${state.Name} is not a list`);
  const items: unknown[] = evaluated;
  const processor = state.Processor as Flow;
  const concurrency = Math.max(1, Number(state.MaxConcurrency ?? 40));
  const results: unknown[] = new Array(items.length);
  let nextIndex = 0;
  let failure: unknown;
  async function worker() {
    while (failure === undefined && nextIndex < items.length) {
      const index = nextIndex++;
      const itemInput =
        state.ItemConstructor === undefined
          ? items[index]
          : construct(state.ItemConstructor, { ...scope, Item: items[index] });
      try {
        results[index] = await runStates(processor, itemInput, context, options);
      } catch (error) {
        failure ??= error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => worker()));
  if (failure !== undefined) throw failure;
  return results;
}
