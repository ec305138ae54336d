import { describe, expect, it } from 'vitest';
import { plan } from '../plan/planner.ts';
import { createJobLoadBalancer } from '../providers/testing/job-load-balancer.ts';
import { LoadBalancerChangeFailed, LoadBalancerChangeTimedOut, StepInputInvalid } from './errors.ts';
import { advanceLoadBalancerPhase, LB_CHANGE_TIMEOUT_SECONDS, type LbPhaseProgress } from './load-balancer.ts';
import { manualClock, memoryLoadBalancer } from './testing/fakes.ts';
import { localSpec } from './testing/spec.ts';

const spec = localSpec();
const planned = plan(spec, {
  observedAt: '2026-05-01T12:00:00.000Z',
  brokers: spec.brokers.static!.map((b) => ({ id: b.id, host: `127.0.0.${b.id}` })),
  loadBalancer: { mappings: [], openPorts: [] },
});

/** Calls the step as the state machine does: again with its own output, until done. */
async function runPhase(deps: Parameters<typeof advanceLoadBalancerPhase>[4], phase: 'targets' | 'registrations') {
  const outputs: LbPhaseProgress[] = [];
  let progress: LbPhaseProgress | undefined;
  do {
    // Through JSON, as Step Functions carries it between states.
    progress = JSON.parse(JSON.stringify(await advanceLoadBalancerPhase(spec, planned, phase, progress, deps)));
    outputs.push(progress!);
    if (outputs.length > 100) throw new Error('phase never finished');
  } while (!progress!.done);
  return outputs;
}

