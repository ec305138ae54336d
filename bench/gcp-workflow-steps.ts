/**
 * Benchmark: Cloud Workflows steps (what Workflows bills) of the generated files, executed by the bed's runner
 * (testkit/workflows) against scripted task functions over HTTP: a drift check without drift, a drift check that
 * finds drift and starts a repair, and provision in plan mode. Provision in apply mode runs on the end-to-end bed
 * (test/gcp/bed.ts: the real functions and adapters against fake Compute/Storage, test brokers, the metadata agent):
 * the first apply of 3 brokers, and a re-run that changes nothing. Prints one JSON line.
 *
 *   npx node bench/gcp-workflow-steps.ts
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLUSTER, GcpBed } from '../test/gcp/bed.ts';
import { execute, loadWorkflow, type Value } from '../testkit/workflows/interpreter.ts';

const answers: Record<string, unknown> = {
  'brokerlink-discover': { spec: { cluster: 'orders' }, observed: {} },
  'brokerlink-plan': { plan: { summary: { inSync: true } } },
  'brokerlink-report-drift': {
    cluster: 'orders',
    drift: 1,
    details: ['endpoint 9094 detached'],
    action: 'repair',
    repair: true,
    held: [],
  },
  executions: { name: 'projects/p/locations/l/workflows/brokerlink-provision/executions/e1' },
};
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const fn = (req.url ?? '').endsWith('/executions') ? 'executions' : (req.url ?? '').slice(1);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers[fn] ?? {}));
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.2.90', resolve));
const base = `http://127.0.2.90:${(server.address() as AddressInfo).port}`;
const env = {
  BROKERLINK_FUNCTIONS_URL: base,
  BROKERLINK_EXECUTIONS_API: `${base}/v1`,
  GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID: 'e0',
  GOOGLE_CLOUD_PROJECT_ID: 'p',
  GOOGLE_CLOUD_LOCATION: 'l',
};
const load = (name: string) =>
  loadWorkflow(readFileSync(new URL(`../statemachines/${name}.workflows.yaml`, import.meta.url), 'utf8'));
const steps = async (name: string, argument: Value) => {
  const result = await execute(load(name), argument, { env, sleep: async () => {} });
  if (result.state !== 'SUCCEEDED') throw new Error(`${name} failed: ${JSON.stringify(result.error)}`);
  return result.steps;
};
try {
  const noDrift = await steps('drift-check', { cluster: 'orders' });
  answers['brokerlink-plan'] = { plan: { summary: { inSync: false } } };
  const repair = await steps('drift-check', { cluster: 'orders' });
  const plan = await steps('provision', { cluster: 'orders', mode: 'plan', trigger: 'manual' });
  const apply = await applySteps();
  process.stdout.write(
    `${JSON.stringify({ figure: 'gcp-workflow-steps', driftCheckNoDrift: noDrift, driftCheckWithRepair: repair, provisionPlanMode: plan, ...apply })}\n`,
  );
} finally {
  server.close();
}

/** Provision in apply mode on the bed (hosts 127.0.2.201–250): 3 brokers from scratch, then a no-change re-run. */
async function applySteps(): Promise<{ applyThreeBrokers: number; applyNoChange: number }> {
  const bed = await GcpBed.start({ base: 200 });
  try {
    const run = async () => {
      const result = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
      if (result.state !== 'SUCCEEDED') throw new Error(`apply failed: ${JSON.stringify(result.error)}`);
      return result.steps;
    };
    return { applyThreeBrokers: await run(), applyNoChange: await run() };
  } finally {
    await bed.close();
  }
}
