/**
 * The real-Kafka cluster the rack-batched roll is shown and measured on (test/apache/rack-roll.apache.test.ts,
 * bench/apache-rack-roll.ts): four broker-only nodes in two racks (a: 1, 3; b: 2, 4) with `broker.rack` set, one
 * dedicated KRaft controller (node 9, 127.0.0.19; not in the spec, so brokerlink never restarts it), every topic
 * rack-aware with RF 2 and min ISR 1 — Kafka's own rack-aware placement puts one replica in each rack, the internal
 * topics too.
 *
 * Why this size: 2 shared cores. 6 brokers in 3 racks (RF 3, min ISR 2) would be 7 JVMs; 4 in 2 racks is 5 and shows
 * the same thing — a rack's brokers down together, each partition left with min ISR in sync. The quorum rule (B3)
 * needs no JVMs to be shown: the property tests cover it.
 */
import { type ApacheLab, startApacheLab } from '../../demo/apache-lab.ts';

/** RF 2 / min ISR 1 everywhere, internal topics included (the seed's defaults are RF 3 / min ISR 2). */
export const RACK_PROPERTIES: Readonly<Record<string, string>> = {
  'default.replication.factor': '2',
  'min.insync.replicas': '1',
  'offsets.topic.replication.factor': '2',
  'transaction.state.log.replication.factor': '2',
  'transaction.state.log.min.isr': '1',
};

/** `broker.rack` per broker. */
export const RACKS: Readonly<Record<number, string>> = { 1: 'a', 2: 'b', 3: 'a', 4: 'b' };

export const RACK_CONTROLLER = 9;

export async function startRackLab(): Promise<ApacheLab> {
  return await startApacheLab({
    brokerIds: [1, 2, 3, 4],
    controllers: [RACK_CONTROLLER],
    racks: RACKS,
    extraProperties: RACK_PROPERTIES,
    topic: { name: 'orders', partitions: 6, replicationFactor: 2, minInsyncReplicas: 1 },
    rollout: { batch: 'rack' },
    drift: 'report',
  });
}
