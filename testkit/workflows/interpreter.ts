/*
 * An interpreter of the subset of the Cloud Workflows syntax that brokerlink's workflow files use, written against
 * the public syntax reference because the independent emulator named in issue 11
 * (github.com/lemonberrylabs/gcp-cloud-workflows-emulator) cannot be had here: the Go module proxy answers
 * "403 Forbidden — This module version is not available" for it (see docs/gcp.md).
 *
 * Supported: a workflow as a list of steps or as subworkflows (`main` with `params`, others with `params` and
 * defaults); steps with `assign` (variables, `m.key`, `m["key"]`, `l[0]`), `call` (http.get/post/put/patch/
 * delete/request with `auth: {type: OIDC}`, sys.sleep, sys.log, subworkflows, standard-library functions) with
 * `args` and `result`, `switch` (conditions with `next`, `steps`, `return`, `raise`, `assign`), `next` (a step
 * name, `end`, `break`, `continue`), `return`, `raise`, `try`/`retry` (predicate subworkflow, max_retries,
 * backoff initial_delay/max_delay/multiplier)/`except` (`as`, `steps`), `for` (`value`, `index`, `in` or
 * `range`), nested `steps`. Semantics kept: expressions only when a whole string is `${...}`; variables are
 * scoped to a subworkflow, names first assigned inside a `for` body stay local to the loop; a non-2xx HTTP answer
 * raises `{message, code, headers, body, tags: [HttpError]}`; a retry counts as another step; an execution stops
 * with ResourceLimitError past `maxSteps` (100,000 by default, the documented limit) or past 512 KB of variables.
 * Anything else (parallel, connectors, unknown keys) is refused when the file is loaded, naming the step.
 */
import { parse as parseYaml } from 'yaml';
import { BrokerlinkError } from '../../shared/errors.ts';
import {
  evaluate,
  hasTag,
  type Library,
  member,
  parseExpression,
  raiseTagged,
  type Scope,
  standardLibrary,
  type Value,
  WorkflowError,
} from './expression.ts';

export type { Value } from './expression.ts';
export { WorkflowError } from './expression.ts';

type Json = { [key: string]: Value };
type Step = { name: string; body: Json; path: string };

interface Subworkflow {
  params: Array<{ name: string; default?: Value; required: boolean }>;
  steps: Step[];
}

export interface Workflow {
  subworkflows: Map<string, Subworkflow>;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Value | undefined;
  timeoutSeconds: number;
  auth: { type: string; audience?: string } | undefined;
}

export interface HttpResponse {
  code: number;
  headers: Record<string, string>;
  body: Value;
}

export interface ExecuteOptions {
  http?: (request: HttpRequest) => Promise<HttpResponse>;
  /** How a `sys.sleep` passes (default: a real timer). Tests scale it down; the seconds asked are recorded. */
  sleep?: (seconds: number) => Promise<void>;
  maxSteps?: number;
  env?: Record<string, string>;
  now?: () => number;
}

export interface ExecutionResult {
  state: 'SUCCEEDED' | 'FAILED';
  result: Value;
  error: Value;
  /** Steps executed (retries included), as Workflows bills them. */
  steps: number;
  sleeps: number[];
  logs: Value[];
  http: Array<{ method: string; url: string; body: Value | undefined; code: number | null }>;
}

const STEP_KEYS = new Set([
  'assign',
  'call',
  'args',
  'result',
  'switch',
  'next',
  'return',
  'raise',
  'try',
  'retry',
  'except',
  'for',
  'steps',
]);
const BUILTIN_CALLS = new Set([
  'http.get',
  'http.post',
  'http.put',
  'http.patch',
  'http.delete',
  'http.request',
  'sys.sleep',
  'sys.log',
]);
const VARIABLE_LIMIT = 512 * 1024;

export class WorkflowInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'WorkflowInvalid';
}

// ------------------------------------------------------------------ loading

