import { afterEach, describe, expect, it } from 'vitest';
import { StateMachineFailed } from '../../shared/orchestration/errors.ts';
import { readListenerConfig } from '../../shared/properties/listeners.ts';
import { SsmClusterLock } from '../../shared/providers/aws/lock.ts';
import { AwsBed, CLUSTER, isMutating } from './bed.ts';

let bed: AwsBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

function externalOf(text: string) {
  const config = readListenerConfig(text);
  return {
    bind: config.listeners.endpoints.find((endpoint) => endpoint.name === 'EXTERNAL'),
    advertised: config.advertisedListeners.endpoints.find((endpoint) => endpoint.name === 'EXTERNAL'),
  };
}

describe('provision state machine on AWS (fake control plane, real brokers and files)', () => {
  it('applies 3 brokers: target groups, listeners, SG ports, config, gated restarts, verification through the NLB', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    const { output } = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });

    const done = output as { mode: string; verification: { ok: boolean }; report: unknown };
    expect(done.mode).toBe('apply');
    expect(done.verification.ok).toBe(true);
    const ports = [...bed.aws.state.listeners.values()].map((listener) => listener.port).sort();
    expect(ports).toEqual([9092, 9093, 9094, 9095]);
    for (const id of [1, 2, 3]) {
      const external = externalOf(await bed.fileText(id));
      expect(external.bind).toMatchObject({ host: '0.0.0.0', port: 39092 });
      expect(external.advertised).toMatchObject({ host: `b${id}.orders.example.com`, port: 9092 + id });
      expect(bed.brokers.get(id)!.kafka.running).toBe(true);
    }
    expect([...bed.restartLog].sort()).toEqual([1, 2, 3]);
    // The lock is released: the next execution can take it.
    const again = await bed.run('provision', { cluster: CLUSTER, mode: 'plan' });
    expect(again.output).toMatchObject({ mode: 'plan' });
  });
});

describe('provision state machine on AWS: enrollment, plan mode, failures', () => {
  it('enrolls a 4th broker: one new port and target group, only the new broker restarted', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    const before = {
      restarts: bed.restartLog.length,
      files: await Promise.all([1, 2, 3].map((id) => bed!.fileText(id))),
    };

    await bed.addBroker(4);
    const { output } = await bed.run('provision', { cluster: CLUSTER, mode: 'apply', trigger: 'instance-running' });

    expect((output as { verification: { ok: boolean } }).verification.ok).toBe(true);
    expect(bed.restartLog.slice(before.restarts)).toEqual([4]);
    expect(await Promise.all([1, 2, 3].map((id) => bed!.fileText(id)))).toEqual(before.files);
    expect(externalOf(await bed.fileText(4)).advertised).toMatchObject({ host: 'b4.orders.example.com', port: 9096 });
    const ports = [...bed.aws.state.listeners.values()].map((listener) => listener.port).sort();
    expect(ports).toEqual([9092, 9093, 9094, 9095, 9096]);
    const bootstrap = [...bed.aws.state.listeners.values()].find((listener) => listener.port === 9092)!;
    expect(bed.aws.state.targetGroups.get(bootstrap.targetGroupArn)!.targets.size).toBe(4);
  });

  it('plan mode makes zero mutating AWS calls and sends no command, and returns the full plan', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    const files = await Promise.all([1, 2, 3].map((id) => bed!.fileText(id)));
    const { output } = await bed.run('provision', { cluster: CLUSTER, mode: 'plan' });

    const plan = (output as { mode: string; plan: { actions: unknown[]; brokers: { id: number }[] } }).plan;
    expect(plan.actions.length).toBeGreaterThan(0);
    expect(plan.brokers.map((broker) => broker.id)).toEqual([1, 2, 3]);
    expect(bed.aws.calls().length).toBeGreaterThan(0);
    expect(bed.aws.calls().filter((call) => isMutating(call.operation))).toEqual([]);
    expect(bed.aws.state.listeners.size).toBe(0);
    expect(bed.restartLog).toEqual([]);
    expect(await Promise.all([1, 2, 3].map((id) => bed!.fileText(id)))).toEqual(files);
  });

  it('stops the roll at a broker that never becomes healthy, releases the lock, leaves later brokers unrestarted', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    bed.cluster.neverHealthy(2);
    const failure = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }).catch((error) => error);

    expect(failure).toBeInstanceOf(StateMachineFailed);
    expect(failure.error).toBe('BrokerNotReady');
    expect(bed.restartLog).toEqual([2]);
    const lock = new SsmClusterLock({ ssm: bed.aws.clients.ssm, clock: bed.clock });
    expect(await lock.acquire(CLUSTER, 'next-execution', 600)).toMatchObject({ acquired: true });
  });

  it('fails with the SSM error when SendCommand is refused, sends nothing else and releases the lock', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    bed.aws.fail('ssm', 'SendCommand', 'InvalidDocument', 1);
    const failure = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }).catch((error) => error);

    expect(failure).toBeInstanceOf(StateMachineFailed);
    expect(failure.error).toBe('AwsCallFailed');
    expect(failure.detail).toContain('InvalidDocument');
    expect(bed.restartLog).toEqual([]);
    const lock = new SsmClusterLock({ ssm: bed.aws.clients.ssm, clock: bed.clock });
    expect(await lock.acquire(CLUSTER, 'next-execution', 600)).toMatchObject({ acquired: true });
  });

  it('fails with CommandFailed when a broker restart command fails, and restarts no further broker', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    bed.failingRestarts.add(2);
    const failure = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }).catch((error) => error);

    expect(failure).toBeInstanceOf(StateMachineFailed);
    expect(failure.error).toBe('CommandFailed');
    expect(bed.restartLog).toEqual([2]);
  });

  it('fails with LockHeld while another execution holds the cluster lock, changing nothing', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    const lock = new SsmClusterLock({ ssm: bed.aws.clients.ssm, clock: bed.clock });
    expect(await lock.acquire(CLUSTER, 'arn:aws:states:us-west-2:123456789012:execution:other', 3600)).toMatchObject({
      acquired: true,
    });
    bed.aws.resetCalls();
    const failure = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }).catch((error) => error);

    expect(failure).toBeInstanceOf(StateMachineFailed);
    expect(failure.error).toBe('LockHeld');
    expect(bed.aws.calls().filter((call) => call.service !== 'ssm' && isMutating(call.operation))).toEqual([]);
    expect(bed.aws.calls('ssm', 'SendCommand')).toEqual([]);
    expect(bed.aws.state.listeners.size).toBe(0);
  });
});

