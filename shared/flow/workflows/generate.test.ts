import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execute, loadWorkflow, type Value } from '../../../testkit/workflows/interpreter.ts';
import { dispositionOfName, isErrorName } from '../../error-catalogue.ts';
import type { DriftReport } from '../../steps/drift.ts';
import { WORKFLOW_NAMES, WORKFLOWS } from '../index.ts';
import { TASK_FUNCTIONS } from './functions.ts';
import { renderWorkflowsYaml } from './generate.ts';

/*
 * The Cloud Workflows files generated from the flow contract: committed as generated, inside the subset the
 * bed's runner (testkit/workflows) executes, retrying only errors whose disposition says so; then executed by that
 * runner against scripted task functions over HTTP, to show the paths the contract promises (lock released on
 * failure, waits in the workflow, no retry of a fatal error, drift repair starting provision).
 */

const committed = (name: string) =>
  readFile(new URL(`../../../statemachines/${name}.workflows.yaml`, import.meta.url), 'utf8');

describe('Cloud Workflows files generated from the flow contract', () => {
  it.each(WORKFLOW_NAMES)(
    'statemachines/%s.workflows.yaml is byte for byte what the contract generates',
    async (name) => {
      // If this fails after a change to shared/flow/ or the error catalogue: npm run generate:workflows, commit both.
      expect(await committed(name)).toBe(renderWorkflowsYaml(WORKFLOWS[name]));
    },
  );

  it.each(WORKFLOW_NAMES)(
    '%s loads in the Workflows runner (known calls, reachable next targets, valid expressions)',
    async (name) => {
      expect(() => loadWorkflow(renderWorkflowsYaml(WORKFLOWS[name]))).not.toThrow();
    },
  );

  it.each(WORKFLOW_NAMES)('%s retries only catalogued errors whose disposition is retry or wait', async (name) => {
    const document = parse(await committed(name)) as Record<
      string,
      { steps: Array<Record<string, { switch?: Array<{ condition: string }> }>> }
    >;
    const predicates = Object.entries(document).filter(([sub]) => sub.startsWith('retry_if_'));
    expect(predicates.length).toBeGreaterThan(0);
    for (const [, sub] of predicates) {
      const known = sub.steps.find((step) => 'known' in step)!.known!.switch![0]!.condition;
      const names = JSON.parse(/in (\[.*\])\}$/.exec(known)![1]!) as string[];
      for (const errorName of names) {
        expect(isErrorName(errorName), errorName).toBe(true);
        expect(['retry', 'wait'], errorName).toContain(dispositionOfName(errorName as never));
      }
    }
  });

  it('calls only the deployed task functions', async () => {
    const text = (await committed('provision')) + (await committed('drift-check'));
    const called = new Set([...text.matchAll(/"\/(brokerlink-[a-z-]+)"/g)].map((m) => m[1]));
    expect([...called].every((fn) => Object.values(TASK_FUNCTIONS).includes(fn!))).toBe(true);
    expect(called.size).toBeGreaterThan(5);
  });
});

// ---------------------------------------------------------------- executions against scripted functions

