import { stringify } from 'yaml';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../errors.ts';
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
} from '../contract.ts';
import { retryRules, samePolicy } from '../errors.ts';
import { TASK_FUNCTIONS } from './functions.ts';

/*
 * The Cloud Workflows generator: a workflow of the flow contract → Workflows YAML (statemachines/<name>.workflows.yaml,
 * `npm run generate:workflows`). Everything Workflows-specific lives here:
 *
 *  - The state document is one map variable, `state` (started from the execution argument); a StatePath
 *    ['a', 'b'] is `state.a.b`. Intermediate maps are created before a nested result is assigned.
 *  - A task is `http.post` to its Cloud Function (`BROKERLINK_FUNCTIONS_URL` + `/<function>`) with OIDC auth; the
 *    answer's body is the task output. A failed task answers `{error: {name, disposition, message}}`.
 *  - Retries come from the error catalogue through `retryRules` (the same rules as the Step Functions files): one
 *    try/retry per distinct policy, nested, each with a predicate subworkflow that matches that policy's error
 *    names (the function's answer) — so only errors whose disposition says so are ever retried. The standard
 *    policy also retries the platform's own transient faults (connection failures, timeouts, 429/502/503/504
 *    without a brokerlink error body), as the ASL adds the Lambda service faults.
 *  - Catch rules are the `except` of the outermost try: the error is put at `errorAt` as {name, disposition,
 *    message} and the step jumps to `next`; an error no rule matches is raised on. A fail step raises that same
 *    shape, so every failed execution's error reads alike whatever failed.
 *  - Waits are `sys.sleep` of at least MIN_WAIT_SECONDS (the guest-attribute read limit); no function ever sleeps.
 *  - forEach runs its items one after another (a `for` over a subworkflow per item, whose `state` is the item);
 *    that honours "at most `concurrency` at a time" and, for the rolling restart (concurrency 1), stops at the
 *    first broker that fails.
 *  - startWorkflow posts to the Workflow Executions API (`BROKERLINK_EXECUTIONS_API`) with OAuth2.
 * The subset of the syntax used here is what testkit/workflows/interpreter.ts runs (the bed's runner).
 */

type Y = Record<string, unknown>;

/**
 * The shortest wait between polls on Google Cloud: a command poll reads the VM's guest attributes, which may be
 * read at most 10 times a minute per VM, so a poll loop must not come round faster than every 6 s.
 */
export const MIN_WAIT_SECONDS = 6;
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function ref(path: StatePath, root = 'state'): string {
  for (const segment of path)
    if (!SEGMENT.test(segment))
      throw new TypeError(`state path segment ${JSON.stringify(segment)} is not a plain name`);
  return [root, ...path].join('.');
}

const expr = (text: string) => `\${${text}}`;

function value(v: Value): unknown {
  switch (v.kind) {
    case 'state':
      return expr(ref(v.path));
    case 'executionId':
      return expr('sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID")');
    case 'item':
      return expr('item');
    case 'literal':
      return literal(v.value);
  }
}

function literal(json: Json): unknown {
  if (typeof json === 'string' && json.includes('${'))
    throw new TypeError(`literal ${json} would be read as an expression`);
  if (Array.isArray(json)) return json.map(literal);
  if (json !== null && typeof json === 'object')
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, literal(v)]));
  return json;
}

function fields(input: Fields): Y {
  return Object.fromEntries(Object.entries(input).map(([name, v]) => [name, value(v)]));
}

/**
 * A task's body. Reading an absent key is a KeyError in Workflows, which would fail the execution with the
 * platform's message instead of the task's (`gcloud workflows run … --data '{"clusterName":"orders"}'` must be
 * refused naming `cluster`): execution-input fields are read with map.get, so the task sees null and says what
 * is wrong.
 */
function taskFields(out: Generated, input: Fields): Y {
  return Object.fromEntries(
    Object.entries(input).map(([name, v]) => [
      name,
      v.kind === 'state' && v.path.length === 1 && out.inputs.has(v.path[0]!)
        ? expr(`map.get(state, ${JSON.stringify(v.path[0])})`)
        : value(v),
    ]),
  );
}

