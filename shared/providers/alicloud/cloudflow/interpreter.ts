/*
 * An in-process interpreter of the subset of CloudFlow's Flow Definition Language (FDL, `SpecVersion: v1`) that
 * brokerlink's flows use. No CloudFlow emulator exists; this executes the deployed file itself
 * (statemachines/*.fdl.yaml, generated from the flow contract by shared/flow/fdl/). Anything outside the subset is
 * refused with FdlUnsupported before the run starts, so a flow cannot rely on behaviour nobody checked.
 *
 * What it implements, and where each rule comes from (Alibaba Cloud documentation, CloudFlow):
 *  - "Flow definition" / the state pages: `Type: StateMachine`, `SpecVersion: v1`, `StartAt`, `States` as a list of
 *    states with `Name` and `Type`; Pass, Task, Choice, Wait, Map, Succeed, Fail; `Next` / `End`; `Description`.
 *  - "Inputs and outputs" (help.aliyun.com/document_detail/2402077, alibabacloud.com/help/en/serverless-workflow/
 *    latest/input-and-output): a state's `$Input` is the previous state's output or the InputConstructor's result;
 *    its output is the OutputConstructor's result (`$Output` is usable only there) or, without one, the Task's
 *    result / the state's input; inputs and outputs are JSON objects of at most 64 KiB, else the execution fails.
 *  - "Data passing" (.../data-transfer): `$Context.Execution.{Name,Input}`, `$Context.Current.{Name,Input}`, and in
 *    error handling `$Context.Current.Error.Code` / `.Detail`.
 *  - "Integrate CloudFlow with Function Compute" (help.aliyun.com/document_detail/2400200): Task
 *    `Action: FC:InvokeFunction`, `TaskMode: RequestComplete`, `Parameters { resourceArn, invocationType Sync,
 *    body }`; the body is serialised to bytes and is the function's event; "the flow wraps the function's return
 *    value": **`$Output.Body` is the function's JSON result** — the form Alibaba's own published flows read it in
 *    (`videoContent.$: $Output.Body.videoContent` over a handler returning a dict). `StatusCode` or other
 *    members of the wrapper are not documented, so this interpreter provides `Body` only: a flow reading anything
 *    else fails here instead of in production. resourceArn `acs:fc:<region>:<account>:functions/<name>[/<qualifier>]`.
 *  - "Integrate CloudFlow" (document_detail/2400188): Task `Action: FNF:StartExecution` (RequestComplete: done as
 *    soon as the child execution has started) with `Parameters { resourceArn acs:fnf:<region>:<account>:flow/<name>,
 *    executionName?, input }`; bound to `startExecution` here.
 *  - "Error handling" (document_detail/2500862): Retry rules `{ Errors, Description, MaxAttempts, IntervalSeconds,
 *    BackoffRate?, MaxBackoffSeconds? }` are evaluated first, the first matching rule only; then Catch rules
 *    `{ Errors, Description, Next, OutputConstructor? }`, the first matching one; `FnF.ALL` matches every error;
 *    Function Compute's own failures are `FC.<ErrorCode>` (FC.ResourceThrottled, FC.ResourceExhausted).
 *    **Not confirmed by any document we could read**: the error name a *function's thrown error* gets. Function
 *    Compute reports an unhandled error as `{ errorMessage, errorType }` with errorType the error's name
 *    (alibabacloud.com/help/doc-detail/52736); this interpreter matches `Errors` against that errorType and gives
 *    the Catch `$Context.Current.Error = { Code: errorType, Detail: errorMessage }`. If CloudFlow names function
 *    errors otherwise, named Retry/Catch rules stop matching while `FnF.ALL` still does: the flows then fail where
 *    they would have retried, and still release the lock (fail safe) — docs/alicloud.md says how to check it on an
 *    account.
 *  - "Choice": `Branches [{ Condition, Next }]` in order, `Default`. "Wait": `Seconds`. "Fail" (…/latest/fail):
 *    `Code` (optional) and `Detail` (required) — fixed strings; the execution fails with them.
 *  - "Map state: inline mode" (document_detail/2851868): `ItemsPath`, `Processor { StartAt, States }`, the
 *    concurrency limit, and the output: the processors' outputs merged "under the key `Items`". The field table
 *    spells the limit `MaxConcuccency` while its text says `MaxConcurrency` (at most 40); we use `MaxConcurrency`.
 *    `ItemConstructor` (each iteration's input from `$Item`, the element) is described for Map but not in the
 *    inline-mode table: an assumption. brokerlink's flows use Map only where more than one item may run at once
 *    (the config push); the one-at-a-time rolling restart is a plain Choice/Pass loop (shared/flow/fdl/), so its
 *    safety does not rest on either assumption. A failed iteration fails the Map; iterations not started do not start.
 *  - "Built-in functions": `length`, `get`, `intAdd` (./expressions.ts).
 *  - "Global variables" (alibabacloud.com/help/en/serverless-workflow/latest/global-io): `$Global`, readable in every
 *    state's constructors, Parameters and (our reading) Choice conditions; a state's GlobalConstructor merges into
 *    it when the state ends (its `$Output` is the task's raw output; an OutputConstructor sees $Global as it was
 *    before); keys at most 128 bytes, values at most 256 KiB. brokerlink keeps the discovered state and the plan
 *    there (they pass 64 KiB together at 48 brokers) and never writes $Global inside a Map, as the page advises.
 * Differences from the service: Wait and Retry intervals are scaled down for tests (`waitMs`, `retryMs`); there is
 * no execution history, no event-count limit and no execution timeout.
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

export interface StartedExecution {
  flowName: string;
  executionName: string;
}

export interface FlowRunOptions {
  /** Function name → handler (the deployed functions). */
  functions: Readonly<Record<string, FcHandler>>;
  executionName: string;
  /** What FNF:StartExecution does (start another flow's execution, without waiting for it). */
  startExecution?: (flowName: string, executionName: string | undefined, input: unknown) => Promise<StartedExecution>;
  /** Milliseconds a Wait of any length pauses here (default 0). */
  waitMs?: number;
  /** Milliseconds between Retry attempts (default 0). */
  retryMs?: number;
  onState?: (event: { state: string; type: string; input: unknown }) => void;
}

