import { describe, expect, it } from 'vitest';
import { BrokerNotReady, UnsafeToRoll } from '../kafka/safety/errors.ts';
import { cluster, topic } from '../kafka/safety/testing/snapshots.ts';
import type { PlannedBroker } from '../model/plan.ts';
import { KafkaUnavailable } from './errors.ts';
import { advanceRestart, checkCanRoll, checkHealthy, type GateState, type HealthState, orderRestarts } from './roll.ts';
import { createFileCommandChannel, manualClock, snapshotAdmin } from './testing/fakes.ts';
import { localSpec } from './testing/spec.ts';

const spec = localSpec(); // healthyChecks 2, healthTimeoutSeconds 60, canRollTimeoutSeconds 30
const healthy = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])]);
const atMinIsr = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [2, 3] }])]);

describe('checkCanRoll', () => {
  it('says ok when no partition would drop below min ISR', async () => {
    const kafka = snapshotAdmin(healthy);
    const gate = await checkCanRoll(spec, [2], undefined, {
      kafka: kafka.admin,
      clock: manualClock('2026-05-01T12:00:00Z'),
    });
    expect(gate).toMatchObject({ ok: true, reasons: [], checks: 1 });
  });

  it('waits with a readable reason while unsafe, then fails with UnsafeToRoll after the deadline', async () => {
    const kafka = snapshotAdmin(atMinIsr);
    const clock = manualClock('2026-05-01T12:00:00Z');
    const first = await checkCanRoll(spec, [2], undefined, { kafka: kafka.admin, clock });
    expect(first.ok).toBe(false);
    expect(first.reasons.join(' ')).toContain('orders-0 has ISR [2,3] = min.insync.replicas 2 and includes broker 2');
    clock.advance(20);
    const second: GateState = await checkCanRoll(spec, [2], first, { kafka: kafka.admin, clock });
    expect(second).toMatchObject({ ok: false, since: first.since, checks: 2 });
    clock.advance(11);
    const error = await checkCanRoll(spec, [2], second, { kafka: kafka.admin, clock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeToRoll);
    expect((error as Error).message).toContain('rollout.canRollTimeoutSeconds');
  });

  it('becomes ok once the cluster heals inside the deadline', async () => {
    const kafka = snapshotAdmin(atMinIsr);
    const clock = manualClock('2026-05-01T12:00:00Z');
    const first = await checkCanRoll(spec, [2], undefined, { kafka: kafka.admin, clock });
    kafka.set(healthy);
    clock.advance(10);
    expect(await checkCanRoll(spec, [2], first, { kafka: kafka.admin, clock })).toMatchObject({ ok: true, checks: 2 });
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
    const first = await checkHealthy(spec, [2], undefined, deps(kafka, clock));
    expect(first.brokers[0]!.readiness).toMatchObject({ ready: false, consecutiveHealthy: 1 });
    expect(first.ready).toBe(false);
    const second = await checkHealthy(spec, [2], first, deps(kafka, clock));
    expect(second.brokers[0]!.readiness).toMatchObject({ ready: true, consecutiveHealthy: 2 });
    expect(second.ready).toBe(true);
  });

  it('resets the count when the broker drops out of an ISR again', async () => {
    const kafka = snapshotAdmin(healthy);
    const clock = manualClock('2026-05-01T12:00:00Z');
    const first = await checkHealthy(spec, [1], undefined, deps(kafka, clock));
    kafka.set(atMinIsr); // broker 1 is not in the ISR
    const second = await checkHealthy(spec, [1], first, deps(kafka, clock));
    expect(second.brokers[0]!.readiness).toMatchObject({ ready: false, consecutiveHealthy: 0 });
    expect(second.brokers[0]!.readiness.lastReasons.join(' ')).toContain('orders-0');
  });

  it('counts an unreachable cluster as an unhealthy observation, not a failure', async () => {
    const kafka = snapshotAdmin(healthy);
    kafka.down(true);
    const clock = manualClock('2026-05-01T12:00:00Z');
    const state = await checkHealthy(spec, [2], undefined, deps(kafka, clock));
    expect(state.brokers[0]!.readiness).toMatchObject({
      ready: false,
      lastReasons: ['the cluster could not be reached'],
    });
  });

  it('fails with BrokerNotReady when the broker is not back within rollout.healthTimeoutSeconds', async () => {
    const kafka = snapshotAdmin(cluster([1, 3], []));
    const clock = manualClock('2026-05-01T12:00:00Z');
    let state: HealthState = await checkHealthy(spec, [2], undefined, deps(kafka, clock));
    clock.advance(59);
    state = await checkHealthy(spec, [2], state, deps(kafka, clock));
    clock.advance(2);
    const error = await checkHealthy(spec, [2], state, deps(kafka, clock)).catch((e: unknown) => e);
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
    const started = await advanceRestart(spec, [broker], undefined, { commands: channel });
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
    const polled = await advanceRestart(spec, [broker], started, { commands: channel });
    expect(polled.phase).toBe('restarting');
    expect(await advanceRestart(spec, [broker], polled, { commands: channel })).toEqual({
      phase: 'done',
      brokers: [{ brokerId: 2, phase: 'done' }],
    });
    expect(channel.started).toHaveLength(1);
  });
});

describe('orderRestarts', () => {
  it('puts the active controller last, using a live snapshot', async () => {
    const kafka = snapshotAdmin(cluster([1, 2, 3], [], { controllerId: 1 }));
    const order = await orderRestarts(spec, { restartOrder: [1, 2, 3] } as never, { kafka: kafka.admin });
    expect(order).toEqual([[2], [3], [1]]);
  });
});

describe('the roll in batches (rollout.batch rack)', () => {
  const rackSpec = { ...spec, rollout: { ...spec.rollout, batch: 'rack' as const } };
  const racked = (snapshot: ReturnType<typeof cluster>, racks: Record<number, string>) => ({
    ...snapshot,
    brokers: snapshot.brokers.map((b) => ({ ...b, rack: racks[b.id] ?? null })),
  });
  // RF 2, min ISR 1, one replica per rack: a rack's brokers may be down together.
  const rackAware = racked(
    cluster(
      [1, 2, 3, 4],
      [
        topic('orders', 1, [
          { replicas: [1, 2], isr: [1, 2] },
          { replicas: [3, 4], isr: [3, 4] },
        ]),
      ],
    ),
    { 1: 'a', 2: 'b', 3: 'a', 4: 'b' },
  );
  const planned = (id: number, az?: string): PlannedBroker => ({
    id,
    host: `10.0.0.${id}`,
    ...(az ? { az } : {}),
    desiredListeners: [],
    configChange: 'update',
    restart: true,
    reasons: [],
  });

  it('orderRestarts batches by rack on the live snapshot, a rack from the discovered zone when Kafka has none', async () => {
    const noRackFor4 = { ...rackAware, brokers: rackAware.brokers.map((b) => (b.id === 4 ? { id: 4 } : b)) };
    const kafka = snapshotAdmin(noRackFor4);
    const plan = {
      restartOrder: [1, 2, 3, 4],
      brokers: [1, 2, 3, 4].map((id) => planned(id, id === 4 ? 'b' : undefined)),
    };
    expect(await orderRestarts(rackSpec, plan as never, { kafka: kafka.admin })).toEqual([
      [1, 3],
      [2, 4],
    ]);
    // The same plan rolled one at a time when the spec says none.
    expect(await orderRestarts(spec, plan as never, { kafka: kafka.admin })).toEqual([[1], [2], [3], [4]]);
  });

  it('orderRestarts splits a rack whose brokers became co-replicas after planning (the live map decides)', async () => {
    const moved = racked(cluster([1, 2, 3, 4], [topic('orders', 1, [{ replicas: [1, 3], isr: [1, 3] }])]), {
      1: 'a',
      2: 'b',
      3: 'a',
      4: 'b',
    });
    const kafka = snapshotAdmin(moved);
    const plan = { restartOrder: [1, 2, 3, 4], brokers: [1, 2, 3, 4].map((id) => planned(id)) };
    expect(await orderRestarts(rackSpec, plan as never, { kafka: kafka.admin })).toEqual([[1], [3], [2, 4]]);
  });

  it('the gate of a batch waits while the live map makes it unsafe, names the partition, then stops the roll', async () => {
    const kafka = snapshotAdmin(
      racked(cluster([1, 2, 3, 4], [topic('orders', 1, [{ replicas: [1, 3], isr: [1, 3] }])]), {}),
    );
    const clock = manualClock('2026-05-01T12:00:00Z');
    const first = await checkCanRoll(rackSpec, [1, 3], undefined, { kafka: kafka.admin, clock });
    expect(first.ok).toBe(false);
    expect(first.reasons).toEqual([
      'orders-0 (replicas [1,3], ISR [1,3]) would keep [] in sync with brokers [1,3] down together, below min.insync.replicas 1',
    ]);
    clock.advance(31);
    const error = await checkCanRoll(rackSpec, [1, 3], first, { kafka: kafka.admin, clock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeToRoll);
    expect((error as UnsafeToRoll).nodeIds).toEqual([1, 3]);
    expect(await checkCanRoll(rackSpec, [1, 4], undefined, { kafka: kafka.admin, clock })).toMatchObject({ ok: true });
  });

  it('the gate of a batch fails closed when one of its brokers cannot list what it hosts', async () => {
    const kafka = snapshotAdmin(rackAware);
    const admin = async () => {
      const inner = await kafka.admin();
      return {
        ...inner,
        hostedPartitions: async (id: number) =>
          id === 3 ? { known: false as const, reason: 'CLUSTER_AUTHORIZATION_FAILED' } : inner.hostedPartitions(id),
      };
    };
    const gate = await checkCanRoll(rackSpec, [1, 3], undefined, {
      kafka: admin,
      clock: manualClock('2026-05-01T12:00:00Z'),
    });
    expect(gate.ok).toBe(false);
    expect(gate.reasons.join(' ')).toMatch(
      /^broker 3: the partitions broker 3 hosts could not be listed \(CLUSTER_AUTHORIZATION_FAILED\)/,
    );
  });

  it('advanceRestart starts every broker of the batch in one call, polls them all, and is done when all are', async () => {
    const channel = createFileCommandChannel({});
    const started = await advanceRestart(rackSpec, [planned(1), planned(3)], undefined, { commands: channel });
    expect(started.phase).toBe('restarting');
    expect(channel.started.map((s) => s.brokerId)).toEqual([1, 3]);
    let state = started;
    for (let i = 0; i < 3 && state.phase !== 'done'; i++) {
      state = await advanceRestart(rackSpec, [planned(1), planned(3)], state, { commands: channel });
    }
    expect(state).toEqual({
      phase: 'done',
      brokers: [
        { brokerId: 1, phase: 'done' },
        { brokerId: 3, phase: 'done' },
      ],
    });
    expect(channel.started).toHaveLength(2);
  });

  it('advanceRestart never starts a broker twice: a transient start failure after the others started is tried on the next call', async () => {
    const channel = createFileCommandChannel({});
    let fail = 1;
    const flaky = {
      ...channel,
      start: async (target: Parameters<typeof channel.start>[0], command: Parameters<typeof channel.start>[1]) => {
        if (target.brokerId === 3 && fail-- > 0) throw new KafkaUnavailable('SendCommand throttled');
        return channel.start(target, command);
      },
    };
    const first = await advanceRestart(rackSpec, [planned(1), planned(3)], undefined, { commands: flaky });
    expect(first.brokers).toEqual([
      { brokerId: 1, phase: 'restarting', handle: expect.anything() },
      { brokerId: 3, phase: 'starting', failures: 1, lastError: 'SendCommand throttled' },
    ]);
    const second = await advanceRestart(rackSpec, [planned(1), planned(3)], first, { commands: flaky });
    expect(second.brokers.map((b) => b.phase)).toEqual(['restarting', 'restarting']);
    expect(channel.started.map((s) => s.brokerId)).toEqual([1, 3]);
  });

  it('advanceRestart leaves a failure that started nothing to the engine, and stops the roll on a failed command', async () => {
    const channel = createFileCommandChannel({});
    const refusing = {
      ...channel,
      start: async () => {
        throw new KafkaUnavailable('SendCommand throttled');
      },
    };
    await expect(advanceRestart(rackSpec, [planned(1), planned(3)], undefined, { commands: refusing })).rejects.toThrow(
      KafkaUnavailable,
    );
    channel.failNext(3, 1, 'kafka did not stop');
    const started = await advanceRestart(rackSpec, [planned(1), planned(3)], undefined, { commands: channel });
    // The first poll sees the command running; the next one sees it failed.
    const polled = await advanceRestart(rackSpec, [planned(1), planned(3)], started, { commands: channel });
    const error = await advanceRestart(rackSpec, [planned(1), planned(3)], polled, { commands: channel }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('CommandFailed');
  });

  it('checkHealthy is ready only when every broker of the batch is, in the same observation', async () => {
    const kafka = snapshotAdmin(
      racked(cluster([1, 2, 3, 4], [topic('orders', 1, [{ replicas: [1, 2], isr: [2] }])]), {}),
    );
    const clock = manualClock('2026-05-01T12:00:00Z');
    let state = await checkHealthy(rackSpec, [1, 3], undefined, { kafka: kafka.admin, clock });
    state = await checkHealthy(rackSpec, [1, 3], state, { kafka: kafka.admin, clock });
    expect(state.brokers.map((b) => b.readiness.ready)).toEqual([false, true]);
    expect(state.ready).toBe(false);
    kafka.set(rackAware);
    state = await checkHealthy(rackSpec, [1, 3], state, { kafka: kafka.admin, clock });
    state = await checkHealthy(rackSpec, [1, 3], state, { kafka: kafka.admin, clock });
    expect(state.ready).toBe(true);
  });

  it('checkHealthy fails naming the brokers of the batch not back (unclean stop: not serving on its own listener)', async () => {
    const kafka = snapshotAdmin(rackAware);
    const admin = async () => {
      const inner = await kafka.admin();
      return {
        ...inner,
        ownView: async (id: number) =>
          id === 3
            ? { serves: false as const, address: '10.0.0.3:9092', reason: 'connection refused' }
            : inner.ownView(id),
      };
    };
    const clock = manualClock('2026-05-01T12:00:00Z');
    const state = await checkHealthy(rackSpec, [1, 3], undefined, { kafka: admin, clock });
    clock.advance(61);
    const error = await checkHealthy(rackSpec, [1, 3], state, { kafka: admin, clock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerNotReady);
    expect((error as BrokerNotReady).nodeIds).toEqual([3]);
    expect((error as Error).message).toContain(
      'broker 3: broker 3 is listed as live but does not serve on its own listener',
    );
  });
});