/** Assignments that put `rhs` at `path`, creating the intermediate maps first. */
function assignAt(path: StatePath, rhs: unknown): Y[] {
  const out: Y[] = [];
  for (let i = 1; i < path.length; i++) {
    const prefix = path.slice(0, i);
    out.push({ [ref(prefix)]: expr(`default(map.get(state, ${JSON.stringify(prefix)}), {})`) });
  }
  out.push(path.length === 0 ? { state: rhs } : { [ref(path)]: rhs });
  return out;
}

function condition(c: Condition): string {
  const get = (path: StatePath) => `map.get(state, ${JSON.stringify(path)})`;
  switch (c.kind) {
    case 'equals':
      return `${get(c.path)} == ${JSON.stringify(c.value)}`;
    case 'isTrue':
      return `${get(c.path)} == true`;
    case 'isPresent':
      return `${get(c.path)} != null`;
    case 'lessThan':
      return `${ref(c.path)} < ${c.value}`;
    case 'and':
      return c.all.map((part) => `(${condition(part)})`).join(' and ');
    case 'or':
      return c.any.map((part) => `(${condition(part)})`).join(' or ');
  }
}

interface Generated {
  /** The execution input's names: the tasks validate them, so an absent one must reach the task (as null). */
  inputs: ReadonlySet<string>;
  subworkflows: Map<string, Y>;
  predicates: Map<string, string>;
}

/** A predicate subworkflow that is true for these error names (and, for the standard policy, platform faults). */
function predicate(out: Generated, names: readonly string[], platform: boolean): string {
  const key = `${platform}:${names.join(',')}`;
  const existing = out.predicates.get(key);
  if (existing !== undefined) return existing;
  const name = `retry_if_${out.predicates.size + 1}`;
  out.predicates.set(key, name);
  const steps: Y[] = [
    { named: { call: 'error_name', args: { e: expr('e') }, result: 'name' } },
    { known: { switch: [{ condition: expr(`name in ${JSON.stringify(names)}`), return: true }] } },
  ];
  if (platform) {
    steps.push({
      platform: {
        switch: [
          {
            condition: expr(
              '"ConnectionFailedError" in default(map.get(e, "tags"), []) or "TimeoutError" in default(map.get(e, "tags"), [])',
            ),
            return: true,
          },
          {
            condition: expr(
              'map.get(e, "code") in [429, 502, 503, 504] and map.get(e, ["body", "error", "name"]) == null',
            ),
            return: true,
          },
        ],
      },
    });
  }
  steps.push({ no: { return: false } });
  out.subworkflows.set(name, { params: ['e'], steps });
  return name;
}

function retryBlock(policy: RetryPolicy): Y {
  return {
    max_retries: policy.maxAttempts,
    backoff: {
      initial_delay: policy.intervalSeconds,
      max_delay: Math.ceil(policy.intervalSeconds * policy.backoffRate ** Math.max(policy.maxAttempts - 1, 0)),
      multiplier: policy.backoffRate,
    },
  };
}

/**
 * The except block of a task's outermost try: store the error where a catch rule says and jump; raise anything
 * unmatched as the error record {name, disposition, message} (never the platform's HttpError with the answer
 * nested in its body), so a failed execution names the error whichever step failed. Only the outermost try
 * normalises: the retry predicates inside still see platform faults' tags.
 */
function exceptBlock(rules: readonly CatchRule[]): Y {
  const cases = rules.map((rule) => ({
    condition: rule.errors === 'any' ? true : expr(`caught_name in ${JSON.stringify(rule.errors)}`),
    ...(rule.errorAt === null ? {} : { assign: assignAt(rule.errorAt, expr('caught_record')) }),
    next: rule.next,
  }));
  return {
    as: 'e',
    steps: [
      { name_error: { call: 'error_name', args: { e: expr('e') }, result: 'caught_name' } },
      {
        record_error: {
          call: 'error_record',
          args: { e: expr('e'), name: expr('caught_name') },
          result: 'caught_record',
        },
      },
      ...(cases.length === 0 ? [] : [{ route: { switch: cases } }]),
      { unmatched: { raise: expr('caught_record') } },
    ],
  };
}