function isMap(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function steps(raw: unknown, path: string): Step[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new WorkflowInvalid(`${path}: steps must be a non-empty list`);
  return raw.map((item, index) => {
    if (!isMap(item) || Object.keys(item).length !== 1)
      throw new WorkflowInvalid(`${path}[${index}]: a step is a map with one key, its name`);
    const [name, body] = Object.entries(item)[0]!;
    if (!isMap(body)) throw new WorkflowInvalid(`${path}.${name}: the step body must be a map`);
    return { name, body, path: `${path}.${name}` };
  });
}

/** Parses and checks a workflow file: unknown keys, unknown calls, bad `next` targets and bad expressions are errors. */
export function loadWorkflow(text: string): Workflow {
  const document = parseYaml(text) as unknown;
  const subworkflows = new Map<string, Subworkflow>();
  if (Array.isArray(document)) subworkflows.set('main', { params: [], steps: steps(document, 'main') });
  else if (isMap(document)) {
    for (const [name, raw] of Object.entries(document)) {
      if (!isMap(raw)) throw new WorkflowInvalid(`${name}: a subworkflow is a map with params and steps`);
      for (const key of Object.keys(raw))
        if (key !== 'params' && key !== 'steps') throw new WorkflowInvalid(`${name}.${key}: unknown key`);
      const params = (Array.isArray(raw.params) ? raw.params : []).map((param) => {
        if (typeof param === 'string') return { name: param, required: true };
        if (isMap(param) && Object.keys(param).length === 1) {
          const [paramName, value] = Object.entries(param)[0]!;
          return { name: paramName, default: value, required: false };
        }
        throw new WorkflowInvalid(`${name}.params: each param is a name or {name: default}`);
      });
      subworkflows.set(name, { params, steps: steps(raw.steps, name) });
    }
  } else throw new WorkflowInvalid('a workflow is a list of steps or a map of subworkflows');
  if (!subworkflows.has('main')) throw new WorkflowInvalid('the workflow has no main');
  const workflow = { subworkflows };
  for (const [, sub] of subworkflows) check(workflow, sub.steps, []);
  return workflow;
}

function checkValue(value: unknown, path: string): void {
  if (typeof value === 'string') {
    const expression = expressionOf(value);
    if (expression !== null) {
      try {
        parseExpression(expression);
      } catch (error) {
        throw new WorkflowInvalid(`${path}: ${(error as Error).message}`);
      }
    }
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkValue(item, `${path}[${i}]`);
  } else if (isMap(value)) for (const [k, v] of Object.entries(value)) checkValue(v, `${path}.${k}`);
}

function check(workflow: Workflow, list: Step[], outer: Step[][]): void {
  const scopes = [list, ...outer];
  const reachable = (target: string) =>
    ['end', 'break', 'continue'].includes(target) || scopes.some((s) => s.some((step) => step.name === target));
  for (const step of list) {
    const body = step.body;
    for (const key of Object.keys(body))
      if (!STEP_KEYS.has(key)) throw new WorkflowInvalid(`${step.path}: unsupported key ${key}`);
    if (typeof body.next === 'string' && !reachable(body.next))
      throw new WorkflowInvalid(`${step.path}: next ${body.next} is not a step in scope`);
    if (body.call !== undefined) {
      const call = String(body.call);
      if (!BUILTIN_CALLS.has(call) && !workflow.subworkflows.has(call) && !(call in standardLibrary())) {
        throw new WorkflowInvalid(`${step.path}: unknown call ${call}`);
      }
    }
    if (
      body.result !== undefined &&
      (typeof body.result !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(body.result))
    ) {
      throw new WorkflowInvalid(`${step.path}: result must be a variable name`);
    }
    for (const key of ['args', 'return', 'raise', 'assign'])
      if (body[key] !== undefined) checkValue(body[key], `${step.path}.${key}`);
    if (body.switch !== undefined) {
      if (!Array.isArray(body.switch)) throw new WorkflowInvalid(`${step.path}.switch: must be a list`);
      for (const [i, condition] of body.switch.entries()) {
        if (!isMap(condition) || condition.condition === undefined)
          throw new WorkflowInvalid(`${step.path}.switch[${i}]: needs a condition`);
        checkValue(condition.condition, `${step.path}.switch[${i}].condition`);
        if (typeof condition.next === 'string' && !reachable(condition.next))
          throw new WorkflowInvalid(`${step.path}.switch[${i}]: next ${condition.next} is not a step in scope`);
        if (condition.steps !== undefined) check(workflow, steps(condition.steps, `${step.path}.switch[${i}]`), scopes);
      }
    }
    if (body.steps !== undefined) check(workflow, steps(body.steps, step.path), scopes);
    if (body.for !== undefined) {
      const loop = body.for;
      if (!isMap(loop) || typeof loop.value !== 'string' || (loop.in === undefined) === (loop.range === undefined)) {
        throw new WorkflowInvalid(`${step.path}.for: needs value and exactly one of in / range`);
      }
      check(workflow, steps(loop.steps, `${step.path}.for`), scopes);
    }
    if (body.try !== undefined) {
      const attempt = body.try;
      if (!isMap(attempt)) throw new WorkflowInvalid(`${step.path}.try: must be a map`);
      if (attempt.steps !== undefined) check(workflow, steps(attempt.steps, `${step.path}.try`), scopes);
      else check(workflow, [{ name: `${step.name}.try`, body: attempt, path: `${step.path}.try` }], scopes);
      if (body.retry !== undefined) {
        const retry = body.retry;
        if (!isMap(retry) || typeof retry.predicate !== 'string')
          throw new WorkflowInvalid(`${step.path}.retry: needs a predicate`);
        const predicate = expressionOf(retry.predicate);
        if (predicate === null || !workflow.subworkflows.has(predicate))
          throw new WorkflowInvalid(`${step.path}.retry.predicate: must name a subworkflow as \${name}`);
      }
      if (body.except !== undefined) {
        const except = body.except;
        if (!isMap(except) || typeof except.as !== 'string')
          throw new WorkflowInvalid(`${step.path}.except: needs as and steps`);
        check(workflow, steps(except.steps, `${step.path}.except`), scopes);
      }
    }
  }
}

function expressionOf(value: string): string | null {
  const match = /^\$\{([\s\S]*)\}$/.exec(value.trim());
  return match ? match[1]! : null;
}

// ------------------------------------------------------------------ execution

class Jump {
  readonly target: string;
  constructor(target: string) {
    this.target = target;
  }
}
class Return {
  readonly value: Value;
  constructor(value: Value) {
    this.value = value;
  }
}

class Frame implements Scope {
  readonly vars: Map<string, Value>;
  readonly parent: Frame | undefined;
  constructor(parent?: Frame) {
    this.vars = new Map();
    this.parent = parent;
  }
  has(name: string): boolean {
    return this.vars.has(name) || (this.parent?.has(name) ?? false);
  }
  get(name: string): Value {
    if (this.vars.has(name)) return this.vars.get(name)!;
    if (this.parent) return this.parent.get(name);
    raiseTagged('ValueError', `variable not defined: ${name}`);
  }
  set(name: string, value: Value): void {
    if (!this.vars.has(name) && this.parent?.has(name)) this.parent.set(name, value);
    else this.vars.set(name, value);
  }
  size(): number {
    let bytes = 0;
    for (const value of this.vars.values()) bytes += JSON.stringify(value)?.length ?? 0;
    return bytes + (this.parent?.size() ?? 0);
  }
}

class Execution {
  readonly workflow: Workflow;
  readonly options: ExecuteOptions;
  readonly library: Library;
  readonly result: ExecutionResult = {
    state: 'SUCCEEDED',
    result: null,
    error: null,
    steps: 0,
    sleeps: [],
    logs: [],
    http: [],
  };

  constructor(workflow: Workflow, options: ExecuteOptions) {
    this.workflow = workflow;
    this.options = options;
    this.library = standardLibrary({
      ...(options.now ? { now: options.now } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
  }

  value(raw: unknown, frame: Frame): Value {
    if (typeof raw === 'string') {
      const expression = expressionOf(raw);
      return expression === null ? raw : evaluate(parseExpression(expression), frame, this.library);
    }
    if (Array.isArray(raw)) return raw.map((item) => this.value(item, frame));
    if (isMap(raw)) return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, this.value(v, frame)]));
    return raw as Value;
  }

  async subworkflow(name: string, args: Json): Promise<Value> {
    const sub = this.workflow.subworkflows.get(name)!;
    const frame = new Frame();
    for (const param of sub.params) {
      if (Object.hasOwn(args, param.name)) frame.set(param.name, args[param.name]!);
      else if (!param.required) frame.set(param.name, this.value(param.default, frame));
      else raiseTagged('TypeError', `${name}: missing argument ${param.name}`);
    }
    for (const key of Object.keys(args))
      if (!sub.params.some((p) => p.name === key)) raiseTagged('TypeError', `${name}: unexpected argument ${key}`);
    try {
      await this.steps(sub.steps, frame);
    } catch (signal) {
      if (signal instanceof Return) return signal.value;
      if (signal instanceof Jump && signal.target === 'end') return null;
      throw signal;
    }
    return null;
  }

  async steps(list: Step[], frame: Frame): Promise<void> {
    let index = 0;
    while (index < list.length) {
      const step = list[index]!;
      let next: string | undefined;
      try {
        next = await this.step(step, frame);
      } catch (signal) {
        if (signal instanceof Jump && list.some((s) => s.name === signal.target)) {
          index = list.findIndex((s) => s.name === signal.target);
          continue;
        }
        throw signal;
      }
      if (next === undefined) index++;
      else if (list.some((s) => s.name === next)) index = list.findIndex((s) => s.name === next);
      else throw new Jump(next);
    }
  }

  count(): void {
    this.result.steps++;
    if (this.result.steps > (this.options.maxSteps ?? 100_000))
      raiseTagged('ResourceLimitError', 'the execution exceeded its step limit');
  }

  /** Runs one step; returns the `next` target, if any. */
  async step(step: Step, frame: Frame): Promise<string | undefined> {
    this.count();
    const body = step.body;
    if (body.try !== undefined) {
      await this.attempt(step, frame);
      return body.next as string | undefined;
    }
    if (body.assign !== undefined) {
      for (const entry of body.assign as Value[]) {
        const [target, raw] = Object.entries(entry as Json)[0]!;
        this.assign(target, this.value(raw, frame), frame);
      }
      if (frame.size() > VARIABLE_LIMIT) raiseTagged('ResourceLimitError', 'variables exceed 512 KB');
    }
    if (body.call !== undefined) {
      const value = await this.call(
        String(body.call),
        isMap(body.args) ? (this.value(body.args, frame) as Json) : {},
        frame,
      );
      if (typeof body.result === 'string') {
        frame.set(body.result, value);
        if (frame.size() > VARIABLE_LIMIT) raiseTagged('ResourceLimitError', 'variables exceed 512 KB');
      }
    }
    if (body.switch !== undefined) {
      for (const condition of body.switch as Json[]) {
        const holds = this.value(condition.condition, frame);
        if (typeof holds !== 'boolean') raiseTagged('TypeError', `${step.path}: a switch condition must be a boolean`);
        if (!holds) continue;
        if (condition.assign !== undefined) {
          for (const entry of condition.assign as Value[]) {
            const [target, raw] = Object.entries(entry as Json)[0]!;
            this.assign(target, this.value(raw, frame), frame);
          }
        }
        if (condition.steps !== undefined) await this.steps(steps(condition.steps, step.path), frame);
        if (condition.raise !== undefined) throw new WorkflowError(this.value(condition.raise, frame));
        if (condition.return !== undefined) throw new Return(this.value(condition.return, frame));
        if (typeof condition.next === 'string') return condition.next;
        break;
      }
    }
    if (body.for !== undefined) await this.loop(step, frame);
    if (body.steps !== undefined) await this.steps(steps(body.steps, step.path), frame);
    if (body.raise !== undefined) throw new WorkflowError(this.value(body.raise, frame));
    if (body.return !== undefined) throw new Return(this.value(body.return, frame));
    return body.next as string | undefined;
  }

  assign(target: string, value: Value, frame: Frame): void {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]+\])*)$/.exec(target);
    if (!match) raiseTagged('ValueError', `cannot assign to ${target}`);
    const [, name, path] = match;
    if (!path) {
      frame.set(name!, value);
      return;
    }
    const keys = [...path.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]/g)].map((m) =>
      m[1] !== undefined ? (m[1] as Value) : evaluate(parseExpression(m[2]!), frame, this.library),
    );
    const root = structuredClone(frame.get(name!));
    let container: Value = root;
    for (const key of keys.slice(0, -1)) container = member(container, key);
    const last = keys.at(-1)!;
    if (Array.isArray(container)) {
      if (typeof last !== 'number' || last < 0 || last >= container.length)
        raiseTagged('IndexError', `cannot assign ${target}`);
      container[last] = value;
    } else if (isMap(container) && typeof last === 'string') container[last] = value;
    else raiseTagged('TypeError', `cannot assign ${target}`);
    frame.set(name!, root);
  }

  async loop(step: Step, frame: Frame): Promise<void> {
    const loop = step.body.for as Json;
    let items: Value[];
    if (loop.in !== undefined) {
      const list = this.value(loop.in, frame);
      if (!Array.isArray(list)) raiseTagged('TypeError', `${step.path}.for.in must be a list`);
      items = list;
    } else {
      const range = this.value(loop.range, frame);
      if (!Array.isArray(range) || range.length !== 2 || typeof range[0] !== 'number' || typeof range[1] !== 'number') {
        raiseTagged('TypeError', `${step.path}.for.range must be [start, end]`);
      }
      items = [];
      for (let i = range[0]; i <= range[1]; i++) items.push(i);
    }
    const body = steps(loop.steps, `${step.path}.for`);
    for (const [index, item] of items.entries()) {
      const inner = new Frame(frame);
      inner.vars.set(String(loop.value), item);
      if (typeof loop.index === 'string') inner.vars.set(loop.index, index);
      try {
        await this.steps(body, inner);
      } catch (signal) {
        if (signal instanceof Jump && signal.target === 'break') break;
        if (signal instanceof Jump && signal.target === 'continue') continue;
        throw signal;
      }
    }
  }

  async attempt(step: Step, frame: Frame): Promise<void> {
    const body = step.body;
    const attempt = body.try as Json;
    const retry = isMap(body.retry) ? body.retry : undefined;
    const except = isMap(body.except) ? body.except : undefined;
    let retries = 0;
    let delay = Number((retry?.backoff as Json | undefined)?.initial_delay ?? 1);
    for (;;) {
      try {
        if (attempt.steps !== undefined) await this.steps(steps(attempt.steps, `${step.path}.try`), frame);
        else {
          const next = await this.step({ name: step.name, body: attempt, path: `${step.path}.try` }, frame);
          if (next !== undefined) throw new Jump(next);
        }
        return;
      } catch (error) {
        if (!(error instanceof WorkflowError)) throw error;
        if (retry && retries < Number(retry.max_retries ?? 0)) {
          const predicate = expressionOf(String(retry.predicate))!;
          const sub = this.workflow.subworkflows.get(predicate)!;
          const decision = await this.subworkflow(predicate, { [sub.params[0]!.name]: error.value });
          if (decision === true) {
            retries++;
            await this.sleep(delay);
            const backoff = (retry.backoff ?? {}) as Json;
            delay = Math.min(delay * Number(backoff.multiplier ?? 2), Number(backoff.max_delay ?? 60));
            this.count();
            continue;
          }
        }
        if (!except) throw error;
        frame.set(String(except.as), error.value);
        await this.steps(steps(except.steps, `${step.path}.except`), frame);
        return;
      }
    }
  }

  async sleep(seconds: number): Promise<void> {
    this.result.sleeps.push(seconds);
    await (this.options.sleep ?? ((s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000))))(seconds);
  }

  async call(name: string, args: Json, _frame: Frame): Promise<Value> {
    if (name === 'sys.sleep') {
      const seconds = args.seconds;
      if (typeof seconds !== 'number' || seconds < 0) raiseTagged('TypeError', 'sys.sleep needs seconds ≥ 0');
      await this.sleep(seconds);
      return null;
    }
    if (name === 'sys.log') {
      this.result.logs.push(args.data ?? args.text ?? args.json ?? null);
      return null;
    }
    if (name.startsWith('http.')) return this.http(name, args);
    if (this.workflow.subworkflows.has(name)) return this.subworkflow(name, args);
    const fn = this.library[name];
    if (!fn) raiseTagged('ValueError', `unknown call ${name}`);
    return fn(...Object.values(args));
  }

  async http(name: string, args: Json): Promise<Value> {
    const method = name === 'http.request' ? String(args.method ?? 'GET').toUpperCase() : name.slice(5).toUpperCase();
    if (typeof args.url !== 'string') raiseTagged('TypeError', `${name} needs a url`);
    const auth = isMap(args.auth)
      ? {
          type: String(args.auth.type),
          ...(typeof args.auth.audience === 'string' ? { audience: args.auth.audience } : {}),
        }
      : undefined;
    const request: HttpRequest = {
      method,
      url: args.url,
      headers: isMap(args.headers)
        ? (Object.fromEntries(Object.entries(args.headers).map(([k, v]) => [k, String(v)])) as Record<string, string>)
        : {},
      query: isMap(args.query)
        ? (Object.fromEntries(Object.entries(args.query).map(([k, v]) => [k, String(v)])) as Record<string, string>)
        : {},
      body: args.body,
      timeoutSeconds: Math.min(Number(args.timeout ?? 300), 1800),
      auth,
    };
    const record = { method, url: request.url, body: request.body, code: null as number | null };
    this.result.http.push(record);
    const response = await (this.options.http ?? fetchHttp)(request);
    record.code = response.code;
    if (response.code < 200 || response.code > 299) {
      throw new WorkflowError({
        message: `HTTP server responded with error code ${response.code}`,
        code: response.code,
        headers: response.headers,
        body: response.body,
        tags: ['HttpError'],
      });
    }
    return { code: response.code, headers: response.headers, body: response.body };
  }
}

