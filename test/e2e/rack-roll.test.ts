/**
 * The rack-batched roll (`rollout.batch: rack`) end to end on the local provider, through the generated
 * statemachines/provision.asl.yaml: one KRaft voter (node 1, combined) and four broker-only nodes in two racks
 * (a: 2, 4; b: 3, 5), a rack-aware topic (RF 2, min ISR 1, one replica per rack). Test brokers, the real restart
 * script, the real writer (see demo/lab.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../demo/lab.ts';
import { renderPlanTable } from '../../shared/plan/render.ts';
import type { HealthState } from '../../shared/steps/roll.ts';
import { apply, failure, lockFileExists, planOnly, restartCounts } from './helpers.ts';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const RACKS = { 1: 'a', 2: 'a', 3: 'b', 4: 'a', 5: 'b' };

async function rackLab(rollout: { healthTimeoutSeconds?: number; canRollTimeoutSeconds?: number } = {}): Promise<Lab> {
  lab = await startLab({
    brokerIds: [1],
    racks: RACKS,
    topic: false,
    drift: 'report',
    restartDelayMs: 150,
    rollout: { batch: 'rack', ...rollout },
  });
  for (const id of [2, 3, 4, 5]) await lab.addBroker(id);
  lab.cluster.createTopic(
    'orders',
    [
      [2, 3],
      [4, 5],
      [2, 5],
      [4, 3],
    ],
    { minInsyncReplicas: 1 },
  );
  return lab;
}

/** The brokerIds every call of `task` was given, in order. */
function callsOf(calls: { task: string; brokerIds: number[] }[], task: string): number[][] {
  return calls.filter((c) => c.task === task).map((c) => c.brokerIds);
}

describe('rack-batched roll on the local provider', () => {
  it('plans rack by rack, restarts each rack together, and starts the next rack only when all of this one is healthy', async () => {
    const l = await rackLab();
    const plan = await planOnly(l);
    expect(plan.restartBatches?.map((b) => [b.phase, b.rack, b.brokers])).toEqual([
      ['brokers', 'a', [2, 4]],
      ['brokers', 'b', [3, 5]],
      ['active-controller', 'a', [1]],
    ]);
    expect(renderPlanTable(plan)).toContain('  1. 2, 4  (brokers; rack a)');

    const calls: { task: string; brokerIds: number[] }[] = [];
    const violations: string[] = [];
    const out = await apply(l, {
      wrapTask: (task, run) => async (input) => {
        const brokerIds = (input as { brokerIds?: number[] }).brokerIds;
        if (brokerIds === undefined) return run(input);
        calls.push({ task, brokerIds });
        if (task === 'checkHealthy' && (input as { health: unknown }).health === null) {
          // Every broker of the batch was restarted before any health check: the restarts ran together.
          for (const id of brokerIds) if (l.brokers.get(id)!.restarts !== 1) violations.push(`${id} not restarted yet`);
        }
        if (task === 'checkCanRoll' && (input as { gate: unknown }).gate === null) {
          // The next batch's gate only once the previous batch is back: every restarted broker serves EXTERNAL.
          for (const b of l.brokers.values()) {
            if (b.restarts === 1 && b.broker.ports['EXTERNAL'] === undefined) violations.push(`${b.id} not back`);
          }
        }
        const result = await run(input);
        if (task === 'checkHealthy' && (result as HealthState).ready) {
          expect((result as HealthState).brokers.map((b) => b.readiness.ready)).toEqual(brokerIds.map(() => true));
        }
        return result;
      },
    });

    expect(out.verification.ok).toBe(true);
    expect(violations).toEqual([]);
    expect(callsOf(calls, 'advanceRestart')[0]).toEqual([2, 4]);
    expect([...new Set(callsOf(calls, 'checkCanRoll').map((ids) => ids.join(',')))]).toEqual(['2,4', '3,5', '1']);
    expect(out.report.changes.restartBatches).toEqual([[2, 4], [3, 5], [1]]);
    expect(out.report.changes.restarted).toEqual([2, 4, 3, 5, 1]);
    expect(restartCounts(l)).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 });
  }, 90_000);

  it('a broker of a batch that never comes back stops the roll: BrokerNotReady names it, later batches are untouched', async () => {
    const l = await rackLab({ healthTimeoutSeconds: 10 });
    l.cluster.neverHealthy(4);

    const failed = await failure(apply(l));

    expect(failed.error).toBe('BrokerNotReady');
    expect(failed.detail).toMatch(/^nodes? 4 (is|are) not back/);
    expect(restartCounts(l)).toEqual({ 1: 0, 2: 1, 3: 0, 4: 1, 5: 0 });
    for (const id of [1, 3, 5]) expect(l.brokers.get(id)!.broker.ports['EXTERNAL']).toBeUndefined();
    expect(lockFileExists(l)).toBe(false);
  }, 60_000);

  it('splits a rack where a partition has both replicas in it, and says which partition in the plan', async () => {
    const l = await rackLab();
    l.cluster.createTopic('pinned', [[2, 4]], { minInsyncReplicas: 1 });
    const plan = await planOnly(l);
    expect(plan.restartBatches?.map((b) => b.brokers)).toEqual([[2], [4], [3, 5], [1]]);
    expect(renderPlanTable(plan)).toContain(
      'split: broker 4 goes in a later batch: pinned-0 (replicas [2,4], ISR [2,4], min.insync.replicas 1) would keep only [] in sync with [2,4] down together',
    );
    const out = await apply(l);
    expect(out.report.changes.restartBatches).toEqual([[2], [4], [3, 5], [1]]);
  }, 90_000);

  it('batches on the live partition map: a topic created after planning splits the rack at roll time', async () => {
    const l = await rackLab();
    expect((await planOnly(l)).restartBatches?.[0]?.brokers).toEqual([2, 4]);
    const out = await apply(l, {
      wrapTask: (task, run) => async (input) => {
        if (task === 'orderRestarts' && l.cluster.topic('pinned') === undefined) {
          l.cluster.createTopic('pinned', [[2, 4]], { minInsyncReplicas: 1 });
        }
        return run(input);
      },
    });
    expect(out.report.changes.restartBatches).toEqual([[2], [4], [3, 5], [1]]);
  }, 90_000);

  it('the gate of a batch fails closed when the map changes under the roll: UnsafeToRoll names the partition, later batches untouched', async () => {
    const l = await rackLab({ canRollTimeoutSeconds: 1 });
    let created = false;
    const failed = await failure(
      apply(l, {
        wrapTask: (task, run) => async (input) => {
          const brokerIds = (input as { brokerIds?: number[] }).brokerIds ?? [];
          if (task === 'checkCanRoll' && brokerIds.join() === '3,5' && !created) {
            created = true;
            l.cluster.createTopic('moved', [[3, 5]], { minInsyncReplicas: 1 });
          }
          return run(input);
        },
      }),
    );
    expect(failed.error).toBe('UnsafeToRoll');
    expect(failed.detail).toContain('the batch of nodes 3, 5 cannot be restarted safely now');
    expect(failed.detail).toContain('moved-0 (replicas [3,5], ISR [3,5]) would keep [] in sync');
    expect(restartCounts(l)).toEqual({ 1: 0, 2: 1, 3: 0, 4: 1, 5: 0 });
    expect(lockFileExists(l)).toBe(false);
  }, 60_000);
});
