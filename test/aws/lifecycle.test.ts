import { renameSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsBed, CLUSTER, PROPERTIES_PATH } from './bed.ts';

/*
 * Instance lifecycle on the AWS bed: only running instances are registered, pushed to or restarted; a new instance
 * is enrolled once its SSM agent is online and its server.properties exists (the execution waits, bounded, and
 * observes again) instead of failing on InvalidInstanceId or on the missing file.
 */

let bed: AwsBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

const stateNames = (events: { type: string; state?: { name: string } }[]) =>
  events.flatMap((event) => (event.type === 'StateEntered' && event.state ? [event.state.name] : []));

describe('instance lifecycle', () => {
  it('waits for a new instance’s SSM agent, then enrols it: no command is sent before the agent is online', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    const fresh = await bed.addBroker(4, { agent: 'unregistered' });
    // The agent registers while the execution waits (after the first look).
    bed.aws.afterNext('ssm', 'DescribeInstanceInformation', () => {
      fresh.instance.agent = 'online';
    });
    bed.aws.resetCalls();
    const { output, events } = await bed.run('provision', {
      cluster: CLUSTER,
      mode: 'apply',
      trigger: 'instance-running',
    });

    expect((output as { verification: { ok: boolean } }).verification.ok).toBe(true);
    expect(stateNames(events as never).filter((name) => name === 'WaitForEnrolment')).toHaveLength(1);
    expect(bed.aws.calls('ssm', 'SendCommand').filter((call) => call.error !== undefined)).toEqual([]);
    expect(await bed.fileText(4)).toContain('EXTERNAL://b4.orders.example.com:9096');
    expect(bed.restartLog.at(-1)).toBe(4);
  });

  it('waits for a new instance’s server.properties (its setup still runs), then enrols it: nothing registered before', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    const fresh = await bed.addBroker(4, { agent: 'online' });
    // The instance's bootstrap has not written the file yet; it does while the execution waits (after its first look).
    const file = join(fresh.root, PROPERTIES_PATH);
    await rename(file, `${file}.installing`);
    bed.aws.afterNext('ssm', 'DescribeInstanceInformation', () => {
      bed!.aws.afterNext('ssm', 'DescribeInstanceInformation', () => renameSync(`${file}.installing`, file));
    });
    bed.aws.resetCalls();
    const { output, events } = await bed.run('provision', {
      cluster: CLUSTER,
      mode: 'apply',
      trigger: 'instance-running',
    });

    expect((output as { verification: { ok: boolean } }).verification.ok).toBe(true);
    const states = stateNames(events as never);
    expect(states.filter((name) => name === 'WaitForEnrolment')).toHaveLength(1);
    // The first look read the (missing) file before anything was registered for broker 4.
    const firstWait = states.indexOf('WaitForEnrolment');
    expect(states.slice(0, firstWait)).toContain('ProbeEnrolment');
    expect(states.slice(0, firstWait)).not.toContain('RegisterBrokers');
    const sends = bed.aws.calls('ssm', 'SendCommand');
    expect(sends.filter((call) => call.error !== undefined)).toEqual([]);
    expect(
      sends.filter((call) => JSON.stringify(call.input['InstanceIds']) === JSON.stringify([fresh.instance.instanceId]))
        .length,
    ).toBeGreaterThanOrEqual(4);
    expect(await bed.fileText(4)).toContain('EXTERNAL://b4.orders.example.com:9096');
    expect(bed.restartLog.at(-1)).toBe(4);
  });

  it('a new instance whose server.properties never appears is left out after the bound and reported, not failed on', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    const fresh = await bed.addBroker(4, { agent: 'online' });
    const file = join(fresh.root, PROPERTIES_PATH);
    await rename(file, `${file}.installing`);
    const { output, events } = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    const done = output as { verification: { ok: boolean }; report: { warnings?: string[] } };
    expect(done.verification.ok).toBe(true);
    expect(stateNames(events as never).filter((name) => name === 'WaitForEnrolment')).toHaveLength(20);
    expect(JSON.stringify(done.report)).toContain('broker 4');
    expect(JSON.stringify(done.report)).toContain('no server.properties yet');
    expect(bed.aws.calls('elbv2', 'RegisterTargets').map((call) => JSON.stringify(call.input))).not.toContainEqual(
      expect.stringContaining(fresh.instance.instanceId),
    );
    expect([...bed.aws.state.listeners.values()].map((listener) => listener.port).sort()).toEqual([
      9092, 9093, 9094, 9095,
    ]);
  });

  it('gives up waiting after the bound and applies the others; the new broker is reported, not failed on', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    await bed.addBroker(4, { agent: 'unregistered' });
    const { output, events } = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    const done = output as { verification: { ok: boolean }; report: { warnings?: string[] } };
    expect(done.verification.ok).toBe(true);
    expect(stateNames(events as never).filter((name) => name === 'WaitForEnrolment')).toHaveLength(20);
    expect(JSON.stringify(done.report)).toContain('broker 4');
    expect(bed.aws.calls('ssm', 'SendCommand').map((call) => call.input['InstanceIds'])).not.toContainEqual([
      bed.brokers.get(4)!.instance.instanceId,
    ]);
    expect([...bed.aws.state.listeners.values()].map((listener) => listener.port).sort()).toEqual([
      9092, 9093, 9094, 9095,
    ]);
  });

  it('a stopped broker keeps its port and registration, is reported down, and is not pushed to or restarted', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    const stopped = bed.brokers.get(2)!;
    stopped.instance.state = 'stopped';
    await stopped.kafka.close();
    bed.aws.resetCalls();
    const restartsBefore = bed.restartLog.length;
    const { output } = await bed.run('provision', { cluster: CLUSTER, mode: 'plan' });
    const plan = (
      output as {
        plan: {
          brokers: { id: number; configChange: string; restart: boolean; reasons: string[] }[];
          actions: { kind: string; port?: number }[];
          exposures: { brokers: { id: number; port: number }[] }[];
        };
      }
    ).plan;
    expect(plan.brokers.find((broker) => broker.id === 2)).toMatchObject({
      configChange: 'down',
      restart: false,
      reasons: [expect.stringContaining('broker 2 is down (instance stopped)')],
    });
    expect(plan.actions).toEqual([]);
    expect(plan.exposures[0]!.brokers.find((broker) => broker.id === 2)?.port).toBe(9094);
    expect(bed.aws.calls('ssm', 'SendCommand')).toEqual([]);
    expect(bed.restartLog.length).toBe(restartsBefore);
  });
});
