import { describe, expect, it } from 'vitest';
import { BrokerNotReady, UnsafeToRoll } from '../kafka/safety/errors.ts';
import { cluster, topic } from '../kafka/safety/testing/snapshots.ts';
import type { PlannedBroker } from '../model/plan.ts';
import { advanceRestart, checkCanRoll, checkHealthy, type GateState, type HealthState, orderRestarts } from './roll.ts';
import { createFileCommandChannel, manualClock, snapshotAdmin } from './testing/fakes.ts';
import { localSpec } from './testing/spec.ts';

const spec = localSpec(); // healthyChecks 2, healthTimeoutSeconds 60, canRollTimeoutSeconds 30
const healthy = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])]);
const atMinIsr = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [2, 3] }])]);

describe('checkCanRoll', () => {
  it('says ok when no partition would drop below min ISR', async () => {
    const kafka = snapshotAdmin(healthy);
    const gate = await checkCanRoll(spec, 2, undefined, {
      kafka: kafka.admin,
      clock: manualClock('2026-05-01T12:00:00Z'),
    });
    expect(gate).toMatchObject({ ok: true, reasons: [], checks: 1 });
  });

  it('waits with a readable reason while unsafe, then fails with UnsafeToRoll after the deadline', async () => {
    const kafka = snapshotAdmin(atMinIsr);
    const clock = manualClock('2026-05-01T12:00:00Z');
    const first = await checkCanRoll(spec, 2, undefined, { kafka: kafka.admin, clock });
    expect(first.ok).toBe(false);
    expect(first.reasons.join(' ')).toContain('orders-0 has ISR [2,3] = min.insync.replicas 2 and includes broker 2');
    clock.advance(20);
    const second: GateState = await checkCanRoll(spec, 2, first, { kafka: kafka.admin, clock });
    expect(second).toMatchObject({ ok: false, since: first.since, checks: 2 });
    clock.advance(11);
    const error = await checkCanRoll(spec, 2, second, { kafka: kafka.admin, clock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeToRoll);
    expect((error as Error).message).toContain('rollout.canRollTimeoutSeconds');
  });

  it('becomes ok once the cluster heals inside the deadline', async () => {
    const kafka = snapshotAdmin(atMinIsr);
    const clock = manualClock('2026-05-01T12:00:00Z');
    const first = await checkCanRoll(spec, 2, undefined, { kafka: kafka.admin, clock });
    kafka.set(healthy);
    clock.advance(10);
    expect(await checkCanRoll(spec, 2, first, { kafka: kafka.admin, clock })).toMatchObject({ ok: true, checks: 2 });
  });
});

describe('checkHealthy', () => {
  const deps = (kafka: ReturnType<typeof snapshotAdmin>, clock: ReturnType<typeof manualClock>) => ({
    kafka: kafka.admin,
    clock,
  });

  it('is ready only after rollout.healthyChecks consecutive healthy observations', async () => {
    const kafka = snapshotAdmin(healthy);
    const clock = manualClock('2026-05-01T12:00:00Z');
    const first = await checkHealthy(spec, 2, undefined, deps(kafka, clock));
    expect(first.readiness).toMatchObject({ ready: false, consecutiveHealthy: 1 });
    const second = await checkHealthy(spec, 2, first, deps(kafka, clock));
    expect(second.readiness).toMatchObject({ ready: true, consecutiveHealthy: 2 });
  });

  it('resets the count when the broker drops out of an ISR again', async () => {
    const kafka = snapshotAdmin(healthy);
    const clock = manualClock('2026-05-01T12:00:00Z');
    const first = await checkHealthy(spec, 1, undefined, deps(kafka, clock));
    kafka.set(atMinIsr); // broker 1 is not in the ISR
    const second = await checkHealthy(spec, 1, first, deps(kafka, clock));
    expect(second.readiness).toMatchObject({ ready: false, consecutiveHealthy: 0 });
    expect(second.readiness.lastReasons.join(' ')).toContain('orders-0');
  });

  it('counts an unreachable cluster as an unhealthy observation, not a failure', async () => {
    const kafka = snapshotAdmin(healthy);
    kafka.down(true);
    const clock = manualClock('2026-05-01T12:00:00Z');
    const state = await checkHealthy(spec, 2, undefined, deps(kafka, clock));
    expect(state.readiness).toMatchObject({ ready: false, lastReasons: ['the cluster could not be reached'] });
  });

  it('fails with BrokerNotReady when the broker is not back within rollout.healthTimeoutSeconds', async () => {
    const kafka = snapshotAdmin(cluster([1, 3], []));
    const clock = manualClock('2026-05-01T12:00:00Z');
    let state: HealthState = await checkHealthy(spec, 2, undefined, deps(kafka, clock));
    clock.advance(59);
    state = await checkHealthy(spec, 2, state, deps(kafka, clock));
    clock.advance(2);
    const error = await checkHealthy(spec, 2, state, deps(kafka, clock)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerNotReady);
    expect((error as Error).message).toContain('later brokers are left untouched');
  });
});

describe('advanceRestart', () => {
  const broker = {
    id: 2,
    host: '127.0.0.1',
    desiredListeners: [],
    configChange: 'update',
    restart: true,
    reasons: [],
  } satisfies PlannedBroker;

  it('starts the restart with the spec method, then reports done once the command has finished', async () => {
    const channel = createFileCommandChannel({});
    const started = await advanceRestart(spec, broker, undefined, { commands: channel });
    expect(started.phase).toBe('restarting');
    expect(channel.started).toEqual([
      {
        brokerId: 2,
        command: {
          kind: 'restart',
          method: { script: '/opt/kafka/bin/restart.sh' },
          path: '/opt/kafka/config/server.properties',
        },
      },
    ]);
    const polled = await advanceRestart(spec, broker, started, { commands: channel });
    expect(polled.phase).toBe('restarting');
    expect(await advanceRestart(spec, broker, polled, { commands: channel })).toEqual({ brokerId: 2, phase: 'done' });
    expect(channel.started).toHaveLength(1);
  });
});

describe('orderRestarts', () => {
  it('puts the active controller last, using a live snapshot', async () => {
    const kafka = snapshotAdmin(cluster([1, 2, 3], [], { controllerId: 1 }));
    const order = await orderRestarts(spec, { restartOrder: [1, 2, 3] } as never, { kafka: kafka.admin });
    expect(order).toEqual([2, 3, 1]);
  });
});