/** http.* over real HTTP. OIDC auth becomes a bearer token whose audience is the URL (unsigned: a local stand-in). */
export async function fetchHttp(request: HttpRequest): Promise<HttpResponse> {
  const url = new URL(request.url);
  for (const [k, v] of Object.entries(request.query)) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...request.headers };
  if (request.auth?.type === 'OIDC')
    headers.authorization = `Bearer ${fakeIdToken(request.auth.audience ?? `${url.origin}${url.pathname}`)}`;
  let body: string | undefined;
  if (request.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body =
      typeof request.body === 'string' && !headers['content-type'].includes('json')
        ? request.body
        : JSON.stringify(request.body);
  }
  let answer: Response;
  try {
    answer = await fetch(url, {
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(request.timeoutSeconds * 1000),
    });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new WorkflowError({
      message: `${timedOut ? 'timeout' : 'connection failed'}: ${(error as Error).message}`,
      tags: [timedOut ? 'TimeoutError' : 'ConnectionFailedError'],
    });
  }
  const text = await answer.text();
  const type = answer.headers.get('content-type') ?? '';
  let value: Value = text;
  if (type.includes('json') && text.length > 0) {
    try {
      value = JSON.parse(text) as Value;
    } catch {
      value = text;
    }
  }
  return { code: answer.status, headers: Object.fromEntries(answer.headers), body: value };
}

export function fakeIdToken(audience: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud: audience, iss: 'https://accounts.google.com', sub: 'workflows-local' })}.`;
}

export async function execute(
  workflow: Workflow,
  argument: Value,
  options: ExecuteOptions = {},
): Promise<ExecutionResult> {
  const execution = new Execution(workflow, options);
  const main = workflow.subworkflows.get('main')!;
  try {
    const args: Json = main.params.length > 0 && argument !== null ? { [main.params[0]!.name]: argument } : {};
    execution.result.result = await execution.subworkflow('main', args);
  } catch (error) {
    execution.result.state = 'FAILED';
    if (error instanceof WorkflowError) execution.result.error = error.value;
    else if (error instanceof Jump)
      execution.result.error = { message: `next ${error.target} is not a step in scope`, tags: ['ValueError'] };
    else throw error;
  }
  return execution.result;
}

export { hasTag };