describe('advanceLoadBalancerPhase', () => {
  it('applies a phase in one call when every change is done at once, recording the ledger as it goes', async () => {
    const lb = memoryLoadBalancer();
    const clock = manualClock('2026-05-01T12:00:00.000Z');
    const outputs = await runPhase({ loadBalancer: lb, ledger: lb.ledger, clock }, 'targets');
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ phase: 'targets', done: true, applied: 8, waiting: null, endpoint: null });
    expect(outputs[0]!.actions[0]).toContain('create EXTERNAL bootstrap port 19092');
    expect((await lb.ledger.read(spec)).map((entry) => [entry.port, entry.role, entry.brokerId])).toEqual([
      [19092, 'bootstrap', undefined],
      [19093, 'broker', 1],
      [19094, 'broker', 2],
      [19095, 'broker', 3],
    ]);
  });

  it('returns the operation it waits for, polls it on the next call, and starts an action again on continue', async () => {
    const lb = createJobLoadBalancer({ pollsPerJob: 1 });
    const clock = manualClock('2026-05-01T12:00:00.000Z');
    const outputs = await runPhase({ loadBalancer: lb, ledger: lb.ledger, clock }, 'targets');
    const first = outputs[0]!;
    expect(first).toMatchObject({ done: false, applied: 0, waiting: { operation: { id: 'job-1' }, polls: 0 } });
    expect(first.waiting?.since).toBe('2026-05-01T12:00:00.000Z');
    // 4 creates of two jobs each, 4 port openings of one job each; each job: 1 running poll, then its end.
    expect(lb.started).toHaveLength(12);
    expect(outputs.at(-1)).toMatchObject({ done: true, applied: 8, waiting: null });
    expect(lb.state().openPorts).toEqual([19092, 19093, 19094, 19095]);
    expect((await lb.ledger.read(spec)).map((entry) => entry.port)).toEqual([19092, 19093, 19094, 19095]);
  });

  it('records an action in the ledger only once the load balancer change is done', async () => {
    const lb = createJobLoadBalancer({ pollsPerJob: 3 });
    const clock = manualClock('2026-05-01T12:00:00.000Z');
    const deps = { loadBalancer: lb, ledger: lb.ledger, clock };
    let progress = await advanceLoadBalancerPhase(spec, planned, 'targets', undefined, deps);
    for (let i = 0; i < 3; i++) {
      progress = await advanceLoadBalancerPhase(spec, planned, 'targets', progress, deps);
      expect(await lb.ledger.read(spec)).toEqual([]);
    }
  });

  it('fails with the cloud’s message when an operation fails, leaving the action unrecorded', async () => {
    const lb = createJobLoadBalancer({ pollsPerJob: 0 });
    const deps = { loadBalancer: lb, ledger: lb.ledger, clock: manualClock('2026-05-01T12:00:00.000Z') };
    const started = await advanceLoadBalancerPhase(spec, planned, 'targets', undefined, deps);
    lb.failNextJob('ServerGroup quota exceeded');
    const error = await advanceLoadBalancerPhase(spec, planned, 'targets', started, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadBalancerChangeFailed);
    expect((error as Error).message).toContain('ServerGroup quota exceeded');
    expect((error as Error).message).toContain('create EXTERNAL bootstrap port 19092');
    expect(await lb.ledger.read(spec)).toEqual([]);
  });

  it('gives up after its deadline when an operation keeps running', async () => {
    const lb = createJobLoadBalancer({ pollsPerJob: 1_000 });
    const clock = manualClock('2026-05-01T12:00:00.000Z');
    const deps = { loadBalancer: lb, ledger: lb.ledger, clock };
    let progress = await advanceLoadBalancerPhase(spec, planned, 'targets', undefined, deps);
    clock.advance(LB_CHANGE_TIMEOUT_SECONDS);
    progress = await advanceLoadBalancerPhase(spec, planned, 'targets', progress, deps);
    expect(progress.waiting?.polls).toBe(1);
    clock.advance(5);
    await expect(advanceLoadBalancerPhase(spec, planned, 'targets', progress, deps)).rejects.toBeInstanceOf(
      LoadBalancerChangeTimedOut,
    );
  });

  it('waits for the private-link service’s own operations after the targets, polling them like an action’s', async () => {
    const lb = memoryLoadBalancer();
    const pending = ['op-backend', 'op-attachment'];
    const polled: string[] = [];
    const loadBalancer = {
      ...lb,
      async ensureConsumerEndpoint() {
        const next = pending.shift();
        return next === undefined
          ? { serviceName: 'projects/p/regions/r/serviceAttachments/s', notes: [] }
          : { pending: { id: next } };
      },
      async poll(_spec: unknown, operation: { id: string }) {
        polled.push(operation.id);
        return polled.filter((id) => id === operation.id).length < 2
          ? { state: 'running' as const }
          : { state: 'done' as const };
      },
    };
    const clock = manualClock('2026-05-01T12:00:00.000Z');
    const outputs = await runPhase({ loadBalancer, ledger: lb.ledger, clock }, 'targets');
    expect(outputs[0]).toMatchObject({ done: false, applied: 8, waiting: { operation: { id: 'op-backend' } } });
    expect(polled).toEqual(['op-backend', 'op-backend', 'op-attachment', 'op-attachment']);
    expect(outputs.at(-1)).toMatchObject({
      done: true,
      applied: 8,
      waiting: null,
      endpoint: { serviceName: 'projects/p/regions/r/serviceAttachments/s' },
    });
    const registrations = await runPhase({ loadBalancer, ledger: lb.ledger, clock }, 'registrations');
    expect(registrations.at(-1)).toMatchObject({ done: true, endpoint: null });
  });

  it('gives every action of a plan its own request key, the same again when the step is retried', async () => {
    const lb = memoryLoadBalancer();
    const keys: string[] = [];
    const loadBalancer = {
      ...lb,
      async start(
        s: Parameters<typeof lb.start>[0],
        action: Parameters<typeof lb.start>[1],
        context?: { requestKey: string },
      ) {
        keys.push(context!.requestKey);
        return lb.start(s, action);
      },
    };
    const deps = { loadBalancer, ledger: lb.ledger, clock: manualClock('2026-05-01T12:00:00.000Z') };
    await advanceLoadBalancerPhase(spec, planned, 'targets', undefined, deps);
    const first = [...keys];
    expect(new Set(first).size).toBe(8);
    expect(first[0]).toBe(`${planned.cluster}/${planned.generatedAt}/targets/0`);
    keys.length = 0;
    await advanceLoadBalancerPhase(spec, planned, 'targets', undefined, deps);
    expect(keys).toEqual(first);
  });

  it('refuses progress of another phase, and returns a finished phase as it is', async () => {
    const lb = memoryLoadBalancer();
    const deps = { loadBalancer: lb, ledger: lb.ledger, clock: manualClock('2026-05-01T12:00:00.000Z') };
    const done = await advanceLoadBalancerPhase(spec, planned, 'targets', undefined, deps);
    await expect(advanceLoadBalancerPhase(spec, planned, 'registrations', done, deps)).rejects.toBeInstanceOf(
      StepInputInvalid,
    );
    const calls = lb.calls.length;
    expect(await advanceLoadBalancerPhase(spec, planned, 'targets', done, deps)).toEqual(done);
    expect(lb.calls).toHaveLength(calls);
  });
});
