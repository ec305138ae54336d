/**
 * Rolling restarts under load on real Apache Kafka, as a consumer sees them: an idempotent producer (acks=all) and
 * a consumer, both @platformatic/kafka clients going through the load balancer with the advertised names mapped to
 * it, run while the provision state machine rolls every broker — once, or several times in one session (serially,
 * then in rack batches: the same cluster, the same load). Every record carries a sequence number; afterwards the
 * consumer's view is checked: every acknowledged record is there (lost = 0), and no sequence number sits at two
 * offsets (duplicated = 0; a redelivery of the same offset is not a duplicate).
 * Used by test/apache/roll-under-load.apache.test.ts and rack-roll.apache.test.ts (which assert) and
 * bench/apache-roll-under-load.ts and bench/apache-rack-roll.ts (which print the figures for docs/BENCHMARKS.md).
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

/** One measured roll of a session. */
export interface RollSpec {
  /** `rollout.batch` for this roll; omitted: as the spec has it. */
  batch?: 'none' | 'rack';
}

export interface RollFigures {
  batch: 'none' | 'rack';
  /** The batches as the roll ran them (each restarted together). */
  batches: number[][];
  /** Wall time of the RollingRestart state (first gate → last batch healthy). */
  rollWallMs: number;
  /** Per broker: restart issued → healthy (SIGTERM, JVM exit, start, registered, back in every ISR). */
  restartMs: Record<number, number>;
  /** Mean restart time R. */
  meanRestartMs: number;
  /**
   * Per batch of two or more: the restarts were issued in one call and every broker's new JVM had started before any
   * broker of the batch was healthy (so the batch was down together).
   */
  batchesDownTogether: boolean[];
}

export interface RollsUnderLoadFigures {
  rolls: RollFigures[];
  produced: number;
  lost: number;
  duplicated: number;
  /** Sends that failed after the client's own retries (those records count as not produced). */
  produceErrors: number;
  /** Longest time between two consecutive acknowledged sends. */
  longestStallMs: number;
  consumerErrors: number;
}

/** One roll under load (the next one after a first apply that creates the LB mappings and listeners). */
export async function rollUnderLoad(lab: ApacheLab, options: RollUnderLoadOptions = {}): Promise<RollUnderLoadFigures> {
  const figures = await rollsUnderLoad(lab, [{}], options);
  const roll = figures.rolls[0]!;
  const { rolls: _rolls, ...load } = figures;
  return {
    brokers: Object.keys(roll.restartMs).length,
    rollWallMs: roll.rollWallMs,
    restartMs: roll.restartMs,
    meanRestartMs: roll.meanRestartMs,
    ...load,
  };
}

/**
 * Several rolls in one session of load: a first apply (the LB mappings and the brokers' EXTERNAL listeners exist
 * after it), then per entry of `rolls` a new advertised pattern (every broker needs a restart) rolled with that
 * entry's `rollout.batch`. Clients resolve every advertised name any roll uses to the LB.
 */
export async function rollsUnderLoad(
  lab: ApacheLab,
  rolls: readonly RollSpec[],
  options: RollUnderLoadOptions = {},
): Promise<RollsUnderLoadFigures> {
  const topic = options.topic ?? 'orders';
  const interval = options.sendIntervalMs ?? 5;
  const bootstrap = `127.0.0.1:${lab.ports.bootstrap}`;
  await lab.run('provision');
  const first = lab.spec().exposures[0]!.advertisedListenerPattern;
  const names = new Set(await advertisedNames(lab));
  const patterns = rolls.map((_, i) => `<broker_id>.rolled${i === 0 ? '' : i + 1}.demo.internal:<port>`);
  for (const pattern of patterns) {
    await lab.updateSpec((spec) => {
      spec.exposures[0]!.advertisedListenerPattern = pattern;
    });
    for (const name of await advertisedNames(lab)) names.add(name);
  }
  await lab.updateSpec((spec) => {
    spec.exposures[0]!.advertisedListenerPattern = first;
  });

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
    const measured: RollFigures[] = [];
    try {
      for (const [i, roll] of rolls.entries()) {
        await lab.updateSpec((spec) => {
          spec.exposures[0]!.advertisedListenerPattern = patterns[i]!;
          if (roll.batch !== undefined) spec.rollout = { ...spec.rollout, batch: roll.batch };
        });
        measured.push(await measuredRoll(lab));
      }
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

    return {
      rolls: measured,
      produced: acked.size,
      lost: [...acked].filter((s) => !offsetsOf.has(s)).length,
      duplicated: [...offsetsOf.values()].filter((where) => where.size > 1).length,
      produceErrors,
      longestStallMs: Math.round(longestStallMs),
      consumerErrors,
    };
  });
}

/** One provision apply, timed per broker and per batch from the tasks' own calls. */
async function measuredRoll(lab: ApacheLab): Promise<RollFigures> {
  const issuedAt = new Map<number, number>();
  const readyAt = new Map<number, number>();
  const batches: number[][] = [];
  let rollStart = 0;
  let rollEnd = 0;
  await lab.run('provision', undefined, {
    onEvent: (event) => {
      if (event.type === 'StateEntered' && event.state.name === 'RollingRestart') rollStart = event.timestamp;
      if (event.type === 'StateExited' && event.state.name === 'RollingRestart') rollEnd = event.timestamp;
    },
    wrapTask: (task, run) => async (input) => {
      const batch = (input as { brokerIds?: number[] }).brokerIds ?? [];
      if (task === 'advanceRestart' && (input as { restart: unknown }).restart === null) {
        const now = Date.now();
        for (const id of batch) issuedAt.set(id, now);
        batches.push([...batch]);
      }
      const result = await run(input);
      if (task === 'checkHealthy') {
        // Each broker's R ends when it is ready; the batch moves on when all of it is.
        for (const { brokerId, readiness } of (result as HealthState).brokers) {
          if (readiness.ready && !readyAt.has(brokerId)) readyAt.set(brokerId, Date.now());
        }
      }
      return result;
    },
  });
  const restartMs: Record<number, number> = {};
  for (const [id, at] of issuedAt) restartMs[id] = readyAt.get(id)! - at;
  const restarts = Object.values(restartMs);
  const jvmStartAfter = (id: number, at: number) =>
    lab.brokers
      .get(id)!
      .node.startTimes()
      .find((t) => t >= at - 1_000);
  return {
    batch: lab.spec().rollout?.batch ?? 'none',
    batches,
    rollWallMs: Math.round(rollEnd - rollStart),
    restartMs,
    meanRestartMs: Math.round(restarts.reduce((a, b) => a + b, 0) / Math.max(1, restarts.length)),
    batchesDownTogether: batches
      .filter((b) => b.length > 1)
      .map((b) => {
        const issued = new Set(b.map((id) => issuedAt.get(id)));
        const started = b.map((id) => jvmStartAfter(id, issuedAt.get(id)!));
        const firstReady = Math.min(...b.map((id) => readyAt.get(id)!));
        return issued.size === 1 && started.every((t) => t !== undefined && t < firstReady);
      }),
  };
}

async function advertisedNames(lab: ApacheLab): Promise<string[]> {
  const plan = ((await lab.run('provision', { cluster: lab.spec().cluster, mode: 'plan' })) as { plan: Plan }).plan;
  const names = plan.exposures.flatMap((e) => e.brokers.flatMap((b) => (b.advertised ? [hostOf(b.advertised)] : [])));
  if (names.length === 0) throw new Error('the plan has no advertised addresses to map');
  return names;
}
