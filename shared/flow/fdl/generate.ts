import { Document } from 'yaml';
import { dispositionOfName, ERROR_NAMES } from '../../error-catalogue.ts';
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
 * The CloudFlow generator: a workflow of the flow contract → Flow Definition Language (FDL v1), the files
 * statemachines/<name>.fdl.yaml that tools/alicloud installs and shared/providers/alicloud/cloudflow/interpreter.ts
 * executes in tests. Everything CloudFlow-specific lives here (the interpreter's header cites the documentation
 * each rule rests on):
 *
 *  - FDL has no ResultPath: a state's output replaces the whole state document. So every state that writes carries
 *    an OutputConstructor that copies each key of the document (`key.$: $Input.key`) and replaces the one path it
 *    writes. The keys are known statically: the execution input's, plus every path the workflow writes (task
 *    results, caught errors, set and count steps); `shapeOf` collects them. Keys nothing ever wrote read as absent.
 *  - a task is `FC:InvokeFunction` (Sync, RequestComplete) on the function `brokerlink-<task>`; its result is
 *    `$Output.Body`. resourceArns carry `${region}` and `${uid}`, which the deploy fills in (renderDeployedFlow).
 *  - retries: `retryRules(step)` (the error catalogue's dispositions) plus Function Compute's own transient faults,
 *    which get the default 'retry' policy; catches put `$Context.Current.Error` ({ Code, Detail }) at `errorAt`.
 *  - a fail that rethrows a caught error: CloudFlow's Fail takes a fixed `Code`, so a Choice on the caught error's
 *    Code leads to one Fail per catalogued error name — the execution fails with the real error's name; anything
 *    else (an error of CloudFlow or Function Compute itself) fails as `UncataloguedError`. The cause (the caught
 *    `Detail`) is in the Fail state's input, visible in the execution's events.
 *  - forEach, one item at a time (`concurrency: 1`, the rolling restart): a Choice/Pass loop in the enclosing
 *    document (`<id>Loop` holds the index and the count left, `<id>Item` the item's own fields; item fields read
 *    from the document are read in place, not copied), built with the built-ins `length`, `get`, `intAdd`. Later
 *    items cannot start before an earlier one succeeded, and a failure leaves the loop through the forEach's catch
 *    rules: that the roll stops at a failed broker does not depend on how a Map schedules its iterations. The body
 *    must end with the item itself (so the results are the items).
 *  - forEach with more than one at a time (the config push): a Map (ItemsPath, ItemConstructor with `$Item`,
 *    MaxConcurrency, Processor); its result is `$Output.Items`. A body ending with a single value wraps it as
 *    `{ forEachValue: … }` (an OutputConstructor is a map); functions/alicloud unwraps such lists.
 *  - startWorkflow: `FNF:StartExecution` (RequestComplete) on the flow `brokerlink-<workflow>`.
 * `npm run generate:workflows` writes the files; a test keeps the committed files identical to this output.
 */

export const FDL_PREFIX = 'brokerlink-';
/** The placeholders the deploy fills in (renderDeployedFlow). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder the deploy fills in, not a template
export const REGION_PLACEHOLDER = '${region}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder the deploy fills in, not a template
export const ACCOUNT_PLACEHOLDER = '${uid}';
export const FOREACH_VALUE_KEY = 'forEachValue';
/** Function Compute's own failures a flow retries ("Error handling": FC.<ErrorCode>). */
export const FC_TRANSIENT_ERRORS = ['FC.ResourceThrottled', 'FC.ResourceExhausted'] as const;
/** The Code an execution fails with when the caught error is not brokerlink's (FC.*, FnF.*). */
export const UNCATALOGUED_ERROR = 'UncataloguedError';

export type FdlState = Record<string, unknown> & { Name: string; Type: string };
export interface FdlDefinition {
  Type: 'StateMachine';
  SpecVersion: 'v1';
  Name: string;
  Description: string;
  StartAt: string;
  States: FdlState[];
}

export function fdlFunctionName(task: string): string {
  return `${FDL_PREFIX}${task}`;
}

export function fdlFlowName(workflow: WorkflowName): string {
  return `${FDL_PREFIX}${workflow}`;
}

// ------------------------------------------------------------------------------------------- the document's keys

/** The keys of a state document, nested where something writes below the top. */
class Shape {
  readonly children = new Map<string, Shape>();
  add(path: StatePath): void {
    let node: Shape = this;
    for (const segment of path) {
      checkSegment(segment);
      let child = node.children.get(segment);
      if (child === undefined) {
        child = new Shape();
        node.children.set(segment, child);
      }
      node = child;
    }
  }
  addValue(path: StatePath, value: Json): void {
    this.add(path);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) this.addValue([...path, key], inner);
    }
  }
  at(path: StatePath): Shape | undefined {
    let node: Shape | undefined = this;
    for (const segment of path) node = node?.children.get(segment);
    return node;
  }
}

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
function checkSegment(segment: string): void {
  if (!SEGMENT.test(segment)) throw new TypeError(`state path segment ${JSON.stringify(segment)} is not a plain name`);
}

