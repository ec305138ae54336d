/**
 * Benchmark: Cloud Workflows steps (what Workflows bills) of the generated files, executed by the bed's runner
 * (testkit/workflows) against scripted task functions over HTTP: a drift check without drift, a drift check that
 * finds drift and starts a repair, and provision in plan mode. Prints one JSON line.
 *
 *   npx node bench/gcp-workflow-steps.ts
 *
 * Provision in apply mode needs the load-balancer adapter on the start + poll port (issue 8), not landed yet.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, loadWorkflow, type Value } from '../testkit/workflows/interpreter.ts';

const answers: Record<string, unknown> = {
  'brokerlink-discover': { spec: { cluster: 'orders' }, observed: {} },
  'brokerlink-plan': { plan: { summary: { inSync: true } } },
  'brokerlink-report-drift': { drift: 1, details: ['endpoint 9094 detached'], action: 'repair' },
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
  process.stdout.write(
    `${JSON.stringify({ figure: 'gcp-workflow-steps', driftCheckNoDrift: noDrift, driftCheckWithRepair: repair, provisionPlanMode: plan })}\n`,
  );
} finally {
  server.close();
}
