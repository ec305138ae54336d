/**
 * The rack-batched roll (`rollout.batch: rack`) on real Apache Kafka 4.1.1 under load, on the cluster of
 * testkit/apache-kafka/rack-lab.ts (4 broker-only nodes in racks a: 1, 3 and b: 2, 4, one dedicated controller,
 * rack-aware RF 2 / min ISR 1). An idempotent acks=all producer and a consumer run through the LB during the roll
 * (testkit/apache-kafka/roll-under-load.ts): each rack's brokers are down together, 0 records lost, 0 duplicated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApacheLab } from '../../demo/apache-lab.ts';
import { canRollBatch } from '../../shared/kafka/safety/index.ts';
import type { Plan } from '../../shared/model/plan.ts';
import { renderPlanTable } from '../../shared/plan/render.ts';
import { RACKS, startRackLab } from '../../testkit/apache-kafka/rack-lab.ts';
import { rollsUnderLoad } from '../../testkit/apache-kafka/roll-under-load.ts';

let lab: ApacheLab;

beforeAll(async () => {
  lab = await startRackLab();
}, 180_000);
afterAll(async () => {
  await lab?.close();
});

describe('rack-batched roll on real Apache Kafka', () => {
  it('plans one batch per rack from the real partition map (rack-aware RF 2: no split)', async () => {
    const snapshot = await lab.kafka.snapshot();
    expect(snapshot.brokers.map((b) => [b.id, b.rack])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'a'],
      [4, 'b'],
    ]);
    // Kafka placed one replica of every partition in each rack, internal topics included.
    for (const t of snapshot.topics) {
      for (const p of t.partitions) {
        expect(new Set(p.replicas.map((id) => RACKS[id])).size, `${t.name}-${p.index}`).toBe(2);
      }
    }
    const plan = ((await lab.run('provision', { cluster: lab.spec().cluster, mode: 'plan' })) as { plan: Plan }).plan;
    expect(plan.restartBatches?.map((b) => [b.rack, b.brokers, b.deferred])).toEqual([
      ['a', [1, 3], []],
      ['b', [2, 4], []],
    ]);
    expect(renderPlanTable(plan)).toContain('  1. 1, 3  (brokers; rack a)');
  });

  it('rolls each rack together under an idempotent acks=all producer and a consumer through the LB: 0 lost, 0 duplicated', async () => {
    const figures = await rollsUnderLoad(lab, [{ batch: 'rack' }]);
    process.stdout.write(`rack roll under load: ${JSON.stringify(figures)}\n`);
    const roll = figures.rolls[0]!;

    expect(roll.batches).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(roll.batchesDownTogether).toEqual([true, true]);
    expect(Object.keys(roll.restartMs).map(Number)).toEqual([1, 2, 3, 4]);
    expect(figures.produced).toBeGreaterThan(100);
    expect(figures.lost).toBe(0);
    expect(figures.duplicated).toBe(0);
  });

  it('splits a rack where a real partition has both replicas in it: the live gate refuses the rack, the plan names the partition', async () => {
    // Both replicas of pinned-0 in rack a, min ISR 1: brokers 1 and 3 down together would leave it no replica.
    await lab.kafka.createTopic('pinned', { partitions: 1, replicationFactor: 2, assignment: [[1, 3]] });
    await lab.kafka.waitFor(
      async () => (await lab.kafka.snapshot()).topics.find((t) => t.name === 'pinned')?.partitions[0]?.isr.length === 2,
      { timeoutMs: 30_000, what: 'pinned-0 in sync on brokers 1 and 3' },
    );
    const gate = canRollBatch([1, 3], await lab.kafka.snapshot());
    expect(gate.ok).toBe(false);
    expect(gate.ok ? '' : gate.reasons.join('\n')).toContain('pinned-0');
    expect(canRollBatch([2, 4], await lab.kafka.snapshot()).ok).toBe(true);

    await lab.updateSpec((spec) => {
      spec.exposures[0]!.advertisedListenerPattern = '<broker_id>.split.demo.internal:<port>';
    });
    const plan = ((await lab.run('provision', { cluster: lab.spec().cluster, mode: 'plan' })) as { plan: Plan }).plan;
    expect(plan.restartBatches?.map((b) => [b.rack, b.brokers])).toEqual([
      ['a', [1]],
      ['a', [3]],
      ['b', [2, 4]],
    ]);
    expect(plan.restartBatches?.[0]?.deferred).toEqual([{ broker: 3, reason: expect.stringContaining('pinned-0') }]);
    expect(renderPlanTable(plan)).toContain('pinned-0');
  });
});