// ------------------------------------------------------------------------------------------------ scopes

/**
 * Where a list of contract steps is emitted: its document's shape, how its paths map onto that document (a
 * one-at-a-time loop's body lives in the enclosing document), what `item` is, and the catch rules a failing task
 * leaves by when the list belongs to a one-at-a-time loop.
 */
interface Scope {
  readonly shape: Shape;
  readonly path: (path: StatePath) => StatePath;
  readonly writable: (path: StatePath) => StatePath;
  readonly item?: string;
  readonly loop?: SequentialLoop;
  /** A Map's item fields read in place (from a global document) rather than copied into each item. */
  readonly mapAliases?: ReadonlyMap<string, StatePath>;
  /** The workflow's own document (where global variables are written). */
  readonly root?: boolean;
}

interface SequentialLoop {
  readonly step: ForEachStep;
  readonly loopKey: string;
  readonly itemKey: string;
  /** The enclosing scope (the forEach's own catch rules and resultAt are in its terms). */
  readonly outer: Scope;
}

/**
 * The large documents the workflows keep: the discovered state (spec + what was observed), the plan, and the config
 * pushes' results (each with its diff). With 48 brokers they are 20, 50 and 100 KB, so in CloudFlow's state
 * document (64 KiB per state's input and output) they would not fit; they live in CloudFlow's global variables
 * instead ($Global, 256 KiB per value: "Global variables"), named by their path (`outcome.pushed` →
 * `$Global.outcome_pushed`), written whole by the one step that makes them (a GlobalConstructor) and read as
 * `$Global.<name>…`. Nothing inside a Map writes them.
 */
export const GLOBAL_PATHS: readonly StatePath[] = [['discovered'], ['planned'], ['outcome', 'pushed']];
const GLOBAL = '$Global';

const startsWith = (path: StatePath, prefix: StatePath) => prefix.every((segment, i) => path[i] === segment);
const globalOf = (path: StatePath) => GLOBAL_PATHS.find((g) => startsWith(path, g));
const globalName = (path: StatePath) => path.join('_');

function rootScope(workflow: Workflow): Scope {
  const shape = new Shape();
  for (const key of Object.keys(workflow.input)) shape.add([key]);
  const path = (p: StatePath): StatePath => {
    const g = globalOf(p);
    return g === undefined ? p : [GLOBAL, globalName(g), ...p.slice(g.length)];
  };
  const writable = (p: StatePath): StatePath => {
    if (globalOf(p) !== undefined)
      throw new TypeError(`${p.join('.')} is global: only the step that makes it writes it, whole`);
    return p;
  };
  const scope: Scope = { shape, path, writable, root: true };
  collect(workflow.steps, scope);
  return scope;
}

