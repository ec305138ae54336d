/**
 * Real Apache Kafka: the same cluster rolled one broker at a time and then in rack batches, in one run under one
 * session of load (idempotent acks=all producer and a consumer through the local LB). The cluster is
 * testkit/apache-kafka/rack-lab.ts: 4 broker-only nodes in 2 racks, one dedicated controller, rack-aware RF 2 /
 * min ISR 1. Prints one JSON line: per roll the batches, the wall time of the RollingRestart state and the restart
 * time R per broker; the ratio serial / batched; the lower bounds N × R and racks × R (R: the mean restart time of
 * the serial roll, where nothing else restarts at the same time); records produced / lost / duplicated.
 * Needs Java 17 and the cached jars (`node tools/deps/fetch.ts`).
 *
 *   /work/tools/heavy npx node bench/apache-rack-roll.ts
 */
import { KAFKA_VERSION } from '../testkit/apache-kafka/install.ts';
import { RACKS, startRackLab } from '../testkit/apache-kafka/rack-lab.ts';
import { rollsUnderLoad } from '../testkit/apache-kafka/roll-under-load.ts';

const lab = await startRackLab();
try {
  const figures = await rollsUnderLoad(lab, [{ batch: 'none' }, { batch: 'rack' }]);
  const [serial, batched] = figures.rolls;
  if (!serial || !batched) throw new Error('expected two rolls');
  const n = Object.keys(serial.restartMs).length;
  const racks = new Set(Object.values(RACKS)).size;
  const r = serial.meanRestartMs;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'apache-rack-roll',
      kafka: KAFKA_VERSION,
      brokers: n,
      racks,
      serial,
      batched,
      serialOverBatched: Number((serial.rollWallMs / batched.rollWallMs).toFixed(2)),
      nTimesRMs: n * r,
      racksTimesRMs: racks * r,
      serialOverNTimesR: Number((serial.rollWallMs / (n * r)).toFixed(2)),
      batchedOverRacksTimesR: Number((batched.rollWallMs / (racks * r)).toFixed(2)),
      produced: figures.produced,
      lost: figures.lost,
      duplicated: figures.duplicated,
      produceErrors: figures.produceErrors,
      longestStallMs: figures.longestStallMs,
      consumerErrors: figures.consumerErrors,
    })}\n`,
  );
} finally {
  await lab.close();
}
