/**
 * End to end on the local provider: real test brokers (Kafka protocol over TCP), the real local load balancer
 * daemon and ledger file, real server.properties edited by the real writer with bash, the real restart script,
 * and the real provision / drift-check state machines (statemachines/*.asl.yaml). See demo/lab.ts.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Lab, type LabOptions, startLab } from '../../demo/lab.ts';
import {
  apply,
  assertNoDuplicates,
  brokerPorts,
  durableFiles,
  failure,
  ledgerView,
  lockFileExists,
  planOnly,
  restartCounts,
} from './helpers.ts';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

async function open(options: LabOptions = {}): Promise<Lab> {
  lab = await startLab({ drift: 'report', ...options });
  return lab;
}

describe('provision apply on the local provider', () => {
  it('exposes three seed-configured brokers: LB mappings, EXTERNAL listeners, one restart each, verified', async () => {
    const l = await open();
    const before = await readFile(l.propertiesFile(1), 'utf8');
    expect(before).not.toContain('EXTERNAL');

    const out = await apply(l);

    expect(out.verification.ok).toBe(true);
    // 3 broker mappings + the bootstrap mapping, each created and opened to the loopback consumers.
    expect(out.report.changes.lbActions).toBe(8);
    expect([...out.report.changes.configsWritten].sort()).toEqual([1, 2, 3]);
    expect([...out.report.changes.restarted].sort()).toEqual([1, 2, 3]);
    expect(restartCounts(l)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(await ledgerView(l)).toEqual([
      'bootstrap EXTERNAL bootstrap [127.0.0.11:external,127.0.0.12:external,127.0.0.13:external]',
      'from+0 EXTERNAL broker 1 [127.0.0.11:external]',
      'from+1 EXTERNAL broker 2 [127.0.0.12:external]',
      'from+2 EXTERNAL broker 3 [127.0.0.13:external]',
    ]);
    const ports = await brokerPorts(l);
    for (const id of [1, 2, 3]) {
      const text = await readFile(l.propertiesFile(id), 'utf8');
      expect(text).toContain(`EXTERNAL://0.0.0.0:${l.ports.external}`);
      expect(text).toContain(`EXTERNAL://b${id}.kafka.demo.internal:${ports.get(id)}`);
      // the running broker re-read its file at the restart: it serves EXTERNAL on its own host
      expect(l.brokers.get(id)!.broker.ports['EXTERNAL']).toBe(l.ports.external);
    }
    expect(lockFileExists(l)).toBe(false);
  }, 60_000);

  it('changes nothing on a re-run: zero LB changes, zero writes, zero restarts', async () => {
    const l = await open();
    await apply(l);
    const files = await durableFiles(l);
    const version = (await l.readState()).version;

    const again = await apply(l);

    expect(again.verification.ok).toBe(true);
    expect(again.report.changes).toEqual({ lbActions: 0, configsWritten: [], restarted: [] });
    expect((await l.readState()).version).toBe(version);
    expect(restartCounts(l)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(await durableFiles(l)).toEqual(files);
  }, 60_000);

  it('enrolls an added broker: only it is configured and restarted, the others keep their ports', async () => {
    const l = await open();
    await apply(l);
    const ports = await brokerPorts(l);
    const files = { 1: await readFile(l.propertiesFile(1), 'utf8'), 2: await readFile(l.propertiesFile(2), 'utf8') };
    await l.addBroker(4);

    const out = await apply(l);

    expect(out.verification.ok).toBe(true);
    expect(out.report.changes.configsWritten).toEqual([4]);
    expect(out.report.changes.restarted).toEqual([4]);
    expect(restartCounts(l)).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1 });
    const after = await brokerPorts(l);
    for (const id of [1, 2, 3]) expect(after.get(id)).toBe(ports.get(id));
    expect(after.get(4)).toBe(l.ports.from + 3);
    expect(await readFile(l.propertiesFile(1), 'utf8')).toBe(files[1]);
    expect(await readFile(l.propertiesFile(2), 'utf8')).toBe(files[2]);
    await assertNoDuplicates(l);
  }, 60_000);

  it('retires a removed broker: deregistered, its port in cool-down and not reused, the others untouched', async () => {
    const l = await open({ brokerIds: [1, 2, 3], topic: false });
    await apply(l);
    await l.addBroker(4);
    await apply(l);
    const port4 = (await brokerPorts(l)).get(4)!;
    const restarts = restartCounts(l);
    const files = await durableFiles(l);

    await l.removeBroker(4);
    const out = await apply(l);

    expect(out.verification.ok).toBe(true);
    expect(out.report.changes.configsWritten).toEqual([]);
    expect(out.report.changes.restarted).toEqual([]);
    const state = await l.readState();
    const retired = state.mappings.find((m) => m.port === port4)!;
    expect(retired.brokerId).toBe(4);
    expect(retired.targets).toEqual([]);
    expect(retired.retiredAt).toBeDefined();
    const bootstrap = state.mappings.find((m) => m.role === 'bootstrap')!;
    expect(bootstrap.targets.map((t) => t.host)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13']);
    const { 4: _gone, ...others } = restarts;
    expect(restartCounts(l)).toEqual(others);
    for (const id of [1, 2, 3]) {
      const rel = Object.keys(files).find((k) => k === `hosts/${id}/etc/kafka/server.properties`)!;
      expect(await readFile(l.propertiesFile(id), 'utf8')).toBe(files[rel]);
    }
    // the plan shows the cool-down, and a new broker does not get the retired port
    const plan = await planOnly(l);
    expect(plan.exposures[0]!.retired.map((r) => [r.port, r.brokerId])).toEqual([[port4, 4]]);
    await l.addBroker(5);
    await apply(l);
    const ports = await brokerPorts(l);
    expect(ports.get(5)).not.toBe(port4);
    expect(ports.get(4)).toBe(port4);
    await assertNoDuplicates(l);
  }, 60_000);
});

describe('rolling restart safety', () => {
  it('stops the roll when a restarted broker never becomes healthy: BrokerNotReady, later brokers untouched, lock released', async () => {
    const l = await open({ rollout: { healthTimeoutSeconds: 10 } });
    const order = (await planOnly(l)).restartOrder;
    expect(order).toHaveLength(3);
    l.cluster.neverHealthy(order[0]!);

    const failed = await failure(apply(l));

    expect(failed.error).toBe('BrokerNotReady');
    expect(failed.detail).toContain(`broker ${order[0]}`);
    expect(restartCounts(l)).toEqual({ [order[0]!]: 1, [order[1]!]: 0, [order[2]!]: 0 });
    for (const id of order.slice(1)) expect(l.brokers.get(id)!.broker.ports['EXTERNAL']).toBeUndefined();
    expect(lockFileExists(l)).toBe(false);
  }, 60_000);

  it('waits while a restart would take a partition under min ISR, then fails with UnsafeToRoll and the reason', async () => {
    const l = await open({ rollout: { canRollTimeoutSeconds: 1 } });
    const order = (await planOnly(l)).restartOrder;
    const first = order[0]!;
    const topic = l.cluster.topic('orders')!;
    const partition = topic.partitions.find((p) => p.replicas.includes(first))!;
    const other = partition.replicas.find((r) => r !== first)!;
    l.cluster.shrinkIsr('orders', partition.index, [first, other]); // ISR 2 = min.insync.replicas 2
    let gateChecks = 0;

    const failed = await failure(
      apply(l, {
        onEvent: (event) => {
          if (event.type === 'StateExited' && event.state.name === 'CheckCanRoll') gateChecks += 1;
        },
      }),
    );

    expect(failed.error).toBe('UnsafeToRoll');
    expect(failed.detail).toContain(`orders-${partition.index}`);
    expect(failed.detail).toMatch(/min/i);
    expect(gateChecks).toBeGreaterThan(1);
    expect(restartCounts(l)).toEqual({ 1: 0, 2: 0, 3: 0 });
    expect(lockFileExists(l)).toBe(false);
  }, 60_000);
});

describe('concurrency and bad input', () => {
  it('lets only one of two concurrent executions work (the other gets LockHeld) and never maps a port twice', async () => {
    const l = await open();
    const results = await Promise.allSettled([
      apply(l, { executionId: 'local:provision:first' }),
      apply(l, { executionId: 'local:provision:second' }),
    ]);

    const ok = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0]!.reason as { error?: string }).error).toBe('LockHeld');
    await assertNoDuplicates(l);
    expect(await ledgerView(l)).toHaveLength(4);
    expect(restartCounts(l)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(lockFileExists(l)).toBe(false);
  }, 60_000);

  it('changes nothing for an invalid spec: SpecInvalid, ledger and files byte-identical', async () => {
    const l = await open();
    await apply(l);
    const spec = l.spec();
    const text = JSON.stringify({ ...spec, exposures: [{ ...spec.exposures[0], bootstapPort: 9092 }] });
    await l.writeSpecText(text);
    const files = await durableFiles(l);

    const failed = await failure(apply(l));

    expect(failed.error).toBe('SpecInvalid');
    expect(failed.detail).toContain('bootstapPort');
    expect(await durableFiles(l)).toEqual(files);
    expect(restartCounts(l)).toEqual({ 1: 1, 2: 1, 3: 1 });
  }, 60_000);
});

describe('drift check', () => {
  it('reports a deregistered target without changing anything (drift.action report)', async () => {
    const l = await open({ drift: 'report' });
    await apply(l);
    const state = await l.readState();
    const mapping = state.mappings.find((m) => m.role === 'broker' && m.brokerId === 2)!;
    const { createLocalLoadBalancer } = await import('../../shared/providers/local/load-balancer.ts');
    const { parseSpec } = await import('../../shared/spec/validate.ts');
    await createLocalLoadBalancer({ stateFile: l.stateFile, daemon: l.lb }).start(parseSpec(l.spec()), {
      kind: 'deregisterTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: mapping.port,
      targets: mapping.targets.map((t) => ({ id: t.id, port: t.port })),
    });
    const files = await durableFiles(l);

    const out = (await l.run('drift-check')) as { drift: number; details: string[]; repairStarted: boolean };

    expect(out.drift).toBe(1);
    expect(out.details[0]).toContain('register broker 2');
    expect(out.repairStarted).toBe(false);
    expect(l.driftReports).toHaveLength(1);
    expect(await durableFiles(l)).toEqual(files);
  }, 60_000);

  it('repairs a deregistered target and a broker whose advertised listener was changed (drift.action repair)', async () => {
    const l = await open({ drift: 'repair' });
    await apply(l);
    const expected = await ledgerView(l);
    const state = await l.readState();
    const mapping = state.mappings.find((m) => m.role === 'broker' && m.brokerId === 2)!;
    const { createLocalLoadBalancer } = await import('../../shared/providers/local/load-balancer.ts');
    const { parseSpec } = await import('../../shared/spec/validate.ts');
    await createLocalLoadBalancer({ stateFile: l.stateFile, daemon: l.lb }).start(parseSpec(l.spec()), {
      kind: 'deregisterTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: mapping.port,
      targets: mapping.targets.map((t) => ({ id: t.id, port: t.port })),
    });
    const file = l.propertiesFile(3);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(/EXTERNAL:\/\/b3\.[^,\n]+/, 'EXTERNAL://kafka-3.old.internal:9092'),
    );
    await l.runRestartScript(3);
    await l.cluster.waitFor((c) => c.inAllIsrs(3), { timeoutMs: 10_000, what: 'broker 3 back' });

    const out = (await l.run('drift-check')) as { drift: number; details: string[]; repairStarted: boolean };

    expect(out.drift).toBe(2);
    expect(out.repairStarted).toBe(true);
    expect(out.details.join('\n')).toMatch(/register broker 2/);
    expect(out.details.join('\n')).toMatch(/broker 3: .*kafka-3\.old\.internal:9092/);
    expect(await ledgerView(l)).toEqual(expected);
    expect(await readFile(file, 'utf8')).toContain(`EXTERNAL://b3.kafka.demo.internal:${mapping.port + 1}`);
    expect(restartCounts(l)).toEqual({ 1: 1, 2: 1, 3: 3 });
    const after = (await l.run('drift-check')) as { drift: number };
    expect(after.drift).toBe(0);
  }, 60_000);
});