/** The global variable a top-level step writes whole, if its result goes to one. */
function globalResult(resultAt: StatePath | null, scope: Scope): string | undefined {
  if (resultAt === null || scope.root !== true) return undefined;
  const g = globalOf(resultAt);
  if (g === undefined) return undefined;
  if (g.length !== resultAt.length) throw new TypeError(`${resultAt.join('.')} is inside a global document`);
  return globalName(g);
}

/** A set step's literal split: the global parts of its value go to $Global, the rest to the state document. */
function splitGlobals(at: StatePath, value: Json, scope: Scope): { state: Json; globals: Record<string, Json> } {
  const globals: Record<string, Json> = {};
  const strip = (path: StatePath, v: Json): Json => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const out: Record<string, Json> = {};
    for (const [key, inner] of Object.entries(v)) {
      const child = [...path, key];
      const name = globalResult(child, scope);
      if (name !== undefined) globals[name] = inner;
      else out[key] = strip(child, inner);
    }
    return out;
  };
  return { state: strip(at, value), globals };
}

function sequentialScope(step: ForEachStep, outer: Scope): Scope {
  const loopKey = `${step.id}Loop`;
  const itemKey = `${step.id}Item`;
  const aliases = new Map<string, StatePath>();
  for (const [name, value] of Object.entries(step.item)) {
    if (value.kind === 'state') aliases.set(name, outer.path(value.path));
  }
  const path = (inner: StatePath): StatePath => {
    const alias = aliases.get(inner[0]!);
    return alias === undefined ? [itemKey, ...inner] : [...alias, ...inner.slice(1)];
  };
  const writable = (inner: StatePath): StatePath => {
    if (aliases.has(inner[0]!)) {
      throw new TypeError(`${step.id}: the loop body writes ${inner.join('.')}, which it reads from outside the loop`);
    }
    return [itemKey, ...inner];
  };
  outer.shape.addValue([loopKey], { index: 0, remaining: 0 });
  outer.shape.add([itemKey]);
  for (const [name, value] of Object.entries(step.item)) if (value.kind !== 'state') outer.shape.add([itemKey, name]);
  return { shape: outer.shape, path, writable, loop: { step, loopKey, itemKey, outer } };
}

/** A Map's items: their own documents; item fields read from a global document are read there, not copied. */
function mapScope(step: ForEachStep, outer: Scope): Scope {
  const shape = new Shape();
  const aliases = new Map<string, StatePath>();
  for (const [name, value] of Object.entries(step.item)) {
    const mapped = value.kind === 'state' ? outer.path(value.path) : undefined;
    if (mapped?.[0] === GLOBAL) aliases.set(name, mapped);
    else shape.add([name]);
  }
  const path = (inner: StatePath): StatePath => {
    const alias = aliases.get(inner[0]!);
    return alias === undefined ? inner : [...alias, ...inner.slice(1)];
  };
  const writable = (inner: StatePath): StatePath => {
    if (aliases.has(inner[0]!))
      throw new TypeError(`${step.id}: the loop body writes ${inner.join('.')}, which it reads from outside the loop`);
    return inner;
  };
  const scope: Scope = { shape, path, writable, mapAliases: aliases };
  collect(step.steps, scope);
  return scope;
}

const sequentialScopes = new WeakMap<ForEachStep, Scope>();
const mapScopes = new WeakMap<ForEachStep, Scope>();

/** Adds every path the steps write to the scope's shape (and builds the scopes of their loops). */
function collect(steps: readonly Step[], scope: Scope): void {
  for (const step of steps) {
    const write = (path: StatePath | null | undefined) => {
      if (path !== null && path !== undefined) scope.shape.add(scope.writable(path));
    };
    switch (step.kind) {
      case 'task':
        if (globalResult(step.resultAt, scope) === undefined) write(step.resultAt);
        for (const rule of step.catch ?? []) write(rule.errorAt);
        break;
      case 'set':
        scope.shape.addValue(scope.writable(step.at), splitGlobals(step.at, step.value, scope).state);
        break;
      case 'count':
        write(step.counter);
        break;
      case 'startWorkflow':
        write(step.resultAt);
        break;
      case 'forEach': {
        if (scope.loop !== undefined) throw new TypeError(`${step.id}: a loop inside a one-at-a-time loop`);
        if (globalResult(step.resultAt, scope) === undefined) write(step.resultAt);
        for (const rule of step.catch ?? []) write(rule.errorAt);
        if (step.concurrency === 1) {
          const inner = sequentialScope(step, scope);
          sequentialScopes.set(step, inner);
          collect(step.steps, inner);
          for (const inside of step.steps) {
            if (inside.kind === 'task' && inside.catch === undefined) {
              for (const rule of step.catch ?? []) write(rule.errorAt);
            }
          }
        } else {
          mapScopes.set(step, mapScope(step, scope));
        }
        break;
      }
      default:
        break;
    }
  }
}