function taskStep(out: Generated, step: TaskStep): Y {
  const fn = TASK_FUNCTIONS[step.task];
  const call: Y[] = [
    {
      call_task: {
        call: 'http.post',
        args: {
          url: expr(`sys.get_env("BROKERLINK_FUNCTIONS_URL") + "/${fn}"`),
          auth: { type: 'OIDC' },
          body: taskFields(out, step.input),
          timeout: 300,
        },
        result: 'response',
      },
    },
  ];
  if (step.resultAt !== null) call.push({ keep_result: { assign: assignAt(step.resultAt, expr('response.body')) } });
  // Innermost: the standard policy (with platform faults); each other policy wraps it.
  const rules = retryRules(step);
  const standard = rules.find((r) => samePolicy(r.policy, DEFAULT_RETRY_POLICY));
  const ordered = [
    { errors: standard?.errors ?? [], policy: DEFAULT_RETRY_POLICY, platform: true },
    ...rules.filter((r) => r !== standard).map((r) => ({ errors: r.errors, policy: r.policy, platform: false })),
  ];
  let body: Y = { steps: call };
  ordered.forEach((rule, index) => {
    const attempt: Y = {
      try: body,
      retry: { predicate: expr(predicate(out, rule.errors, rule.platform)), ...retryBlock(rule.policy) },
    };
    const last = index === ordered.length - 1;
    if (last) attempt.except = exceptBlock(step.catch ?? []);
    body = last ? attempt : { steps: [{ [`retry_${index + 1}`]: attempt }] };
  });
  return body;
}

function forEachStep(out: Generated, step: ForEachStep): Y {
  const sub = `item_${step.id}`;
  out.subworkflows.set(sub, { params: ['state'], steps: steps(out, step.steps) });
  const loop: Y = {
    steps: [
      { init_results: { assign: assignAt(step.resultAt, []) } },
      {
        each_item: {
          for: {
            value: 'item',
            in: expr(ref(step.items)),
            steps: [
              { run_item: { call: sub, args: { state: fields(step.item) }, result: 'item_result' } },
              {
                collect: {
                  assign: [{ [ref(step.resultAt)]: expr(`list.concat(${ref(step.resultAt)}, item_result)`) }],
                },
              },
            ],
          },
        },
      },
    ],
  };
  // The items' tasks raise error records already; the loop needs an except only to route its own catch rules.
  return step.catch !== undefined && step.catch.length > 0 ? { try: loop, except: exceptBlock(step.catch) } : loop;
}

function body(out: Generated, step: Step): Y {
  switch (step.kind) {
    case 'task':
      return taskStep(out, step);
    case 'choice':
      return {
        switch: step.cases.map((c) => ({ condition: expr(condition(c.when)), next: c.next })),
        next: step.otherwise,
      };
    case 'wait':
      return { call: 'sys.sleep', args: { seconds: Math.max(step.seconds, MIN_WAIT_SECONDS) } };
    case 'set':
      return { assign: assignAt(step.at, literal(step.value)) };
    case 'count':
      return {
        assign: [{ [ref(step.counter)]: expr(`default(map.get(state, ${JSON.stringify(step.counter)}), 0) + 1`) }],
      };
    case 'succeed': {
      const output = step.output;
      return {
        return: 'kind' in output && typeof output.kind === 'string' ? value(output as Value) : fields(output as Fields),
      };
    }
    case 'fail':
      return 'rethrow' in step
        ? { raise: expr(ref(step.rethrow)) }
        : { raise: { name: step.error, disposition: 'fail', message: step.cause } };
    case 'forEach':
      return forEachStep(out, step);
    case 'startWorkflow':
      return {
        steps: [
          {
            start_execution: {
              call: 'http.post',
              args: {
                url: expr(
                  `sys.get_env("BROKERLINK_EXECUTIONS_API") + "/projects/" + sys.get_env("GOOGLE_CLOUD_PROJECT_ID") + "/locations/" + sys.get_env("GOOGLE_CLOUD_LOCATION") + "/workflows/brokerlink-${step.workflow}/executions"`,
                ),
                auth: { type: 'OAuth2' },
                body: { argument: expr('json.encode_to_string(started_input)') },
              },
              result: 'started',
            },
          },
          { keep_started: { assign: assignAt(step.resultAt, expr('started.body')) } },
        ],
      };
  }
}

