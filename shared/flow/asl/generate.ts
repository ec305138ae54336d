import { Document, isMap, isScalar, isSeq, type Node, type Pair, visit } from 'yaml';
import { DEFAULT_RETRY_POLICY } from '../../errors.ts';
import type {
  CatchRule,
  Condition,
  Fields,
  ForEachStep,
  Json,
  StatePath,
  Step,
  TaskStep,
  Value,
  Workflow,
  WorkflowName,
} from '../contract.ts';
import { retryRules, samePolicy } from '../errors.ts';

/*
 * The Step Functions generator: a workflow of the flow contract → Amazon States Language (JSONPath, so
 * aws-local-stepfunctions runs the very same file in tests and in `npm start`). Everything engine-specific lives
 * here and nowhere else: `$.…` paths and `$$.Execution.Id`, task resources as `Fn::GetAtt: [<task>, Arn]` (the
 * functions of serverless.yml), the provision state machine's ARN for drift repair (`Fn::Sub` over its Name, so
 * serverless-step-functions can derive the execution ARN pattern for the role), and the engine's own error names
 * (`Lambda.*` transient faults, `StepFunctions.*` / `States.TaskFailed` of the startExecution integration).
 * `npm run generate:workflows` writes statemachines/<name>.asl.yaml; a test keeps the committed files identical.
 */

export type AslState = Record<string, unknown>;
export interface AslDefinition {
  Comment: string;
  TimeoutSeconds: number;
  StartAt: string;
  States: Record<string, AslState>;
}

/** Transient faults of the Lambda service itself, retried like the catalogue's default 'retry' errors. */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

export const START_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';

/** The startExecution integration's own transient failures (too many running executions, a throttled call). */
const START_EXECUTION_RETRY = {
  ErrorEquals: ['StepFunctions.ExecutionLimitExceededException', 'States.TaskFailed'],
  IntervalSeconds: 5,
  MaxAttempts: 3,
  BackoffRate: 2,
};

/** Error name prefixes that belong to the engine, not to the error catalogue. */
export const ENGINE_ERROR_PREFIXES = ['States.', 'Lambda.', 'StepFunctions.'] as const;

/** `drift-check` → `DriftCheck`: the CloudFormation logical id serverless.yml gives a state machine is `<this>StateMachine`. */
export function pascalCase(name: WorkflowName): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function jsonPath(path: StatePath): string {
  for (const segment of path) {
    if (!SEGMENT.test(segment))
      throw new TypeError(`state path segment ${JSON.stringify(segment)} is not a plain name`);
  }
  return path.length === 0 ? '$' : `$.${path.join('.')}`;
}

function valuePath(value: Value): string | undefined {
  switch (value.kind) {
    case 'state':
      return jsonPath(value.path);
    case 'executionId':
      return '$$.Execution.Id';
    case 'item':
      return '$$.Map.Item.Value';
    case 'literal':
      return undefined;
  }
}

function parameters(fields: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    const path = valuePath(value);
    if (path !== undefined) out[`${name}.$`] = path;
    else out[name] = literalValue((value as { value: Json }).value);
  }
  return out;
}

function literalValue(value: Json): Json {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const key of Object.keys(value)) {
      if (key.endsWith('.$')) throw new TypeError(`literal key ${key} would be read as a path by Step Functions`);
    }
  }
  return value;
}

function rule(condition: Condition): Record<string, unknown> {
  switch (condition.kind) {
    case 'equals':
      return { Variable: jsonPath(condition.path), StringEquals: condition.value };
    case 'isTrue':
      return { Variable: jsonPath(condition.path), BooleanEquals: true };
    case 'isPresent':
      return { Variable: jsonPath(condition.path), IsPresent: true };
    case 'lessThan':
      return { Variable: jsonPath(condition.path), NumericLessThan: condition.value };
    case 'and':
      return {
        And: condition.all.flatMap((part) => (part.kind === 'and' ? (rule(part)['And'] as unknown[]) : [rule(part)])),
      };
    case 'or':
      return { Or: condition.any.map(rule) };
  }
}