// ------------------------------------------------------------------------------------------ expressions

function pathExpr(path: StatePath): string {
  if (path[0] === GLOBAL) {
    for (const segment of path.slice(1)) checkSegment(segment);
    return [GLOBAL, ...path.slice(1)].join('.');
  }
  for (const segment of path) checkSegment(segment);
  return path.length === 0 ? '$Input' : `$Input.${path.join('.')}`;
}

function valueExpr(value: Value, scope: Scope): string | { literal: Json } {
  switch (value.kind) {
    case 'state':
      return pathExpr(scope.path(value.path));
    case 'executionId':
      return '$Context.Execution.Name';
    case 'item':
      if (scope.item === undefined) throw new TypeError('an item value outside a forEach item');
      return scope.item;
    case 'literal':
      return { literal: checkedLiteral(value.value) };
  }
}

function checkedLiteral(value: Json): Json {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (key.endsWith('.$')) throw new TypeError(`literal key ${key} would be read as an expression by CloudFlow`);
      checkedLiteral(inner);
    }
  }
  return value;
}

function fieldsConstructor(fields: Fields, scope: Scope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    const expr = valueExpr(value, scope);
    if (typeof expr === 'string') out[`${name}.$`] = expr;
    else out[name] = expr.literal;
  }
  return out;
}

function conditionText(condition: Condition, scope: Scope, nested = false): string {
  switch (condition.kind) {
    case 'equals':
      if (/["`]/.test(condition.value)) throw new TypeError(`cannot quote ${JSON.stringify(condition.value)}`);
      return `${pathExpr(scope.path(condition.path))} == "${condition.value}"`;
    case 'isTrue':
      return `${pathExpr(scope.path(condition.path))} == true`;
    case 'isPresent':
      return `${pathExpr(scope.path(condition.path))} != null`;
    case 'lessThan':
      return `${pathExpr(scope.path(condition.path))} < ${condition.value}`;
    case 'and': {
      const text = condition.all.map((part) => conditionText(part, scope, true)).join(' && ');
      return nested ? `(${text})` : text;
    }
    case 'or': {
      const text = condition.any.map((part) => conditionText(part, scope, true)).join(' || ');
      return nested ? `(${text})` : text;
    }
  }
}

// ------------------------------------------------------------------------------- rebuilding the document

type NewValue = { expr: string } | { template: Record<string, unknown> } | { literal: Json };

/**
 * An object written whole gets every key its shape knows, null where the object has none: so every path the flow
 * later copies exists (null until written), and no constructor reads an absent path.
 */
function complete(node: Shape | undefined, value: Record<string, unknown>): Record<string, unknown> {
  if (node === undefined) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [key, child] of node.children) {
    const inner = out[key];
    if (inner === undefined && out[`${key}.$`] === undefined) out[key] = null;
    else if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      out[key] = complete(child, inner as Record<string, unknown>);
    }
  }
  return out;
}

