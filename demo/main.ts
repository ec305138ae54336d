/**
 * `npm start`: brokerlink end to end on this machine, no arguments, under a minute.
 *
 * A 3-broker Kafka (KRaft, seed-like server.properties with INTERNAL + CONTROLLER only) and the local provider's
 * load balancer run on loopback (see lab.ts for what is real and what is a test fake). Then the real provision
 * state machine plans, creates LB mappings, pushes EXTERNAL listeners, restarts brokers one by one behind the
 * Kafka safety gates and verifies bootstrap through the LB; a 4th broker is enrolled; then the LB and one
 * broker's config are broken and the drift-check state machine finds and repairs both.
 */
import { renderVerificationTable } from '../shared/kafka/verify/render.ts';
import type { VerificationReport } from '../shared/kafka/verify/report.ts';
import type { Plan } from '../shared/model/plan.ts';
import { renderPlanTable } from '../shared/plan/render.ts';
import { createLocalLoadBalancer } from '../shared/providers/local/load-balancer.ts';
import { parseSpec } from '../shared/spec/validate.ts';
import type { ProvisionReport } from '../shared/steps/report.ts';
import { javaVersion } from '../testkit/apache-kafka/install.ts';
import { startApacheLab } from './apache-lab.ts';
import { type LabBase as Lab, startLab } from './lab.ts';
import { makeStyle, progressTracker } from './progress.ts';

interface ProvisionOutput {
  report: ProvisionReport;
  verification: VerificationReport;
}
interface DriftOutput {
  drift: number;
  details: string[];
  repairStarted: boolean;
}

const style = makeStyle(process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined);
const out = (line = '') => process.stdout.write(`${line}\n`);
const timings: [string, number][] = [];

async function phase<T>(title: string, work: () => Promise<T>): Promise<T> {
  out();
  out(style.bold(`== ${title}`));
  const started = performance.now();
  const result = await work();
  timings.push([title, performance.now() - started]);
  return result;
}

function restartCounts(lab: Lab): Map<number, number> {
  return new Map([...lab.brokers.values()].map((b) => [b.id, b.restarts]));
}

