/**
 * A full rolling restart under load on real Apache Kafka, as a consumer sees it: an idempotent producer
 * (acks=all) and a consumer, both @platformatic/kafka clients going through the load balancer with the advertised
 * names mapped to it, run while the provision state machine rolls every broker. Every record carries a sequence
 * number; afterwards the consumer's view is checked: every acknowledged record is there (lost = 0), and no
 * sequence number sits at two offsets (duplicated = 0; a redelivery of the same offset is not a duplicate).
 * Used by test/apache/roll-under-load.apache.test.ts (which asserts) and bench/apache-roll-under-load.ts (which
 * prints the figures for docs/BENCHMARKS.md).
 */
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import type { ApacheLab } from '../../demo/apache-lab.ts';
import type { Plan } from '../../shared/model/plan.ts';
import type { HealthState } from '../../shared/steps/roll.ts';
import { hostOf, withHostsMapping } from './clients.ts';

export interface RollUnderLoadFigures {
  brokers: number;
  /** Wall time of the RollingRestart state (first gate → last broker healthy). */
  rollWallMs: number;
  /** Per broker: restart issued → healthy (SIGTERM, JVM exit, start, registered, back in every ISR). */
  restartMs: Record<number, number>;
  /** Mean restart time R. */
  meanRestartMs: number;
  produced: number;
  lost: number;
  duplicated: number;
  /** Sends that failed after the client's own retries (those records count as not produced). */
  produceErrors: number;
  /** Longest time between two consecutive acknowledged sends. */
  longestStallMs: number;
  consumerErrors: number;
}

export interface RollUnderLoadOptions {
  topic?: string;
  /** Pause between sends (one record each, awaited). Default 5 ms. */
  sendIntervalMs?: number;
}