export const STATE_DATA_LIMIT = 64 * 1024;

/** Function Compute's errors a flow may retry (FC.<ErrorCode>, "Error handling"). */
export const FC_TRANSIENT_ERRORS = ['FC.ResourceThrottled', 'FC.ResourceExhausted'] as const;

type FdlState = Record<string, unknown> & { Name: string; Type: string };
interface Flow {
  StartAt: string;
  States: FdlState[];
}

/**
 * An error raised inside a run (a Retry or Catch may still handle it), as CloudFlow names it. Terminal errors (the
 * 64 KiB limit) are not caught by anything.
 */
function stateError(code: string, detail: string, terminal = false): FlowExecutionFailed {
  const error = new FlowExecutionFailed(code, detail);
  if (terminal) terminalErrors.add(error);
  return error;
}
const terminalErrors = new WeakSet<FlowExecutionFailed>();

const COMMON = ['Name', 'Type', 'Description', 'Next', 'End'];
const ALLOWED: Record<string, string[]> = {
  Pass: ['InputConstructor', 'OutputConstructor', 'GlobalConstructor'],
  Task: [
    'Action',
    'TaskMode',
    'Parameters',
    'Retry',
    'Catch',
    'InputConstructor',
    'OutputConstructor',
    'GlobalConstructor',
  ],
  Choice: ['Branches', 'Default', 'InputConstructor'],
  Wait: ['Seconds', 'InputConstructor', 'OutputConstructor'],
  Map: [
    'GlobalConstructor',
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
  Fail: ['Code', 'Detail', 'InputConstructor', 'OutputConstructor'],
};
const RETRY_KEYS = ['Errors', 'Description', 'MaxAttempts', 'IntervalSeconds', 'BackoffRate', 'MaxBackoffSeconds'];
const CATCH_KEYS = ['Errors', 'Description', 'Next', 'OutputConstructor'];
const ACTIONS = ['FC:InvokeFunction', 'FNF:StartExecution'];

export function parseFlow(text: string): Flow & { Name?: string } {
  const document = parse(text) as Record<string, unknown>;
  if (document.Type !== 'StateMachine' || document.SpecVersion !== 'v1') {
    throw new FdlUnsupported('a flow must be Type: StateMachine with SpecVersion: v1');
  }
  checkFlow(document as unknown as Flow, 'flow');
  return document as unknown as Flow & { Name?: string };
}

function requireKeys(record: Record<string, unknown>, keys: string[], where: string): void {
  for (const key of keys) if (record[key] === undefined) throw new FdlUnsupported(`${where}: ${key} is required`);
}

function checkRules(state: FdlState, field: 'Retry' | 'Catch', where: string): void {
  const rules = state[field];
  if (rules === undefined) return;
  if (!Array.isArray(rules)) throw new FdlUnsupported(`${where}: ${state.Name}.${field} must be a list`);
  const allowed = field === 'Retry' ? RETRY_KEYS : CATCH_KEYS;
  rules.forEach((rule: Record<string, unknown>, index) => {
    const at = `${where}: ${state.Name}.${field}[${index}]`;
    for (const key of Object.keys(rule)) if (!allowed.includes(key)) throw new FdlUnsupported(`${at} uses ${key}`);
    requireKeys(
      rule,
      field === 'Retry' ? ['Errors', 'Description', 'MaxAttempts', 'IntervalSeconds'] : ['Errors', 'Next'],
      at,
    );
    if (!Array.isArray(rule.Errors) || rule.Errors.some((name) => typeof name !== 'string')) {
      throw new FdlUnsupported(`${at}.Errors must be a list of error names`);
    }
  });
}

function checkFlow(flow: Flow, where: string): void {
  if (!Array.isArray(flow.States)) throw new FdlUnsupported(`${where}: States must be a list`);
  const names = new Set<string>();
  for (const state of flow.States) {
    if (names.has(state.Name)) throw new FdlUnsupported(`${where}: two states are named ${state.Name}`);
    names.add(state.Name);
  }
  if (!names.has(flow.StartAt)) throw new FdlUnsupported(`${where}: StartAt ${flow.StartAt} names no state`);
  for (const state of flow.States) {
    const allowed = ALLOWED[state.Type];
    if (allowed === undefined)
      throw new FdlUnsupported(`${where}: state ${state.Name} has unsupported Type ${state.Type}`);
    for (const key of Object.keys(state)) {
      if (!COMMON.includes(key) && !allowed.includes(key)) {
        throw new FdlUnsupported(`${where}: state ${state.Name} uses ${key}, outside the supported subset`);
      }
    }
    const ends = state.End === true || state.Type === 'Succeed' || state.Type === 'Fail' || state.Type === 'Choice';
    if (!ends && typeof state.Next !== 'string') throw new FdlUnsupported(`${where}: ${state.Name} has no Next`);
    const targets = [
      state.Next,
      state.Default,
      ...((state.Branches as { Next: string }[] | undefined) ?? []).map((b) => b.Next),
      ...((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
    ].filter((target): target is string => typeof target === 'string');
    for (const target of targets)
      if (!names.has(target)) throw new FdlUnsupported(`${where}: ${state.Name} goes to unknown state ${target}`);
    if (state.Type === 'Task') {
      if (!ACTIONS.includes(String(state.Action)) || (state.TaskMode ?? 'RequestComplete') !== 'RequestComplete') {
        throw new FdlUnsupported(
          `${where}: task ${state.Name} must be ${ACTIONS.join(' or ')} in RequestComplete mode`,
        );
      }
    }
    if (state.Type === 'Choice' && !Array.isArray(state.Branches)) {
      throw new FdlUnsupported(`${where}: choice ${state.Name} needs Branches`);
    }
    if (state.Type === 'Fail') requireKeys(state, ['Detail'], `${where}: ${state.Name}`);
    if (state.Type === 'Wait' && !Number.isInteger(state.Seconds)) {
      throw new FdlUnsupported(`${where}: wait ${state.Name} needs whole Seconds`);
    }
    checkRules(state, 'Retry', where);
    checkRules(state, 'Catch', where);
    if (state.Type === 'Map') {
      requireKeys(state, ['ItemsPath', 'Processor'], `${where}: ${state.Name}`);
      const concurrency = state.MaxConcurrency ?? 40;
      if (!Number.isInteger(concurrency) || (concurrency as number) < 1 || (concurrency as number) > 40) {
        throw new FdlUnsupported(`${where}: ${state.Name}.MaxConcurrency must be 1-40`);
      }
      checkFlow(state.Processor as Flow, `${where} > ${state.Name}`);
    }
  }
}

function limit(value: unknown, what: string): unknown {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw stateError('FnF.InvalidData', `${what} is not a JSON object`, true);
  }
  const size = Buffer.byteLength(JSON.stringify(value ?? {}));
  if (size > STATE_DATA_LIMIT) {
    throw stateError('FnF.DataLimitExceeded', `${what} is ${size} bytes; CloudFlow allows 64 KiB`, true);
  }
  return value ?? {};
}

const matches = (errors: unknown, code: string) =>
  Array.isArray(errors) && (errors.includes(code) || errors.includes('FnF.ALL'));
const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

interface Execution {
  readonly options: FlowRunOptions;
  readonly context: { Execution: { Name: string; Input: unknown } };
  /** CloudFlow's global variables ($Global): execution-wide, merged into by GlobalConstructors. */
  readonly global: Record<string, unknown>;
  /** The input of the last Fail state entered (what the execution failed with). */
  failInput?: unknown;
}

export async function runFlow(text: string, input: Record<string, unknown>, options: FlowRunOptions): Promise<unknown> {
  const flow = parseFlow(text);
  const execution: Execution = {
    options,
    context: { Execution: { Name: options.executionName, Input: input } },
    global: {},
  };
  try {
    return await runStates(flow, limit(input, 'the execution input'), execution);
  } catch (error) {
    if (error instanceof FlowExecutionFailed) {
      throw new FlowExecutionFailed(error.code, error.detail, execution.failInput, { cause: error });
    }
    throw error;
  }
}

function scopeOf(execution: Execution, state: FdlState, input: unknown, extra: Scope = {}): Scope {
  return {
    Input: input,
    Global: execution.global,
    Context: { ...execution.context, Current: { Name: state.Name, Input: input, ...extra } },
  };
}

export const GLOBAL_KEY_LIMIT = 128;
export const GLOBAL_VALUE_LIMIT = 256 * 1024;

/** "Global variables": $Global = merge($Global, GlobalConstructor), where $Output is the task's raw output. */
function assignGlobals(execution: Execution, state: FdlState, scope: Scope, output: unknown): void {
  if (state.GlobalConstructor === undefined) return;
  const values = construct(state.GlobalConstructor, { ...scope, Output: output }) as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) {
    if (Buffer.byteLength(key) > GLOBAL_KEY_LIMIT)
      throw stateError('FnF.GlobalLimitExceeded', `global key ${key} is too long`, true);
    const size = Buffer.byteLength(JSON.stringify(value ?? null));
    if (size > GLOBAL_VALUE_LIMIT) {
      throw stateError(
        'FnF.GlobalLimitExceeded',
        `global ${key} of ${state.Name} is ${size} bytes; CloudFlow allows 256 KiB`,
        true,
      );
    }
    execution.global[key] = value;
  }
}

async function runStates(flow: Flow, input: unknown, execution: Execution): Promise<unknown> {
  const { options } = execution;
  const byName = new Map(flow.States.map((state) => [state.Name, state]));
  let state = byName.get(flow.StartAt)!;
  let data = input;
  for (let steps = 0; steps < 100_000; steps++) {
    const stateInput = limit(
      state.InputConstructor === undefined ? data : construct(state.InputConstructor, scopeOf(execution, state, data)),
      `the input of ${state.Name}`,
    );
    options.onState?.({ state: state.Name, type: state.Type, input: stateInput });
    const scope = scopeOf(execution, state, stateInput);
    let output: unknown = stateInput;
    let next = state.Next as string | undefined;
    switch (state.Type) {
      case 'Pass':
      case 'Succeed':
      case 'Wait':
        if (state.Type === 'Wait') await sleep(options.waitMs ?? 0);
        output = state.OutputConstructor === undefined ? stateInput : construct(state.OutputConstructor, scope);
        assignGlobals(execution, state, scope, stateInput);
        if (state.Type === 'Succeed') return limit(output, `the output of ${state.Name}`);
        break;
      case 'Fail':
        execution.failInput = stateInput;
        throw stateError(String(state.Code ?? 'FnF.Failed'), String(state.Detail));
      case 'Choice': {
        const branch = (state.Branches as { Condition: string; Next: string }[]).find((candidate) =>
          Boolean(evaluate(candidate.Condition, scope)),
        );
        next = branch?.Next ?? (state.Default as string | undefined);
        if (next === undefined) throw stateError('FnF.ChoiceNoMatch', `no branch of ${state.Name} matched`);
        break;
      }
      case 'Task':
      case 'Map': {
        const outcome = await withErrorHandling(state, stateInput, execution, () =>
          state.Type === 'Task' ? runTask(state, scope, execution) : runMap(state, scope, execution),
        );
        if ('caught' in outcome) {
          output = outcome.output;
          next = outcome.caught;
        } else {
          output =
            state.OutputConstructor === undefined
              ? outcome.value
              : construct(state.OutputConstructor, { ...scope, Output: outcome.value });
          assignGlobals(execution, state, scope, outcome.value);
        }
        break;
      }
      default:
        throw new FdlUnsupported(`state type ${state.Type}`);
    }
    data = limit(output, `the output of ${state.Name}`);
    if (state.Type !== 'Choice' && next === undefined) return data;
    state = byName.get(next!)!;
  }
  throw stateError('FnF.Timeout', 'the execution took more than 100000 transitions', true);
}

async function withErrorHandling(
  state: FdlState,
  stateInput: unknown,
  execution: Execution,
  run: () => Promise<unknown>,
): Promise<{ value: unknown } | { caught: string; output: unknown }> {
  const attempts = new Map<number, number>();
  for (;;) {
    try {
      return { value: await run() };
    } catch (error) {
      if (!(error instanceof FlowExecutionFailed) || terminalErrors.has(error)) throw error;
      const retries = (state.Retry as Record<string, unknown>[] | undefined) ?? [];
      const index = retries.findIndex((rule) => matches(rule.Errors, error.code));
      if (index >= 0 && (attempts.get(index) ?? 0) < Number(retries[index]!.MaxAttempts)) {
        attempts.set(index, (attempts.get(index) ?? 0) + 1);
        await sleep(execution.options.retryMs ?? 0);
        continue;
      }
      const catcher = ((state.Catch as Record<string, unknown>[] | undefined) ?? []).find((rule) =>
        matches(rule.Errors, error.code),
      );
      if (catcher === undefined) throw error;
      const scope = scopeOf(execution, state, stateInput, { Error: { Code: error.code, Detail: error.detail } });
      return {
        caught: String(catcher.Next),
        output: catcher.OutputConstructor === undefined ? stateInput : construct(catcher.OutputConstructor, scope),
      };
    }
  }
}

function runTask(state: FdlState, scope: Scope, execution: Execution): Promise<unknown> {
  const parameters = construct(state.Parameters, scope) as Record<string, unknown>;
  return state.Action === 'FC:InvokeFunction'
    ? invokeFunction(state, parameters, execution)
    : startExecution(state, parameters, execution);
}

async function invokeFunction(
  state: FdlState,
  parameters: Record<string, unknown>,
  execution: Execution,
): Promise<unknown> {
  const arn = /^acs:fc:([^:]+):([^:]+):functions\/([A-Za-z0-9_-]+)(?:\/[A-Za-z0-9_-]+)?$/.exec(
    String(parameters.resourceArn ?? ''),
  );
  if (arn === null)
    throw new FdlUnsupported(`task ${state.Name}: resourceArn must be acs:fc:<region>:<account>:functions/<name>`);
  if ((parameters.invocationType ?? 'Sync') !== 'Sync')
    throw new FdlUnsupported(`task ${state.Name}: only Sync invocations are supported`);
  const functionName = arn[3]!;
  const handler = execution.options.functions[functionName];
  if (handler === undefined) throw stateError('FC.FunctionNotFound', `function ${functionName} does not exist`);
  const event = Buffer.from(
    typeof parameters.body === 'string' ? parameters.body : JSON.stringify(parameters.body ?? {}),
    'utf8',
  );
  let result: unknown;
  try {
    result = await handler(event, {
      requestId: `${execution.options.executionName}-${state.Name}`,
      function: { name: functionName, handler: 'index.handler', memory: 512, timeout: 120 },
      region: arn[1]!,
      accountId: arn[2]!,
    });
  } catch (error) {
    // Function Compute reports an unhandled error as { errorType: the error's name, errorMessage }.
    const name = error instanceof Error ? error.name : 'Error';
    throw stateError(name, error instanceof Error ? error.message : String(error));
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
    // a body that is not JSON stays a string
  }
  return { Body: body };
}

async function startExecution(
  state: FdlState,
  parameters: Record<string, unknown>,
  execution: Execution,
): Promise<unknown> {
  const arn = /^acs:fnf:([^:]*):([^:]*):flow\/([A-Za-z0-9_-]+)$/.exec(String(parameters.resourceArn ?? ''));
  if (arn === null)
    throw new FdlUnsupported(`task ${state.Name}: resourceArn must be acs:fnf:<region>:<account>:flow/<name>`);
  if (execution.options.startExecution === undefined) {
    throw new FdlUnsupported(`task ${state.Name}: this run cannot start executions (no startExecution given)`);
  }
  const name = parameters.executionName === undefined ? undefined : String(parameters.executionName);
  const started = await execution.options.startExecution(arn[3]!, name, parameters.input ?? {});
  return { FlowName: started.flowName, ExecutionName: started.executionName };
}

async function runMap(state: FdlState, scope: Scope, execution: Execution): Promise<unknown> {
  const evaluated = evaluate(String(state.ItemsPath), scope);
  if (!Array.isArray(evaluated)) throw stateError('FnF.InvalidItems', `ItemsPath of ${state.Name} is not a list`);
  const items: unknown[] = evaluated;
  const processor = state.Processor as Flow;
  const concurrency = Number(state.MaxConcurrency ?? 40);
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
        results[index] = await runStates(processor, limit(itemInput, `item ${index} of ${state.Name}`), execution);
      } catch (error) {
        failure ??= error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => worker()));
  if (failure !== undefined) throw failure;
  return { Items: results };
}
