import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cluster, topic } from '../kafka/safety/testing/snapshots.ts';
import { createJobLoadBalancer } from '../providers/testing/job-load-balancer.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import type { StepDeps } from '../steps/deps.ts';
import { createFileCommandChannel, memoryLoadBalancer, memoryLock, snapshotAdmin } from '../steps/testing/fakes.ts';
import { KRAFT_PROPERTIES, localSpec } from '../steps/testing/spec.ts';
import { StateMachineDefinitionInvalid, StateMachineFailed } from './errors.ts';
import { loadDefinition, runStateMachine } from './local-state-machine.ts';

const PROVISION = new URL('../../statemachines/provision.asl.yaml', import.meta.url);

function depsFor(spec: ClusterSpec, files: Record<number, string>, overrides: Partial<StepDeps> = {}) {
  const loadBalancer = memoryLoadBalancer();
  const lock = memoryLock();
  const commands = createFileCommandChannel(files);
  const kafka = snapshotAdmin(cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])]));
  const deps: StepDeps = {
    discovery: { discoverBrokers: async (s) => s.brokers.static!.map((b) => ({ id: b.id, host: b.host })) },
    loadBalancer,
    ledger: loadBalancer.ledger,
    commands,
    lock,
    secrets: { resolve: async (ref) => Promise.reject(new Error(`no secret ${ref}`)) },
    specs: { load: async () => stringify(spec), save: async () => {} },
    notifier: { driftFound: async () => {} },
    clock: { now: () => new Date() },
    kafka: kafka.admin,
    ...overrides,
  };
  return { deps, loadBalancer, lock, commands, kafka };
}