function retry(step: TaskStep): Record<string, unknown>[] {
  const rules = retryRules(step);
  const blocks = rules.map((r) => ({
    ErrorEquals: [...r.errors] as string[],
    IntervalSeconds: r.policy.intervalSeconds,
    MaxAttempts: r.policy.maxAttempts,
    BackoffRate: r.policy.backoffRate,
  }));
  const standard = rules.findIndex((r) => samePolicy(r.policy, DEFAULT_RETRY_POLICY));
  if (standard >= 0) blocks[standard]!.ErrorEquals.unshift(...LAMBDA_TRANSIENT_ERRORS);
  else {
    blocks.unshift({
      ErrorEquals: [...LAMBDA_TRANSIENT_ERRORS],
      IntervalSeconds: DEFAULT_RETRY_POLICY.intervalSeconds,
      MaxAttempts: DEFAULT_RETRY_POLICY.maxAttempts,
      BackoffRate: DEFAULT_RETRY_POLICY.backoffRate,
    });
  }
  return blocks;
}

function catches(rules: readonly CatchRule[] | undefined): Record<string, unknown> {
  if (rules === undefined || rules.length === 0) return {};
  return {
    Catch: rules.map((r) => ({
      ErrorEquals: r.errors === 'any' ? ['States.ALL'] : [...r.errors],
      ResultPath: r.errorAt === null ? null : jsonPath(r.errorAt),
      Next: r.next,
    })),
  };
}

function states(steps: readonly Step[]): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  steps.forEach((step, index) => {
    const next = (step as { next?: string }).next ?? steps[index + 1]?.id;
    const then: { Next: string } | { End: true } = next === undefined ? { End: true } : { Next: next };
    out[step.id] = state(step, then);
  });
  return out;
}

function state(step: Step, then: { Next: string } | { End: true }): AslState {
  switch (step.kind) {
    case 'task':
      return {
        Type: 'Task',
        Resource: { 'Fn::GetAtt': [step.task, 'Arn'] },
        Parameters: parameters(step.input),
        ResultPath: step.resultAt === null ? null : jsonPath(step.resultAt),
        Retry: retry(step),
        ...catches(step.catch),
        ...then,
      };
    case 'choice':
      return {
        Type: 'Choice',
        Choices: step.cases.map((c) => ({ ...rule(c.when), Next: c.next })),
        Default: step.otherwise,
      };
    case 'wait':
      return { Type: 'Wait', Seconds: step.seconds, ...then };
    case 'set':
      return { Type: 'Pass', Result: literalValue(step.value), ResultPath: jsonPath(step.at), ...then };
    case 'count': {
      const parent = step.counter.slice(0, -1);
      const counter = step.counter.at(-1)!;
      return {
        Type: 'Pass',
        Parameters: { [`${counter}.$`]: `States.MathAdd(${jsonPath(step.counter)}, 1)` },
        ResultPath: jsonPath(parent),
        ...then,
      };
    }
    case 'succeed': {
      const output = step.output;
      return 'kind' in output && typeof output.kind === 'string'
        ? { Type: 'Pass', OutputPath: valuePath(output as Value), End: true }
        : { Type: 'Pass', Parameters: parameters(output as Fields), End: true };
    }
    case 'fail':
      return 'rethrow' in step
        ? {
            Type: 'Fail',
            ErrorPath: jsonPath([...step.rethrow, 'Error']),
            CausePath: jsonPath([...step.rethrow, 'Cause']),
          }
        : { Type: 'Fail', Error: step.error, Cause: step.cause };
    case 'forEach':
      return map(step, then);
    case 'startWorkflow': {
      const name = pascalCase(step.workflow);
      return {
        Type: 'Task',
        Resource: START_EXECUTION_RESOURCE,
        Parameters: {
          StateMachineArn: {
            'Fn::Sub': [
              `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:\${${name}Name}`,
              { [`${name}Name`]: { 'Fn::GetAtt': [`${name}StateMachine`, 'Name'] } },
            ],
          },
          Input: parameters(step.input),
        },
        ResultPath: jsonPath(step.resultAt),
        Retry: [START_EXECUTION_RETRY],
        ...then,
      };
    }
  }
}

function map(step: ForEachStep, then: { Next: string } | { End: true }): AslState {
  return {
    Type: 'Map',
    ItemsPath: jsonPath(step.items),
    MaxConcurrency: step.concurrency,
    ItemSelector: parameters(step.item),
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: step.steps[0]!.id,
      States: states(step.steps),
    },
    ResultPath: jsonPath(step.resultAt),
    ...catches(step.catch),
    ...then,
  };
}