type Answer = { status: number; body: unknown };
const script = new Map<string, Answer[]>();
const calls: Array<{ fn: string; body: Record<string, unknown>; auth: string | undefined }> = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const fn =
        (req.url ?? '').split('/').filter(Boolean).at(-1) === 'executions' ? 'executions' : (req.url ?? '').slice(1);
      calls.push({ fn, body: raw ? JSON.parse(raw) : {}, auth: req.headers.authorization });
      const queue = script.get(fn) ?? [
        { status: 404, body: { error: { name: 'NoSuchFunction', disposition: 'fail', message: fn } } },
      ];
      const answer = queue.length > 1 ? queue.shift()! : queue[0]!;
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.2.70', resolve));
  base = `http://127.0.2.70:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  script.clear();
  calls.length = 0;
});

const ok = (body: unknown): Answer => ({ status: 200, body });
const failWith = (status: number, name: string, disposition: string): Answer => ({
  status,
  body: { error: { name, disposition, message: `${name} (scripted)` } },
});

async function run(name: 'provision' | 'drift-check', argument: Value) {
  return execute(loadWorkflow(await committed(name)), argument, {
    sleep: async () => {},
    env: {
      BROKERLINK_FUNCTIONS_URL: base,
      BROKERLINK_EXECUTIONS_API: `${base}/v1`,
      GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID: 'exec-0001',
      GOOGLE_CLOUD_PROJECT_ID: 'kafka-prod-1',
      GOOGLE_CLOUD_LOCATION: 'us-west1',
    },
  });
}

const discovered = ok({ spec: { cluster: 'orders' }, observed: { brokers: [] } });

describe('executing the generated files', () => {
  it('drift check without drift: discover, plan, done — every call carries an OIDC token', async () => {
    script.set('brokerlink-discover', [discovered]);
    script.set('brokerlink-plan', [ok({ plan: { summary: { inSync: true } } })]);
    const result = await run('drift-check', { cluster: 'orders' });
    expect(result).toMatchObject({ state: 'SUCCEEDED', result: { cluster: 'orders', drift: 0, repairStarted: false } });
    expect(calls.map((c) => c.fn)).toEqual(['brokerlink-discover', 'brokerlink-plan']);
    expect(calls.every((c) => c.auth?.startsWith('Bearer '))).toBe(true);
  });

  it('retries a retry-disposition error with the catalogue backoff, in the workflow', async () => {
    script.set('brokerlink-discover', [
      failWith(503, 'KafkaUnavailable', 'retry'),
      failWith(503, 'KafkaUnavailable', 'retry'),
      discovered,
    ]);
    script.set('brokerlink-plan', [ok({ plan: { summary: { inSync: true } } })]);
    const result = await run('drift-check', { cluster: 'orders' });
    expect(result.state).toBe('SUCCEEDED');
    expect(result.sleeps).toEqual([2, 4]);
  });

  it('never retries a fatal error', async () => {
    script.set('brokerlink-discover', [failWith(422, 'SpecInvalid', 'fail')]);
    const result = await run('drift-check', { cluster: 'orders' });
    expect(result).toMatchObject({ state: 'FAILED', sleeps: [] });
    expect(calls.map((c) => c.fn)).toEqual(['brokerlink-discover']);
  });

  it('drift with action repair reports it and starts provision in apply mode', async () => {
    script.set('brokerlink-discover', [discovered]);
    script.set('brokerlink-plan', [ok({ plan: { summary: { inSync: false } } })]);
    script.set('brokerlink-report-drift', [
      ok({
        cluster: 'orders',
        drift: 2,
        details: ['endpoint 9094 detached'],
        action: 'repair',
        repair: true,
        held: [],
      } satisfies DriftReport),
    ]);
    script.set('executions', [
      ok({ name: 'projects/kafka-prod-1/locations/us-west1/workflows/brokerlink-provision/executions/e2' }),
    ]);
    const result = await run('drift-check', { cluster: 'orders' });
    expect(result).toMatchObject({ state: 'SUCCEEDED', result: { drift: 2, repairStarted: true } });
    const start = calls.find((c) => c.fn === 'executions')!;
    expect(JSON.parse(String(start.body.argument))).toEqual({
      cluster: 'orders',
      mode: 'apply',
      trigger: 'drift-repair',
    });
  });

  it('provision in apply mode releases the lock when a step fails, and fails with that error', async () => {
    script.set('brokerlink-acquire-lock', [
      ok({ cluster: 'orders', owner: 'exec-0001', expiresAt: '2026-12-01T12:00:00Z' }),
    ]);
    script.set('brokerlink-discover', [failWith(422, 'SpecInvalid', 'fail')]);
    script.set('brokerlink-release-lock', [ok({ released: true })]);
    const result = await run('provision', { cluster: 'orders', mode: 'apply', trigger: 'manual' });
    expect(result.state).toBe('FAILED');
    expect(JSON.stringify(result.error)).toContain('SpecInvalid');
    expect(calls.map((c) => c.fn)).toEqual([
      'brokerlink-acquire-lock',
      'brokerlink-discover',
      'brokerlink-release-lock',
    ]);
    expect(calls[0]!.body).toMatchObject({ cluster: 'orders', owner: 'exec-0001' });
  });

  it('provision in plan mode takes no lock and changes nothing', async () => {
    script.set('brokerlink-discover', [discovered]);
    script.set('brokerlink-probe-enrolment', [ok({ done: true, running: [], configPresent: {} })]);
    script.set('brokerlink-plan', [ok({ plan: { summary: { inSync: false, lbActions: 3 } } })]);
    const result = await run('provision', { cluster: 'orders', mode: 'plan', trigger: 'manual' });
    expect(result).toMatchObject({ state: 'SUCCEEDED', result: { mode: 'plan' } });
    expect(calls.map((c) => c.fn)).toEqual(['brokerlink-discover', 'brokerlink-probe-enrolment', 'brokerlink-plan']);
  });

  it('refuses an unknown mode before anything runs', async () => {
    const result = await run('provision', { cluster: 'orders', mode: 'destroy', trigger: 'manual' });
    expect(result.state).toBe('FAILED');
    expect(JSON.stringify(result.error)).toContain('StepInputInvalid');
    expect(calls).toEqual([]);
  });
});