export async function rollUnderLoad(lab: ApacheLab, options: RollUnderLoadOptions = {}): Promise<RollUnderLoadFigures> {
  const topic = options.topic ?? 'orders';
  const interval = options.sendIntervalMs ?? 5;
  const bootstrap = `127.0.0.1:${lab.ports.bootstrap}`;
  // The LB's mappings and the brokers' EXTERNAL listeners exist once a first apply has run; the roll measured here
  // is the next one, for a new advertised pattern (every broker needs a restart). Clients resolve both the old and
  // the new advertised names to the LB: a broker advertises its new name once restarted.
  await lab.run('provision');
  const names = new Set(await advertisedNames(lab));
  await lab.updateSpec((spec) => {
    spec.exposures[0]!.advertisedListenerPattern = '<broker_id>.rolled.demo.internal:<port>';
  });
  for (const name of await advertisedNames(lab)) names.add(name);

  return await withHostsMapping([...names], '127.0.0.1', async () => {
    const acked = new Set<number>();
    const offsetsOf = new Map<number, Set<string>>();
    let produceErrors = 0;
    let consumerErrors = 0;
    let longestStallMs = 0;
    let stop = false;

    // The consumer's side. A consumer stream that fails during the roll (its coordinator or a leader moved away
    // mid-request) is replaced, as an application would: the new one reads from the earliest offset again, and
    // (partition, offset) pairs seen twice are redeliveries, not duplicates.
    let consumer: Consumer<string, string, string, string> | undefined;
    let stream: Awaited<ReturnType<Consumer<string, string, string, string>['consume']>> | undefined;
    let restarting: Promise<void> | undefined;
    const onData = (message: { value: unknown; partition: number; offset: bigint }) => {
      const seq = Number(String(message.value).split(':')[1]);
      if (!Number.isInteger(seq)) return;
      const where = offsetsOf.get(seq) ?? new Set<string>();
      where.add(`${message.partition}:${message.offset}`);
      offsetsOf.set(seq, where);
    };
    const startConsumer = async (): Promise<void> => {
      consumer = new Consumer({
        clientId: 'brokerlink-roll-consumer',
        groupId: `brokerlink-roll-${Date.now()}`,
        bootstrapBrokers: [bootstrap],
        deserializers: stringDeserializers,
        retries: 20,
        retryDelay: 500,
      });
      stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      stream.on('data', onData);
      stream.on('error', () => {
        consumerErrors += 1;
        restarting ??= (async () => {
          await stopConsumer();
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          await startConsumer().catch(() => {
            consumerErrors += 1;
          });
          restarting = undefined;
        })();
      });
    };
    const stopConsumer = async (): Promise<void> => {
      await stream?.close().catch(() => undefined);
      await consumer?.close(true).catch(() => undefined);
      stream = undefined;
      consumer = undefined;
    };
    await startConsumer();

    const producer = new Producer({
      clientId: 'brokerlink-roll-producer',
      bootstrapBrokers: [bootstrap],
      serializers: stringSerializers,
      idempotent: true,
      acks: -1,
      retries: 20,
      retryDelay: 250,
    });
    const producing = (async () => {
      let seq = 0;
      let lastAck = performance.now();
      while (!stop) {
        const value = `roll:${seq}`;
        try {
          await producer.send({ messages: [{ topic, key: String(seq % 12), value }] });
          acked.add(seq);
          const now = performance.now();
          longestStallMs = Math.max(longestStallMs, now - lastAck);
          lastAck = now;
        } catch {
          produceErrors += 1;
        }
        seq += 1;
        await new Promise((resolve) => setTimeout(resolve, interval));
      }
    })();

    // Let the consumer join and the producer warm up, then roll.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const restartStart = new Map<number, number>();
    const restartMs: Record<number, number> = {};
    let rollStart = 0;
    let rollEnd = 0;
    try {
      await lab.run('provision', undefined, {
        onEvent: (event) => {
          if (event.type === 'StateEntered' && event.state.name === 'RollingRestart') rollStart = event.timestamp;
          if (event.type === 'StateExited' && event.state.name === 'RollingRestart') rollEnd = event.timestamp;
        },
        wrapTask: (task, run) => async (input) => {
          const batch = (input as { brokerIds?: number[] }).brokerIds ?? [];
          for (const id of batch) {
            if (task === 'advanceRestart' && !restartStart.has(id)) restartStart.set(id, performance.now());
          }
          const result = await run(input);
          if (task === 'checkHealthy') {
            // Each broker's R ends when it is ready; the batch moves on when all are.
            for (const { brokerId, readiness } of (result as HealthState).brokers) {
              if (readiness.ready && restartMs[brokerId] === undefined) {
                restartMs[brokerId] = Math.round(performance.now() - restartStart.get(brokerId)!);
              }
            }
          }
          return result;
        },
      });
    } finally {
      // Keep producing a little after the roll, then drain the consumer.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      stop = true;
      await producing;
      await producer.close().catch(() => undefined);
    }
    const deadline = Date.now() + 90_000;
    while ([...acked].some((s) => !offsetsOf.has(s)) && Date.now() < deadline) {
      if (stream === undefined && restarting === undefined) await startConsumer().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await restarting;
    await stopConsumer();

    const restarts = Object.values(restartMs);
    return {
      brokers: restarts.length,
      rollWallMs: Math.round(rollEnd - rollStart),
      restartMs,
      meanRestartMs: Math.round(restarts.reduce((a, b) => a + b, 0) / Math.max(1, restarts.length)),
      produced: acked.size,
      lost: [...acked].filter((s) => !offsetsOf.has(s)).length,
      duplicated: [...offsetsOf.values()].filter((where) => where.size > 1).length,
      produceErrors,
      longestStallMs: Math.round(longestStallMs),
      consumerErrors,
    };
  });
}

async function advertisedNames(lab: ApacheLab): Promise<string[]> {
  const plan = ((await lab.run('provision', { cluster: lab.spec().cluster, mode: 'plan' })) as { plan: Plan }).plan;
  const names = plan.exposures.flatMap((e) => e.brokers.flatMap((b) => (b.advertised ? [hostOf(b.advertised)] : [])));
  if (names.length === 0) throw new Error('the plan has no advertised addresses to map');
  return names;
}