describe('drift-check state machine on AWS', () => {
  function unregisterFromBootstrap(target: AwsBed, nodeId: number) {
    const bootstrap = [...target.aws.state.listeners.values()].find((listener) => listener.port === 9092)!;
    const group = target.aws.state.targetGroups.get(bootstrap.targetGroupArn)!;
    const instanceId = target.brokers.get(nodeId)!.instance.instanceId;
    for (const key of [...group.targets.keys()]) if (key.startsWith(instanceId)) group.targets.delete(key);
  }

  it('reports no drift right after an apply, with read-only calls only', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    bed.aws.resetCalls();
    const { output } = await bed.run('drift-check', { cluster: CLUSTER });
    expect(output).toEqual({ cluster: CLUSTER, drift: 0, details: [], repairStarted: false });
    expect(bed.aws.calls().filter((call) => isMutating(call.operation))).toEqual([]);
    expect(bed.metricLines).toEqual([]);
  });

  it('reports a hand-deregistered target as drift (metric line) without repairing when the spec says report', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    unregisterFromBootstrap(bed, 2);
    const { output } = await bed.run('drift-check', { cluster: CLUSTER });

    const report = output as { drift: number; details: string[]; repairStarted: boolean };
    expect(report.drift).toBeGreaterThan(0);
    expect(report.repairStarted).toBe(false);
    expect(report.details.join('\n')).toContain('9092');
    expect(bed.startedExecutions).toEqual([]);
    const metric = JSON.parse(bed.metricLines[0]!);
    expect(metric).toMatchObject({ Cluster: CLUSTER, BrokerlinkDrift: report.drift });
  });

  it('repairs drift when the spec says repair: starts provision in apply mode, after which no drift is left', async () => {
    bed = await AwsBed.start({ brokers: 3, drift: 'repair' });
    await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    unregisterFromBootstrap(bed, 2);
    const restartsBefore = bed.restartLog.length;

    const { output } = await bed.run('drift-check', { cluster: CLUSTER });
    expect(output).toMatchObject({ cluster: CLUSTER, repairStarted: true });
    expect(bed.startedExecutions).toEqual([{ cluster: CLUSTER, mode: 'apply', trigger: 'drift-repair' }]);
    expect(bed.restartLog.length).toBe(restartsBefore);

    const after = await bed.run('drift-check', { cluster: CLUSTER });
    expect(after.output).toMatchObject({ drift: 0, repairStarted: false });
  });
});