function steps(out: Generated, list: readonly Step[]): Y[] {
  return list.map((step, index) => {
    const generated = body(out, step);
    const next = (step as { next?: string }).next;
    const ends = step.kind === 'succeed' || step.kind === 'fail' || step.kind === 'choice';
    // Workflows falls through to the next step of the list as the contract does; an explicit next is kept.
    if (!ends && next !== undefined && list[index + 1]?.id !== next) generated.next = next;
    if (step.kind === 'startWorkflow') {
      // The execution argument is a JSON string of the start input.
      (generated.steps as Y[]).unshift({ start_input: { assign: [{ started_input: fields(step.input) }] } });
    }
    return { [step.id]: generated };
  });
}

const HELPERS: Record<string, Y> = {
  error_name: {
    params: ['e'],
    steps: [
      {
        pick: {
          switch: [
            { condition: expr('map.get(e, ["body", "error", "name"]) != null'), return: expr('e.body.error.name') },
            { condition: expr('map.get(e, "name") != null'), return: expr('e.name') },
            { condition: expr('len(default(map.get(e, "tags"), [])) > 0'), return: expr('e.tags[0]') },
          ],
        },
      },
      { unknown: { return: 'UnknownError' } },
    ],
  },
  error_record: {
    params: ['e', 'name'],
    steps: [
      {
        pick: {
          switch: [
            { condition: expr('map.get(e, ["body", "error", "name"]) != null'), return: expr('e.body.error') },
            { condition: expr('map.get(e, "name") != null'), return: expr('e') },
          ],
        },
      },
      {
        other: {
          return: { name: expr('name'), disposition: 'fail', message: expr('default(map.get(e, "message"), "")') },
        },
      },
    ],
  },
};

/** The Workflows definition (main + subworkflows) of a workflow of the contract. */
export function toWorkflows(workflow: Workflow): Y {
  const out: Generated = {
    inputs: new Set(Object.keys(workflow.input)),
    subworkflows: new Map(),
    predicates: new Map(),
  };
  const mainSteps = [{ init: { assign: [{ state: expr('input') }] } }, ...steps(out, workflow.steps)];
  return { main: { params: ['input'], steps: mainSteps }, ...Object.fromEntries(out.subworkflows), ...HELPERS };
}

/** The console example of the header: the cluster, and plan mode where the workflow has modes. */
function exampleArgument(workflow: Workflow): Record<string, string> {
  return { cluster: 'orders', ...('mode' in workflow.input ? { mode: 'plan' } : {}) };
}

export function renderWorkflowsYaml(workflow: Workflow): string {
  const input = Object.entries(workflow.input);
  const width = Math.max(...input.map(([name]) => name.length));
  const header = [
    `GENERATED from shared/flow/${workflow.name}.ts by \`npm run generate:workflows\`: do not edit by hand.`,
    'Google Cloud Workflows (shared/flow/workflows/generate.ts): tasks are Cloud Functions called with http.post + OIDC,',
    'retries come from the error catalogue (only errors whose disposition says so), waits are sys.sleep.',
    '',
    ...workflow.description,
    '',
    `Execution argument (gcloud workflows run brokerlink-${workflow.name} --data '${JSON.stringify(exampleArgument(workflow))}'):`,
    ...input.map(([name, meaning]) => `  ${name.padEnd(width)}  ${meaning}`),
    '',
    'Environment (gcloud workflows deploy --set-env-vars): BROKERLINK_FUNCTIONS_URL, BROKERLINK_EXECUTIONS_API.',
  ];
  return `${header.map((line) => (line === '' ? '#' : `# ${line}`)).join('\n')}\n${stringify(toWorkflows(workflow), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