async function main(lab: Lab): Promise<void> {
  const spec = lab.spec();
  const exposure = spec.exposures[0]!;
  out(style.bold('brokerlink demo: expose a self-hosted Kafka through a port-mapping load balancer'));
  out(
    `  brokers   ${[...lab.brokers.values()].map((b) => `${b.id}@${b.host}`).join(', ')} (KRaft, INTERNAL :${lab.ports.internal})`,
  );
  out(
    `  LB        127.0.0.1 bootstrap :${exposure.bootstrapPort}, broker ports ${exposure.brokerPorts.from}-${exposure.brokerPorts.to}`,
  );
  out(`  pattern   ${String(exposure.advertisedListenerPattern)}`);
  out(`  spec      ${lab.specFile}`);

  const plan = await phase('1. Plan (provision, mode plan: nothing changes)', async () => {
    const result = (await lab.run('provision', { cluster: spec.cluster, mode: 'plan' })) as { plan: Plan };
    out(renderPlanTable(result.plan));
    return result.plan;
  });

  const applied = await phase('2. Apply (provision, mode apply)', async () => {
    const tracker = progressTracker(out, style);
    const result = (await lab.run('provision', undefined, { onEvent: tracker.onEvent })) as ProvisionOutput;
    out();
    out(renderVerificationTable(result.verification));
    const changes = result.report.changes;
    out(
      `${style.green('✓')} ${changes.lbActions} LB changes, server.properties written on brokers ${changes.configsWritten.join(', ')}, ` +
        `${changes.restarted.length} brokers restarted one at a time (${changes.restarted.join(' → ')}); verification ${result.verification.ok ? style.green('passed') : style.red('FAILED')}`,
    );
    if (!result.verification.ok) throw new Error('verification failed after apply');
    return result;
  });

  await phase('3. Enroll a 4th broker', async () => {
    await lab.addBroker(4);
    out(`  broker 4 started at ${lab.hostOf(4)} with a seed server.properties and added to the spec`);
    const before = restartCounts(lab);
    const tracker = progressTracker(out, style);
    const result = (await lab.run('provision', undefined, { onEvent: tracker.onEvent })) as ProvisionOutput;
    out();
    out(renderVerificationTable(result.verification));
    const { configsWritten, restarted } = result.report.changes;
    const others = [...before].filter(([id, n]) => id !== 4 && lab.brokers.get(id)!.restarts !== n).map(([id]) => id);
    if (configsWritten.join() !== '4' || restarted.join() !== '4' || others.length > 0) {
      throw new Error(
        `enrollment touched more than broker 4: written ${configsWritten}, restarted ${restarted}, others ${others}`,
      );
    }
    const port = result.verification.checks.find((c) => c.kind === 'broker-port' && c.expectedBrokerId === 4);
    out(
      `${style.green('✓')} broker 4 enrolled on LB port ${port?.lbPort ?? '?'}: only broker 4 was configured and restarted; ` +
        `brokers 1-3 kept their ports and were not restarted; verification ${result.verification.ok ? style.green('passed') : style.red('FAILED')}`,
    );
  });

  await phase('4. Break things, then drift-check (drift.action: repair)', async () => {
    const current = parseSpec(lab.spec());
    const state = await lab.readState();
    const mapping = state.mappings.find((m) => m.role === 'broker' && m.brokerId === 2)!;
    // Done when start returns: the in-process daemon serves the change before it does.
    const adapter = createLocalLoadBalancer({ stateFile: lab.stateFile, daemon: lab.lb });
    await adapter.start(current, {
      kind: 'deregisterTargets',
      exposure: mapping.exposure,
      role: 'broker',
      port: mapping.port,
      targets: mapping.targets.map((t) => ({ id: t.id, port: t.port })),
    });
    out(`  ✗ broker 2 deregistered from LB port ${mapping.port} (someone cleaned up the "unused" target)`);
    const file = lab.propertiesFile(3);
    const { readFile, writeFile } = await import('node:fs/promises');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace(/EXTERNAL:\/\/b3\.kafka\.demo\.internal:\d+/, 'EXTERNAL://kafka-3.old.internal:9092'),
    );
    await lab.runRestartScript(3);
    await lab.waitInSync(3);
    out(
      '  ✗ broker 3: advertised.listeners rewritten by config management to kafka-3.old.internal:9092, and restarted',
    );

    const tracker = progressTracker(out, style);
    const result = (await lab.run('drift-check', undefined, { onEvent: tracker.onEvent })) as DriftOutput;
    if (result.drift === 0 || !result.repairStarted) throw new Error('drift-check did not find and repair the drift');
    const after = (await lab.run('drift-check')) as DriftOutput;
    const verified = (await lab.run('provision', { cluster: spec.cluster, mode: 'verify' })) as ProvisionOutput;
    out();
    out(renderVerificationTable(verified.verification));
    if (after.drift !== 0 || !verified.verification.ok)
      throw new Error(`still drifting after repair: ${after.details.join('; ')}`);
    out(
      `${style.green('✓')} drift found (${result.drift}) and repaired: broker 2 registered again, broker 3 advertises its LB port again; a second drift-check finds 0`,
    );
  });

  out();
  out(style.bold('Summary'));
  out(
    `  plan: ${plan.summary.lbActions} LB actions, ${plan.summary.configChanges} config changes, ${plan.summary.restarts} restarts`,
  );
  out(`  applied: ${applied.report.changes.restarted.length} brokers restarted, verification passed`);
  for (const [title, ms] of timings) out(`  ${(ms / 1000).toFixed(2).padStart(6)} s  ${title}`);
}

let lab: Lab | undefined;
let exiting: Promise<never> | undefined;
/**
 * The first reason to exit wins: an interrupt closes the lab, which makes the running phase fail, and that failure
 * must not exit early with 1 while the interrupt's cleanup is still under way.
 */
function shutdown(code: number): Promise<never> {
  exiting ??= (async () => {
    await lab?.close().catch(() => undefined);
    return process.exit(code);
  })();
  return exiting;
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

/** `npm start -- --kafka apache`: the same demo on a real Apache Kafka cluster (Java 17+, jars from tools/deps). */
function kafkaKind(argv: readonly string[]): 'test' | 'apache' {
  const at = argv.indexOf('--kafka');
  const value = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith('--kafka='))?.slice('--kafka='.length);
  if (value === undefined) return 'test';
  if (value === 'apache' || value === 'test') return value;
  process.stderr.write(`--kafka must be "apache" (real Kafka) or "test" (test brokers), got "${value}"\n`);
  process.exit(2);
}

const started = performance.now();
try {
  const kind = kafkaKind(process.argv.slice(2));
  if (kind === 'apache') {
    const java = await javaVersion();
    if (java === null || java < 17) throw new Error('--kafka apache needs Java 17 or later on PATH');
    const { ensureApacheKafka } = await import('../testkit/apache-kafka/install.ts');
    await ensureApacheKafka();
    out(style.bold('real Apache Kafka: 3 KRaft JVMs on 127.0.0.11-13 (this takes a minute or two)'));
  }
  lab = kind === 'apache' ? await startApacheLab({ drift: 'repair' }) : await startLab({ drift: 'repair', waitMs: 20 });
  await main(lab);
  out(`  ${((performance.now() - started) / 1000).toFixed(2).padStart(6)} s  total`);
  await shutdown(0);
} catch (error) {
  process.stderr.write(`${style.red('demo failed:')} ${(error as Error).stack ?? String(error)}\n`);
  await shutdown(1);
}
