import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BrokerlinkError } from '../../../errors.ts';
import { FdlUnsupported, FlowExecutionFailed } from './errors.ts';
import { type FcHandler, runFlow, STATE_DATA_LIMIT } from './interpreter.ts';

/** A flow of the given states (StartAt: the first). */
const flow = (states: Record<string, unknown>[]) =>
  stringify({ Type: 'StateMachine', SpecVersion: 'v1', Name: 'f', StartAt: states[0]!.Name, States: states });

const task = (name: string, fn: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  Type: 'Task',
  Action: 'FC:InvokeFunction',
  TaskMode: 'RequestComplete',
  Parameters: { resourceArn: `acs:fc:cn-hangzhou:1234567890123456:functions/${fn}`, invocationType: 'Sync', body: {} },
  ...extra,
});

class Flaky extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'Flaky';
}

const run = (states: Record<string, unknown>[], functions: Record<string, FcHandler> = {}, input = {}) =>
  runFlow(flow(states), input, { functions, executionName: 'e1' });

describe('CloudFlow interpreter: the documented subset', () => {
  it("hands a function's JSON result on as $Output.Body, and nothing else of the wrapper", async () => {
    const out = await run(
      [
        task('T', 'f', {
          OutputConstructor: { 'body.$': '$Output.Body', 'status.$': '$Output.StatusCode' },
          End: true,
        }),
      ],
      { f: async () => ({ answer: 42 }) },
    );
    expect(out).toEqual({ body: { answer: 42 } });
  });

  it('passes the task body to the function as a Buffer of JSON, and the execution name in $Context', async () => {
    let seen: unknown;
    await run(
      [
        {
          ...task('T', 'f', { End: true }),
          Parameters: {
            resourceArn: 'acs:fc:cn-hangzhou:1234567890123456:functions/f/LATEST',
            invocationType: 'Sync',
            body: { 'x.$': '$Input.x', 'owner.$': '$Context.Execution.Name', fixed: 'y' },
          },
        },
      ],
      {
        f: async (event) => {
          seen = JSON.parse(event.toString('utf8'));
          return {};
        },
      },
      { x: 1 },
    );
    expect(seen).toEqual({ x: 1, owner: 'e1', fixed: 'y' });
  });

  it("retries by the thrown error's name (FC's errorType) under the first matching rule, then catches with $Context.Current.Error", async () => {
    let calls = 0;
    const out = await run(
      [
        task('T', 'f', {
          Retry: [
            { Description: 'first', Errors: ['Flaky'], MaxAttempts: 2, IntervalSeconds: 1 },
            { Description: 'never reached for Flaky', Errors: ['FnF.ALL'], MaxAttempts: 9, IntervalSeconds: 1 },
          ],
          Catch: [
            {
              Description: 'all',
              Errors: ['FnF.ALL'],
              Next: 'After',
              OutputConstructor: { 'error.$': '$Context.Current.Error' },
            },
          ],
          Next: 'After',
        }),
        { Name: 'After', Type: 'Succeed' },
      ],
      {
        f: async () => {
          calls += 1;
          throw new Flaky('try later');
        },
      },
    );
    expect(calls).toBe(3);
    expect(out).toEqual({ error: { Code: 'Flaky', Detail: 'try later' } });
  });

  it('does not offer $Output in a Catch constructor (the documented error data is $Context.Current.Error)', async () => {
    const states = [
      task('T', 'f', {
        Catch: [{ Description: 'x', Errors: ['FnF.ALL'], Next: 'S', OutputConstructor: { 'e.$': '$Output' } }],
        Next: 'S',
      }),
      { Name: 'S', Type: 'Succeed' },
    ];
    await expect(run(states, { f: async () => Promise.reject(new Flaky('x')) })).rejects.toBeInstanceOf(FdlUnsupported);
  });

  it('fails an execution with the Fail state’s Code and Detail, and keeps that state’s input', async () => {
    const error = await run([
      { Name: 'P', Type: 'Pass', OutputConstructor: { why: 'because' }, Next: 'F' },
      { Name: 'F', Type: 'Fail', Code: 'BrokerNotReady', Detail: 'see input' },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowExecutionFailed);
    expect(error).toMatchObject({ code: 'BrokerNotReady', detail: 'see input', failInput: { why: 'because' } });
  });

  it('merges a Map’s iterations under Items, with ItemConstructor and $Item', async () => {
    const out = await run(
      [
        {
          Name: 'M',
          Type: 'Map',
          ItemsPath: '$Input.xs',
          ItemConstructor: { 'x.$': '$Item', 'k.$': '$Input.k' },
          MaxConcurrency: 2,
          Processor: {
            StartAt: 'S',
            States: [{ Name: 'S', Type: 'Succeed', OutputConstructor: { 'v.$': '$Input.x' } }],
          },
          OutputConstructor: { 'items.$': '$Output.Items' },
          End: true,
        },
      ],
      {},
      { xs: [1, 2, 3], k: 'z' },
    );
    expect(out).toEqual({ items: [{ v: 1 }, { v: 2 }, { v: 3 }] });
  });

  it('stops a one-at-a-time Map at the failed iteration: later items never start', async () => {
    const started: number[] = [];
    const error = await run(
      [
        {
          Name: 'M',
          Type: 'Map',
          ItemsPath: '$Input.xs',
          ItemConstructor: { 'x.$': '$Item' },
          MaxConcurrency: 1,
          Processor: {
            StartAt: 'T',
            States: [
              {
                ...task('T', 'f'),
                Parameters: { ...task('T', 'f').Parameters, body: { 'x.$': '$Input.x' } },
                End: true,
              },
            ],
          },
          End: true,
        },
      ],
      {
        f: async (event) => {
          const { x } = JSON.parse(event.toString('utf8')) as { x: number };
          started.push(x);
          if (x === 2) throw new Flaky('no');
          return {};
        },
      },
      { xs: [1, 2, 3] },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'Flaky' });
    expect(started).toEqual([1, 2]);
  });

  it('evaluates the built-ins length, get and intAdd in constructors, and Choice conditions', async () => {
    const out = await run(
      [
        {
          Name: 'P',
          Type: 'Pass',
          OutputConstructor: {
            'n.$': 'length($Input.xs)',
            'second.$': 'get($Input.xs, 1)',
            'next.$': 'intAdd($Input.i, 1)',
            'down.$': 'intAdd($Input.i, -1)',
          },
          Next: 'C',
        },
        {
          Name: 'C',
          Type: 'Choice',
          Branches: [{ Condition: '$Input.n > 2 && ($Input.missing == null || $Input.next < 0)', Next: 'Yes' }],
          Default: 'No',
        },
        { Name: 'Yes', Type: 'Succeed' },
        { Name: 'No', Type: 'Fail', Code: 'No', Detail: 'no' },
      ],
      {},
      { xs: ['a', 'b', 'c'], i: 4 },
    );
    expect(out).toEqual({ n: 3, second: 'b', next: 5, down: 3 });
  });

  it('fails the execution when a state’s data passes 64 KiB, and no Catch can take it', async () => {
    const big = 'x'.repeat(STATE_DATA_LIMIT);
    const error = await run(
      [
        task('T', 'f', {
          Catch: [{ Description: 'all', Errors: ['FnF.ALL'], Next: 'S' }],
          OutputConstructor: { 'b.$': '$Output.Body' },
          Next: 'S',
        }),
        { Name: 'S', Type: 'Succeed' },
      ],
      { f: async () => ({ big }) },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FnF.DataLimitExceeded' });
  });

  it('starts another flow’s execution for FNF:StartExecution', async () => {
    const started: unknown[] = [];
    const out = await runFlow(
      flow([
        {
          Name: 'Start',
          Type: 'Task',
          Action: 'FNF:StartExecution',
          TaskMode: 'RequestComplete',
          Parameters: { resourceArn: 'acs:fnf:cn-hangzhou:1234567890123456:flow/other', input: { 'c.$': '$Input.c' } },
          OutputConstructor: { 'started.$': '$Output' },
          End: true,
        },
      ]),
      { c: 'orders' },
      {
        functions: {},
        executionName: 'e1',
        startExecution: async (flowName, executionName, input) => {
          started.push({ flowName, executionName, input });
          return { flowName, executionName: 'x1' };
        },
      },
    );
    expect(started).toEqual([{ flowName: 'other', executionName: undefined, input: { c: 'orders' } }]);
    expect(out).toEqual({ started: { FlowName: 'other', ExecutionName: 'x1' } });
  });

  it.each([
    ['a Fail with Error/Cause (FDL names them Code/Detail)', [{ Name: 'F', Type: 'Fail', Error: 'E', Cause: 'c' }]],
    ['a Parallel state', [{ Name: 'P', Type: 'Parallel', Branches: [], End: true }]],
    [
      'a Retry rule without its Description',
      [task('T', 'f', { Retry: [{ Errors: ['FnF.ALL'], MaxAttempts: 1, IntervalSeconds: 1 }], End: true })],
    ],
    ['an unknown built-in', [{ Name: 'P', Type: 'Pass', OutputConstructor: { 'x.$': 'uuid()' }, End: true }]],
    ['a task in WaitForCustomCallback mode', [task('T', 'f', { TaskMode: 'WaitForCustomCallback', End: true })]],
    ['a state with no way on', [{ Name: 'P', Type: 'Pass' }]],
  ])('refuses %s before running anything', async (_, states) => {
    let called = false;
    const error = await run(states as Record<string, unknown>[], {
      f: async () => {
        called = true;
        return {};
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FdlUnsupported);
    expect(called).toBe(false);
  });
});