/** The ASL definition of a workflow (what Step Functions and aws-local-stepfunctions run). */
export function toAsl(workflow: Workflow): AslDefinition {
  return {
    Comment: workflow.comment,
    TimeoutSeconds: workflow.timeoutSeconds,
    StartAt: workflow.steps[0]!.id,
    States: states(workflow.steps),
  };
}

// ---------------------------------------------------------------- YAML file

const WIDTH = 116;

function wrap(text: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

function notes(steps: readonly Step[], out = new Map<string, string>()): Map<string, string> {
  for (const step of steps) {
    if (step.note !== undefined) out.set(step.id, step.note);
    if (step.kind === 'forEach') notes(step.steps, out);
  }
  return out;
}

/** The statemachines/<name>.asl.yaml text: a header for the person reading it, then the definition. */
export function renderAslYaml(workflow: Workflow): string {
  const doc = new Document(toAsl(workflow), { aliasDuplicateObjects: false });
  const stepNotes = notes(workflow.steps);
  visit(doc, {
    Pair(_, pair: Pair<unknown, unknown>) {
      if (!isScalar(pair.key)) return;
      const name = String(pair.key.value);
      if (name === 'States' && isMap(pair.value)) {
        pair.value.items.forEach((entry, index) => {
          const key = entry.key as Node;
          if (index > 0) key.spaceBefore = true;
          const note = stepNotes.get(String((key as { value?: unknown }).value));
          if (note !== undefined)
            key.commentBefore = wrap(note, WIDTH - 4)
              .map((line) => ` ${line}`)
              .join('\n');
        });
      }
      if ((name === 'Fn::GetAtt' || name === 'ErrorEquals') && isSeq(pair.value)) {
        pair.value.flow = name === 'Fn::GetAtt' || pair.value.items.length <= 2;
      }
    },
  });
  anchorRepeated(doc, 'Retry', 'transient');
  anchorRepeated(doc, 'Catch', 'cleanup');
  const input = Object.entries(workflow.input);
  const width = Math.max(...input.map(([name]) => name.length));
  const header = [
    `GENERATED from shared/flow/${workflow.name}.ts by \`npm run generate:workflows\`: do not edit by hand.`,
    'The flow contract (shared/flow/) is the source; change it there, regenerate and commit both.',
    '',
    ...workflow.description,
    '',
    'Execution input:',
    ...input.map(([name, meaning]) => `  ${name.padEnd(width)}  ${meaning}`),
    '',
    'Step Functions specifics (shared/flow/asl/generate.ts): JSONPath, so aws-local-stepfunctions runs this very',
    'file in tests and in `npm start`; task resources are `Fn::GetAtt: [<task>, Arn]`, <task> a key of',
    'shared/steps/tasks.ts and a function of serverless.yml; Retry lists come from the error catalogue',
    '(shared/error-catalogue.ts) plus the Lambda service faults.',
  ];
  const body = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return `${header.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n')}\n${body}`;
}

/**
 * Gives a repeated `Retry` (or `Catch`) list one anchor and makes its repetitions aliases, as a person would write
 * the file. The most repeated list gets `name`, the next ones `name2`, `name3`, …; lists that occur once stay inline.
 */
function anchorRepeated(doc: Document, key: 'Retry' | 'Catch', name: string): void {
  const groups = new Map<string, Pair<unknown, Node>[]>();
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === key && isSeq(pair.value)) {
        const text = JSON.stringify(pair.value.toJSON());
        groups.set(text, [...(groups.get(text) ?? []), pair as Pair<unknown, Node>]);
      }
    },
  });
  const repeated = [...groups.values()].filter((pairs) => pairs.length > 1).sort((a, b) => b.length - a.length);
  repeated.forEach((pairs, index) => {
    const anchor = index === 0 ? name : `${name}${index + 1}`;
    const first = pairs[0]!.value!;
    first.anchor = anchor;
    for (const pair of pairs.slice(1))
      pair.value = doc.createAlias(first as Parameters<Document['createAlias']>[0], anchor);
  });
}