/** An OutputConstructor: every key of the document copied, the value at `path` replaced (none: a plain copy). */
function rebuild(shape: Shape, path: StatePath | null, value?: NewValue): Record<string, unknown> {
  const level = (node: Shape, prefix: StatePath, rest: StatePath): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const head = rest[0];
    for (const key of node.children.keys()) {
      if (key !== head) out[`${key}.$`] = pathExpr([...prefix, key]);
    }
    if (head !== undefined) {
      if (rest.length === 1) {
        const child = node.children.get(head);
        if ('expr' in value!) out[`${head}.$`] = value.expr;
        else if ('template' in value!) out[head] = complete(child, value.template);
        else {
          const literal = checkedLiteral(value!.literal);
          out[head] =
            literal !== null && typeof literal === 'object' && !Array.isArray(literal)
              ? complete(child, literal as Record<string, unknown>)
              : literal;
        }
      } else {
        out[head] = level(node.children.get(head) ?? new Shape(), [...prefix, head], rest.slice(1));
      }
    }
    return out;
  };
  return level(shape, [], path ?? []);
}

// ----------------------------------------------------------------------------------------------- states

const description = (step: { note?: string }) => (step.note === undefined ? {} : { Description: step.note });

function functionArn(task: string): string {
  return `acs:fc:${REGION_PLACEHOLDER}:${ACCOUNT_PLACEHOLDER}:functions/${fdlFunctionName(task)}`;
}

function retry(step: TaskStep): Record<string, unknown>[] {
  const rules = retryRules(step).map((rule) => ({
    Description: `${dispositionOfName(rule.errors[0]!)} errors: try again`,
    Errors: [...rule.errors] as string[],
    IntervalSeconds: rule.policy.intervalSeconds,
    MaxAttempts: rule.policy.maxAttempts,
    BackoffRate: rule.policy.backoffRate,
  }));
  // Function Compute's own transient faults go with the catalogue's default 'retry' policy.
  const standard = retryRules(step).findIndex((rule) => samePolicy(rule.policy, DEFAULT_RETRY_POLICY));
  if (standard >= 0) {
    rules[standard]!.Errors.unshift(...FC_TRANSIENT_ERRORS);
    return rules;
  }
  return [
    {
      Description: 'Function Compute could not run the function now (throttled, out of capacity)',
      Errors: [...FC_TRANSIENT_ERRORS],
      IntervalSeconds: DEFAULT_RETRY_POLICY.intervalSeconds,
      MaxAttempts: DEFAULT_RETRY_POLICY.maxAttempts,
      BackoffRate: DEFAULT_RETRY_POLICY.backoffRate,
    },
    ...rules,
  ];
}

function catches(rules: readonly CatchRule[] | undefined, scope: Scope, ruleScope: Scope): Record<string, unknown> {
  if (rules === undefined || rules.length === 0) return {};
  return {
    Catch: rules.map((rule) => ({
      Description: rule.errors === 'any' ? 'any other error' : `${rule.errors.join(', ')}: go to ${rule.next}`,
      Errors: rule.errors === 'any' ? ['FnF.ALL'] : [...rule.errors],
      Next: rule.next,
      OutputConstructor:
        rule.errorAt === null
          ? rebuild(scope.shape, null)
          : rebuild(scope.shape, ruleScope.writable(rule.errorAt), { expr: '$Context.Current.Error' }),
    })),
  };
}

function then(next: string | undefined): { Next: string } | { End: true } {
  return next === undefined ? { End: true } : { Next: next };
}

function emit(steps: readonly Step[], scope: Scope, out: FdlState[], after?: string): FdlState[] {
  steps.forEach((step, index) => {
    const next = (step as { next?: string }).next ?? steps[index + 1]?.id ?? after;
    out.push(...stateOf(step, next, scope));
  });
  return out;
}