describe('runStateMachine with statemachines/provision.asl.yaml', () => {
  let dir: string;
  let files: Record<number, string>;
  const spec = localSpec();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-sfn-'));
    files = {};
    for (const id of [1, 2, 3]) {
      files[id] = join(dir, `b${id}.properties`);
      await writeFile(files[id]!, KRAFT_PROPERTIES.replace('node.id=1', `node.id=${id}`));
    }
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('plan mode returns the plan and makes no mutating call: no lock, no LB change, no command', async () => {
    const { deps, loadBalancer, lock, commands } = depsFor(spec, files);
    const output = (await runStateMachine(
      await loadDefinition(PROVISION),
      { cluster: 'orders', mode: 'plan' },
      {
        executionId: 'exec-plan',
        deps,
      },
    )) as { mode: string; plan: { summary: { lbActions: number } } };
    expect(output.mode).toBe('plan');
    expect(output.plan.summary.lbActions).toBeGreaterThan(0);
    expect(loadBalancer.calls).toEqual(['observe']);
    expect(lock.calls).toEqual([]);
    expect(commands.started).toEqual([]);
  });

  it('fails with LockHeld and changes nothing when another execution holds the cluster lock', async () => {
    const { deps, loadBalancer, lock, commands } = depsFor(spec, files);
    await lock.acquire('orders', 'other-execution', 3600);
    const error = await runStateMachine(
      await loadDefinition(PROVISION),
      { cluster: 'orders', mode: 'apply' },
      {
        executionId: 'exec-2',
        deps,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateMachineFailed);
    expect((error as StateMachineFailed).error).toBe('LockHeld');
    expect(loadBalancer.calls).toEqual([]);
    expect(commands.started).toEqual([]);
    expect(lock.heldBy('orders')).toBe('other-execution');
  });

  it('with waitForLock, queues behind the holder and goes on once the lock is released', async () => {
    const stop = Object.assign(new Error('stop here'), { name: 'StopAfterLock' });
    const { deps, lock } = depsFor(spec, files, { discovery: { discoverBrokers: async () => Promise.reject(stop) } });
    await lock.acquire('orders', 'other-execution', 3600);
    const acquire = lock.acquire.bind(lock);
    let attempts = 0;
    lock.acquire = async (cluster, owner, ttl) => {
      attempts += 1;
      if (attempts === 3) await lock.release('orders', 'other-execution');
      return acquire(cluster, owner, ttl);
    };
    const error = await runStateMachine(
      await loadDefinition(PROVISION),
      { cluster: 'orders', mode: 'apply', waitForLock: true },
      { executionId: 'exec-w', deps, waitMs: 0 },
    ).catch((e: unknown) => e);
    // It got the lock on the third try and went on to Discover (which the test makes fail), then released it.
    expect((error as StateMachineFailed).error).toBe('StopAfterLock');
    expect(attempts).toBe(3);
    expect(lock.heldBy('orders')).toBeUndefined();
  });

  it('with waitForLock, gives up with LockHeld after 30 waits', async () => {
    const { deps, lock, loadBalancer } = depsFor(spec, files);
    await lock.acquire('orders', 'other-execution', 3600);
    const error = await runStateMachine(
      await loadDefinition(PROVISION),
      { cluster: 'orders', mode: 'apply', waitForLock: true },
      { executionId: 'exec-x', deps, waitMs: 0 },
    ).catch((e: unknown) => e);
    expect((error as StateMachineFailed).error).toBe('LockHeld');
    expect(lock.calls.filter((call) => call === 'acquire:exec-x')).toHaveLength(31);
    expect(loadBalancer.calls).toEqual([]);
  });

  it('releases the lock and fails with the step error name when a step fails', async () => {
    const failing = {
      discoverBrokers: async () => Promise.reject(Object.assign(new Error('boom'), { name: 'DiscoveryFailed' })),
    };
    const { deps, lock } = depsFor(spec, files, { discovery: failing });
    const error = await runStateMachine(
      await loadDefinition(PROVISION),
      { cluster: 'orders', mode: 'apply' },
      {
        executionId: 'exec-3',
        deps,
      },
    ).catch((e: unknown) => e);
    expect((error as StateMachineFailed).error).toBe('DiscoveryFailed');
    expect(lock.calls).toEqual(['acquire:exec-3', 'release:exec-3']);
    expect(lock.heldBy('orders')).toBeUndefined();
  });

  it('stops the roll at a broker that never becomes healthy: later brokers untouched, lock released', async () => {
    let fakeNow = Date.parse('2026-05-01T12:00:00Z');
    const clock = {
      // every look at the clock is 7 s later
      now: () => {
        fakeNow += 7_000;
        return new Date(fakeNow);
      },
    };
    const harness = depsFor(spec, files, { clock });
    const { deps, commands, lock, kafka } = harness;
    const originalStart = commands.start.bind(commands);
    commands.start = async (target, command) => {
      // The first broker restarted never comes back.
      if (command.kind === 'restart')
        kafka.set(
          cluster(
            [1, 2, 3].filter((id) => id !== target.brokerId),
            [],
          ),
        );
      return originalStart(target, command);
    };
    const error = await runStateMachine(
      await loadDefinition(PROVISION),
      { cluster: 'orders', mode: 'apply' },
      {
        executionId: 'exec-4',
        deps,
        waitMs: 0,
      },
    ).catch((e: unknown) => e);
    expect((error as StateMachineFailed).error).toBe('BrokerNotReady');
    const restarts = commands.started.filter((s) => s.command.kind === 'restart');
    expect(
      restarts.map((r) => r.brokerId),
      JSON.stringify((error as Error).message),
    ).toHaveLength(1);
    expect(lock.heldBy('orders')).toBeUndefined();
    // Config was pushed to every broker before the roll (the push is safe; only restarts are gated).
    for (const id of [1, 2, 3]) expect(await readFile(files[id]!, 'utf8')).toContain('EXTERNAL://0.0.0.0:39092');
  });

  it('waits for load balancer operations in its poll loop (Wait + poll) until every change is done', async () => {
    const jobs = createJobLoadBalancer({ pollsPerJob: 1 });
    const { deps, commands, lock } = depsFor(spec, files, { loadBalancer: jobs, ledger: jobs.ledger });
    // Stop right after the load balancer phases: the first config push fails.
    for (const id of [1, 2, 3]) commands.failNext(id, 1, 'stop after the load balancer');
    const entered: string[] = [];
    const error = await runStateMachine(
      await loadDefinition(PROVISION),
      { cluster: 'orders', mode: 'apply' },
      {
        executionId: 'exec-lb',
        deps,
        waitMs: 0,
        onEvent: (event) => {
          if (event.type === 'StateEntered') entered.push(event.state.name);
        },
      },
    ).catch((e: unknown) => e);
    expect((error as StateMachineFailed).error).toBe('CommandFailed');
    // 4 creates (2 jobs each) and 4 port openings (1 job each), each job polled twice.
    expect(entered.filter((name) => name === 'PollTargets')).toHaveLength(24);
    expect(entered.filter((name) => name === 'WaitTargets')).toHaveLength(24);
    expect(entered.filter((name) => name === 'EnsureTargets')).toHaveLength(1);
    expect(entered).toContain('RegistrationsApplied');
    expect(jobs.state().mappings.map((m) => m.port)).toEqual([19092, 19093, 19094, 19095]);
    expect(jobs.state().openPorts).toEqual([19092, 19093, 19094, 19095]);
    expect(lock.heldBy('orders')).toBeUndefined();
  });

  it('rejects an unknown mode with StepInputInvalid before doing anything', async () => {
    const { deps, lock, loadBalancer } = depsFor(spec, files);
    const error = await runStateMachine(
      await loadDefinition(PROVISION),
      { cluster: 'orders', mode: 'aplly' },
      {
        executionId: 'exec-5',
        deps,
      },
    ).catch((e: unknown) => e);
    expect((error as StateMachineFailed).error).toBe('StepInputInvalid');
    expect(lock.calls).toEqual([]);
    expect(loadBalancer.calls).toEqual([]);
  });

  it('refuses a definition whose task is not in the task table, before running anything', async () => {
    const { deps, lock } = depsFor(spec, files);
    const definition = {
      StartAt: 'Lock',
      States: { Lock: { Type: 'Task', Resource: { 'Fn::GetAtt': ['acquireLok', 'Arn'] }, End: true } },
    };
    await expect(runStateMachine(definition, { cluster: 'orders' }, { executionId: 'x', deps })).rejects.toBeInstanceOf(
      StateMachineDefinitionInvalid,
    );
    expect(lock.calls).toEqual([]);
  });
});
