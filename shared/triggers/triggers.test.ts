import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EXECUTION_NAME_MAX, executionName } from './execution.ts';
import { onInstanceRunning } from './instance-running.ts';
import { minuteStamp, onSchedule } from './schedule.ts';
import { onSpecChanged } from './spec-changed.ts';
import { MemoryInstances, MemorySpecs, MemoryWorkflowStarter, memoryLog } from './testing/fakes.ts';

/** A valid spec of the local provider (any provider will do: the decisions only compare it with theirs). */
function localSpec(cluster: string) {
  return stringify({
    cluster,
    provider: { local: { host: '127.0.0.1', stateFile: '/tmp/lb-state.json' } },
    brokers: {
      static: [{ id: 1, host: '127.0.0.11' }],
      propertiesPath: '/opt/kafka/config/server.properties',
      restart: { script: '/opt/kafka/bin/restart.sh' },
    },
    kafka: { bootstrap: ['127.0.0.11:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        bootstrapPort: 29092,
        brokerPorts: { from: 29093, to: 29099 },
        advertisedListenerPattern: 'b<broker_id>.kafka.internal:<port>',
      },
    ],
  });
}

describe('instance running', () => {
  const setup = () => {
    const instances = new MemoryInstances();
    const starter = new MemoryWorkflowStarter();
    const log = memoryLog();
    return { instances, starter, log, deps: { instances, starter, log, clusterTag: 'brokerlink:cluster' } };
  };
  const change = (state = 'running', eventId = 'ev-1') => ({
    eventId,
    instanceId: 'i-1',
    state,
    running: state === 'running',
  });

  it('starts provision in apply mode, queueing for the lock, named after the event', async () => {
    const { instances, starter, deps } = setup();
    instances.instances.set('i-1', { 'brokerlink:cluster': 'orders' });
    expect(await onInstanceRunning(change(), deps)).toEqual({
      started: true,
      executionId: 'provision:instance-orders-ev-1',
      name: 'instance-orders-ev-1',
      alreadyStarted: false,
    });
    expect([...starter.executions.values()]).toEqual([
      {
        workflow: 'provision',
        input: { cluster: 'orders', mode: 'apply', trigger: 'instance-running', waitForLock: true },
      },
    ]);
  });

  it('starts one execution for a redelivered event', async () => {
    const { instances, starter, deps } = setup();
    instances.instances.set('i-1', { 'brokerlink:cluster': 'orders' });
    await onInstanceRunning(change(), deps);
    expect(await onInstanceRunning(change(), deps)).toMatchObject({ started: true, alreadyStarted: true });
    expect(starter.executions.size).toBe(1);
  });

  it('ignores other states without a lookup, and instances that are gone, untagged or wrongly tagged', async () => {
    const { instances, starter, deps, log } = setup();
    expect(await onInstanceRunning(change('stopping'), deps)).toEqual({ started: false, reason: 'state stopping' });
    expect(instances.lookups).toEqual([]);
    expect(await onInstanceRunning(change(), deps)).toEqual({ started: false, reason: 'instance not found' });
    instances.instances.set('i-1', { Name: 'web' });
    expect(await onInstanceRunning(change(), deps)).toEqual({ started: false, reason: 'no cluster tag' });
    instances.instances.set('i-1', { 'brokerlink:cluster': 'Orders; rm -rf /' });
    expect(await onInstanceRunning(change(), deps)).toEqual({ started: false, reason: 'invalid cluster tag' });
    expect(starter.executions.size).toBe(0);
    expect(log.lines.map((line) => line.fields['eventId'])).toEqual(['ev-1', 'ev-1', 'ev-1', 'ev-1']);
  });
});