function stateOf(step: Step, next: string | undefined, scope: Scope): FdlState[] {
  switch (step.kind) {
    case 'task': {
      const own = step.catch;
      const loop = scope.loop;
      const rules = own ?? loop?.step.catch;
      return [
        {
          Name: step.id,
          Type: 'Task',
          ...description(step),
          Action: 'FC:InvokeFunction',
          TaskMode: 'RequestComplete',
          Parameters: {
            resourceArn: functionArn(step.task),
            invocationType: 'Sync',
            body: fieldsConstructor(step.input, scope),
          },
          OutputConstructor:
            step.resultAt === null || globalResult(step.resultAt, scope) !== undefined
              ? rebuild(scope.shape, null)
              : rebuild(scope.shape, scope.writable(step.resultAt), { expr: '$Output.Body' }),
          ...(globalResult(step.resultAt, scope) === undefined
            ? {}
            : { GlobalConstructor: { [`${globalResult(step.resultAt, scope)}.$`]: '$Output.Body' } }),
          Retry: retry(step),
          ...catches(rules, scope, own === undefined && loop !== undefined ? loop.outer : scope),
          ...then(next),
        },
      ];
    }
    case 'choice':
      return [
        {
          Name: step.id,
          Type: 'Choice',
          ...description(step),
          Branches: step.cases.map((c) => ({ Condition: conditionText(c.when, scope), Next: c.next })),
          Default: step.otherwise,
        },
      ];
    case 'wait':
      return [{ Name: step.id, Type: 'Wait', ...description(step), Seconds: step.seconds, ...then(next) }];
    case 'set': {
      const { state, globals } = splitGlobals(step.at, step.value, scope);
      return [
        {
          Name: step.id,
          Type: 'Pass',
          ...description(step),
          OutputConstructor: rebuild(scope.shape, scope.writable(step.at), { literal: state }),
          ...(Object.keys(globals).length === 0 ? {} : { GlobalConstructor: globals }),
          ...then(next),
        },
      ];
    }
    case 'count':
      return [
        {
          Name: step.id,
          Type: 'Pass',
          ...description(step),
          OutputConstructor: rebuild(scope.shape, scope.writable(step.counter), {
            expr: `intAdd(${pathExpr(scope.path(step.counter))}, 1)`,
          }),
          ...then(next),
        },
      ];
    case 'succeed':
      return scope.loop === undefined ? [succeed(step, scope)] : [advanceLoop(step, scope, scope.loop)];
    case 'fail':
      return 'rethrow' in step
        ? rethrow(step.id, scope.path(step.rethrow), step)
        : [failState(step.id, step.error, step.cause, step)];
    case 'forEach':
      return step.concurrency === 1 ? sequential(step, next, scope) : [map(step, next, scope)];
    case 'startWorkflow':
      return [
        {
          Name: step.id,
          Type: 'Task',
          ...description(step),
          Action: 'FNF:StartExecution',
          TaskMode: 'RequestComplete',
          Parameters: {
            resourceArn: `acs:fnf:${REGION_PLACEHOLDER}:${ACCOUNT_PLACEHOLDER}:flow/${fdlFlowName(step.workflow)}`,
            input: fieldsConstructor(step.input, scope),
          },
          OutputConstructor: rebuild(scope.shape, scope.writable(step.resultAt), { expr: '$Output' }),
          ...then(next),
        },
      ];
  }
}

function succeed(step: Extract<Step, { kind: 'succeed' }>, scope: Scope): FdlState {
  const output = step.output;
  const single = 'kind' in output && typeof output.kind === 'string';
  if (single && scope.item === undefined) throw new TypeError(`${step.id}: a workflow ends with fields, not one value`);
  const fields: Fields = single ? { [FOREACH_VALUE_KEY]: output as Value } : (output as Fields);
  return { Name: step.id, Type: 'Succeed', ...description(step), OutputConstructor: fieldsConstructor(fields, scope) };
}

function failState(id: string, code: string, detail: string, step?: { note?: string }): FdlState {
  return { Name: id, Type: 'Fail', ...(step ? description(step) : {}), Code: code, Detail: detail };
}

