/**
 * Real Apache Kafka: a full rolling restart of 3 KRaft combined nodes under load (idempotent acks=all producer and
 * a consumer through the local LB, advertised names mapped to it). Prints one JSON line: real restart time R per
 * broker (restart issued → back in every ISR), the roll's wall time against N × R, records produced / lost /
 * duplicated, produce errors, the longest produce stall. Needs Java 17 and the cached jars (`node tools/deps/fetch.ts`).
 *
 *   /work/tools/heavy npx node bench/apache-roll-under-load.ts
 */
import { startApacheLab } from '../demo/apache-lab.ts';
import { KAFKA_VERSION } from '../testkit/apache-kafka/install.ts';
import { rollUnderLoad } from '../testkit/apache-kafka/roll-under-load.ts';

const lab = await startApacheLab({ drift: 'report' });
try {
  const figures = await rollUnderLoad(lab);
  const nTimesR = figures.brokers * figures.meanRestartMs;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'apache-roll-under-load',
      kafka: KAFKA_VERSION,
      ...figures,
      nTimesRMs: nTimesR,
      rollOverNTimesR: Number((figures.rollWallMs / nTimesR).toFixed(2)),
    })}\n`,
  );
} finally {
  await lab.close();
}