describe('spec changed', () => {
  const setup = () => {
    const specs = new MemorySpecs();
    const starter = new MemoryWorkflowStarter();
    const log = memoryLog();
    return { specs, starter, log, deps: { specs, starter, log, provider: 'local' as const } };
  };
  const change = (location = 'specs/orders', operation = 'written') => ({
    eventId: 'ev-2',
    location,
    operation,
    written: operation === 'written',
  });

  it('validates the stored spec and starts provision named after its version and event, once per event', async () => {
    const { specs, starter, deps } = setup();
    specs.write('orders', localSpec('orders'));
    specs.write('orders', localSpec('orders'));
    expect(await onSpecChanged(change(), deps)).toMatchObject({ started: true, name: 'spec-orders-v2-ev-2' });
    expect(await onSpecChanged(change(), deps)).toMatchObject({ started: true, alreadyStarted: true });
    expect([...starter.executions.values()][0]?.input).toEqual({
      cluster: 'orders',
      mode: 'apply',
      trigger: 'spec-change',
      waitForLock: true,
    });
  });

  it('a spec deleted and stored again (its version starts over) is applied: the name carries the event too', async () => {
    const { specs, starter, deps } = setup();
    specs.write('orders', localSpec('orders'));
    expect(await onSpecChanged({ ...change(), eventId: 'ev-first' }, deps)).toMatchObject({
      name: 'spec-orders-v1-ev-first',
    });
    expect(await onSpecChanged({ ...change(), eventId: 'ev-again' }, deps)).toMatchObject({
      started: true,
      alreadyStarted: false,
      name: 'spec-orders-v1-ev-again',
    });
    expect(starter.executions.size).toBe(2);
  });

  it('ignores other locations and deletions without reading anything', async () => {
    const { specs, starter, deps } = setup();
    expect(await onSpecChanged(change('specs/orders/lock'), deps)).toEqual({
      started: false,
      reason: 'not a spec object',
    });
    expect(await onSpecChanged(change('specs/orders', 'deleted'), deps)).toEqual({
      started: false,
      reason: 'operation deleted',
    });
    expect(specs.reads).toBe(0);
    expect(starter.executions.size).toBe(0);
  });

  it('refuses an invalid spec, naming the field, and starts nothing', async () => {
    const { specs, starter, deps, log } = setup();
    specs.write('orders', localSpec('orders').replace('bootstrapPort', 'bootstapPort'));
    expect(await onSpecChanged(change(), deps)).toEqual({ started: false, reason: 'spec invalid' });
    expect(log.lines.find((line) => line.level === 'error')?.message).toMatch(/exposures\[0\].*bootstapPort/s);
    expect(starter.executions.size).toBe(0);
  });

  it("refuses a spec of another cluster, and a spec of another provider than the functions'", async () => {
    const { specs, starter, deps } = setup();
    specs.write('orders', localSpec('payments'));
    expect(await onSpecChanged(change(), deps)).toEqual({ started: false, reason: 'spec is for another cluster' });
    specs.write('orders', localSpec('orders'));
    expect(await onSpecChanged(change(), { ...deps, provider: 'aws' })).toEqual({
      started: false,
      reason: 'spec for provider local',
    });
    expect(starter.executions.size).toBe(0);
  });

  it('refuses a location whose cluster name is not a valid cluster name', async () => {
    const { specs, deps } = setup();
    expect(await onSpecChanged(change('specs/Not_Valid'), deps)).toEqual({
      started: false,
      reason: 'invalid cluster name in object',
    });
    expect(specs.reads).toBe(0);
  });
});

describe('schedule', () => {
  it('starts one drift check per valid stored cluster, in name order, named after the scheduled minute', async () => {
    const specs = new MemorySpecs();
    for (const cluster of ['payments', 'orders', 'Bad Name']) specs.write(cluster, 'x');
    const starter = new MemoryWorkflowStarter();
    const deps = { specs, starter, log: memoryLog() };
    const tick = { eventId: 'ev-3', time: '2026-01-10T21:00:37Z' };
    const first = await onSchedule(tick, deps);
    const again = await onSchedule(tick, deps);
    expect(first.map((result) => result.started && result.name)).toEqual([
      'drift-orders-202601102100',
      'drift-payments-202601102100',
    ]);
    expect(again.every((result) => result.started && result.alreadyStarted)).toBe(true);
    expect([...starter.executions.values()].map((execution) => execution.input)).toEqual([
      { cluster: 'orders' },
      { cluster: 'payments' },
    ]);
  });
});

describe('execution names', () => {
  it('keep only characters every engine accepts, and at most 80 of them', () => {
    expect(executionName('spec', 'orders', 'v7')).toBe('spec-orders-v7');
    expect(executionName('instance', 'a.b', 'x/y z')).toBe('instance-a-b-x-y-z');
    expect(executionName('drift', 'c'.repeat(100))).toHaveLength(EXECUTION_NAME_MAX);
    expect(minuteStamp('2026-01-10T21:00:59.999Z')).toBe('202601102100');
  });
});