function rethrow(id: string, errorAt: StatePath, step: { note?: string }): FdlState[] {
  const code = `${pathExpr([...errorAt, 'Code'])}`;
  const where = `the Detail of ${errorAt.join('.')} in this state's input`;
  return [
    {
      Name: id,
      Type: 'Choice',
      Description:
        step.note ??
        'CloudFlow fails an execution with a fixed Code: go to the Fail state named after the caught error.',
      Branches: ERROR_NAMES.map((name) => ({ Condition: `${code} == "${name}"`, Next: `${id}${name}` })),
      Default: `${id}${UNCATALOGUED_ERROR}`,
    },
    ...ERROR_NAMES.map((name) => failState(`${id}${name}`, name, `${name}: the cause is ${where}`)),
    failState(
      `${id}${UNCATALOGUED_ERROR}`,
      UNCATALOGUED_ERROR,
      `an error of CloudFlow or Function Compute itself (FC.*, FnF.*): its Code and cause are ${where}`,
    ),
  ];
}

function advanceLoop(step: Extract<Step, { kind: 'succeed' }>, scope: Scope, loop: SequentialLoop): FdlState {
  const output = step.output as Value;
  const itemField = Object.entries(loop.step.item).find(([, value]) => value.kind === 'item')?.[0];
  if (!('kind' in output) || output.kind !== 'state' || output.path.length !== 1 || output.path[0] !== itemField) {
    throw new TypeError(
      `${loop.step.id}: a one-at-a-time loop's body must end with its item (${itemField}), so its results are its items`,
    );
  }
  const index = pathExpr([loop.loopKey, 'index']);
  const remaining = pathExpr([loop.loopKey, 'remaining']);
  return {
    Name: step.id,
    Type: 'Pass',
    Description: `${loop.step.id}: this item is done; on to the next`,
    OutputConstructor: rebuild(scope.shape, [loop.loopKey], {
      template: { 'index.$': `intAdd(${index}, 1)`, 'remaining.$': `intAdd(${remaining}, -1)` },
    }),
    Next: `${loop.step.id}Next`,
  };
}

function sequential(step: ForEachStep, next: string | undefined, outer: Scope): FdlState[] {
  const inner = sequentialScopes.get(step)!;
  const loop = inner.loop!;
  const items = pathExpr(outer.path(step.items));
  const itemScope: Scope = { ...inner, item: `get(${items}, ${pathExpr([loop.loopKey, 'index'])})` };
  const stored: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(step.item)) {
    if (value.kind === 'state') continue;
    const expr = valueExpr(value, itemScope);
    if (typeof expr === 'string') stored[`${name}.$`] = expr;
    else stored[name] = expr.literal;
  }
  const first = step.steps[0]!.id;
  return [
    {
      Name: step.id,
      Type: 'Pass',
      Description:
        step.note ??
        `${step.id}: one item at a time, in order (a Choice/Pass loop: an item starts only after the one before it succeeded)`,
      OutputConstructor: rebuild(outer.shape, [loop.loopKey], {
        template: { index: 0, 'remaining.$': `length(${items})` },
      }),
      Next: `${step.id}Next`,
    },
    {
      Name: `${step.id}Next`,
      Type: 'Choice',
      Branches: [{ Condition: `${pathExpr([loop.loopKey, 'remaining'])} > 0`, Next: `${step.id}Item` }],
      Default: `${step.id}Done`,
    },
    {
      Name: `${step.id}Item`,
      Type: 'Pass',
      OutputConstructor: rebuild(outer.shape, [loop.itemKey], { template: stored }),
      Next: first,
    },
    ...emit(step.steps, itemScope, []),
    {
      Name: `${step.id}Done`,
      Type: 'Pass',
      Description: `${step.id}: every item done; its results are its items`,
      OutputConstructor: cleared(rebuild(outer.shape, outer.writable(step.resultAt), { expr: items }), [
        loop.loopKey,
        loop.itemKey,
      ]),
      ...then(next),
    },
  ];
}

/** Sets keys of a constructor to null (the loop's own keys, once the loop is over: the document shrinks again). */
function cleared(template: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out = Object.fromEntries(Object.entries(template).filter(([key]) => !keys.includes(key.replace(/\.\$$/, ''))));
  for (const key of keys) out[key] = null;
  return out;
}

