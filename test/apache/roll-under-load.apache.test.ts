/**
 * A full rolling restart of 3 real Kafka brokers under load (testkit/apache-kafka/roll-under-load.ts): an idempotent
 * acks=all producer and a consumer through the LB, with the advertised names mapped to it. Nothing acknowledged
 * may be lost, nothing duplicated. The figures go to docs/BENCHMARKS.md via bench/apache-roll-under-load.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApacheLab, startApacheLab } from '../../demo/apache-lab.ts';
import { rollUnderLoad } from '../../testkit/apache-kafka/roll-under-load.ts';

let lab: ApacheLab;

beforeAll(async () => {
  lab = await startApacheLab({ drift: 'report' });
}, 180_000);
afterAll(async () => {
  await lab?.close();
});

describe('rolling restart under load on real Apache Kafka', () => {
  it('rolls 3 brokers while an idempotent acks=all producer and a consumer run through the LB: 0 lost, 0 duplicated', async () => {
    const figures = await rollUnderLoad(lab);
    process.stdout.write(`roll under load: ${JSON.stringify(figures)}\n`);

    expect(figures.brokers).toBe(3);
    expect(figures.produced).toBeGreaterThan(100);
    expect(figures.lost).toBe(0);
    expect(figures.duplicated).toBe(0);
  });
});