function map(step: ForEachStep, next: string | undefined, outer: Scope): FdlState {
  const inner: Scope = { ...mapScopes.get(step)!, item: '$Item' };
  return {
    Name: step.id,
    Type: 'Map',
    ...description(step),
    ItemsPath: pathExpr(outer.path(step.items)),
    ItemConstructor: complete(
      inner.shape,
      fieldsConstructor(
        Object.fromEntries(Object.entries(step.item).filter(([name]) => !inner.mapAliases?.has(name))),
        { ...outer, item: '$Item' },
      ),
    ),
    MaxConcurrency: step.concurrency,
    Processor: { StartAt: step.steps[0]!.id, States: emit(step.steps, inner, []) },
    ...(globalResult(step.resultAt, outer) === undefined
      ? { OutputConstructor: rebuild(outer.shape, outer.writable(step.resultAt), { expr: '$Output.Items' }) }
      : {
          OutputConstructor: rebuild(outer.shape, null),
          GlobalConstructor: { [`${globalResult(step.resultAt, outer)}.$`]: '$Output.Items' },
        }),
    ...catches(step.catch, outer, outer),
    ...then(next),
  };
}

export const START_STATE = 'Start';

/**
 * The first state: the execution input's keys, and every other key of the document as null. From here on every
 * path a constructor copies exists; only this state reads input keys that may be absent (waitForLock).
 */
function start(workflow: Workflow, scope: Scope): FdlState {
  const inputKeys = new Set(Object.keys(workflow.input));
  const output: Record<string, unknown> = {};
  for (const key of scope.shape.children.keys()) {
    if (inputKeys.has(key)) output[`${key}.$`] = pathExpr([key]);
    else output[key] = null;
  }
  return {
    Name: START_STATE,
    Type: 'Pass',
    Description: 'The state document: the execution input, and every key a later state writes, null until then.',
    OutputConstructor: output,
    Next: workflow.steps[0]!.id,
  };
}

/** The FDL definition of a workflow (what CloudFlow and the interpreter run, once renderDeployedFlow filled in ARNs). */
export function toFdl(workflow: Workflow): FdlDefinition {
  const scope = rootScope(workflow);
  if (workflow.steps.some((step) => step.id === START_STATE)) throw new TypeError(`${START_STATE} is the FDL's own`);
  return {
    Type: 'StateMachine',
    SpecVersion: 'v1',
    Name: fdlFlowName(workflow.name),
    Description: workflow.comment,
    StartAt: START_STATE,
    States: [start(workflow, scope), ...emit(workflow.steps, scope, [])],
  };
}

// ------------------------------------------------------------------------------------------------- files

/** The statemachines/<name>.fdl.yaml text: a header for the person reading it, then the definition. */
export function renderFdlYaml(workflow: Workflow): string {
  const doc = new Document(toFdl(workflow), { aliasDuplicateObjects: false });
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
    'CloudFlow specifics (shared/flow/fdl/generate.ts): FDL has no ResultPath, so states that write rebuild the',
    'state document in an OutputConstructor; tasks invoke the Function Compute functions brokerlink-<task>',
    `(functions/alicloud), their result is $Output.Body; ${REGION_PLACEHOLDER} and ${ACCOUNT_PLACEHOLDER} are filled in at deploy`,
    "Compute's transient faults; a failed execution's Code is the caught error's name.",
  ];
  const body = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return `${header.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n')}\n${body}`;
}

/** The flow as deployed: the ARNs' `${region}` and `${uid}` filled in. */
export function renderDeployedFlow(text: string, target: { region: string; accountId: string }): string {
  if (!/^[a-z]{2}-[a-z0-9-]+$/.test(target.region)) throw new TypeError(`region ${target.region} is not a region id`);
  if (!/^\d{16}$/.test(target.accountId)) throw new TypeError(`account id ${target.accountId} is not 16 digits`);
  return text.replaceAll(REGION_PLACEHOLDER, target.region).replaceAll(ACCOUNT_PLACEHOLDER, target.accountId);
}
