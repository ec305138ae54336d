import { BrokerlinkError } from '../errors.ts';
import { canRollBatch } from '../kafka/safety/batch-gate.ts';
import { rackTopology, restartBatches, zonesOf } from '../kafka/safety/batches.ts';
import { BrokerNotReady, UnsafeToRoll } from '../kafka/safety/errors.ts';
import { isBackHealthy } from '../kafka/safety/health.ts';
import { restartOrder, restartPhases } from '../kafka/safety/order.ts';
import { initialReadiness, nextReadiness, type ReadinessState } from '../kafka/safety/readiness.ts';
import type { ClusterSnapshot } from '../kafka/snapshot.ts';
import type { Plan, PlannedBroker } from '../model/plan.ts';
import type { CommandHandle, HostedPartitions, KafkaAdmin, OwnView } from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import { awaitCommand } from './command.ts';
import type { StepDeps } from './deps.ts';
import { KafkaUnavailable, StepInputInvalid } from './errors.ts';

/*
 * The rolling restart, one batch at a time (a batch is one broker with `rollout.batch: none`, or brokers of one rack
 * that may be down together with `rack`), as small non-blocking calls the orchestrator loops over:
 *   orderRestarts (the batches, from a live snapshot)
 *   → per batch: checkCanRoll (the batch's gate: wait while unsafe, fail after rollout.canRollTimeoutSeconds)
 *   → advanceRestart (start every broker's restart command together, then poll them all)
 *   → checkHealthy (every broker of the batch N times healthy in a row, fail after rollout.healthTimeoutSeconds).
 * A broker that fails any of these stops the roll: the orchestrator runs batches strictly in sequence and does not
 * tolerate a failed item, so later batches are never touched. The algorithm is in docs/rolling-restart.md.
 */

/**
 * The batches, recomputed with a live snapshot: the active controller may have moved, and the partition map may have
 * changed, since planning. `none`: the serial order, one broker per batch. `rack`: docs/rolling-restart.md §8.7.
 */
export async function orderRestarts(spec: ClusterSpec, plan: Plan, deps: Pick<StepDeps, 'kafka'>): Promise<number[][]> {
  if (plan.restartOrder.length === 0) return [];
  const snapshot = await withKafka(spec, deps, (kafka) => kafka.snapshot());
  const needsRestart = plan.restartOrder;
  if (spec.rollout.batch === 'none') return restartOrder({ needsRestart, snapshot }).map((id) => [id]);
  const phases = restartPhases({ needsRestart, snapshot });
  const topology = rackTopology(snapshot, { nodes: needsRestart, zones: zonesOf(plan.brokers) });
  return restartBatches({ phases, topology }).map((batch) => batch.brokers);
}

export interface GateState {
  /** When this gate was first checked for this batch (ISO): the deadline counts from here. */
  since: string;
  ok: boolean;
  reasons: string[];
  checks: number;
}

export async function checkCanRoll(
  spec: ClusterSpec,
  brokerIds: readonly number[],
  previous: GateState | undefined,
  deps: Pick<StepDeps, 'kafka' | 'clock'>,
): Promise<GateState> {
  const now = deps.clock.now();
  const since = previous?.since ?? now.toISOString();
  // The cluster's view, and what each broker of the batch hosts: a gate that cannot see every partition fails closed.
  const { snapshot, hosted } = await withKafka(spec, deps, async (kafka) => {
    const snapshot = await kafka.snapshot();
    const hosted = new Map<number, HostedPartitions>();
    for (const id of brokerIds) hosted.set(id, await kafka.hostedPartitions(id));
    return { snapshot, hosted };
  });
  const verdict = canRollBatch(brokerIds, snapshot, { hosted });
  const reasons = verdict.ok ? [] : [...verdict.reasons];
  if (!verdict.ok && secondsBetween(since, now) >= spec.rollout.canRollTimeoutSeconds) {
    throw new UnsafeToRoll(brokerIds, [
      ...reasons,
      `still unsafe after ${spec.rollout.canRollTimeoutSeconds} s (rollout.canRollTimeoutSeconds); the roll stops here`,
    ]);
  }
  return { since, ok: verdict.ok, reasons, checks: (previous?.checks ?? 0) + 1 };
}

/** One broker's restart within its batch. */
export type BrokerRestart =
  /** Its restart command was not accepted yet (a transient error after others of the batch had started). */
  | { brokerId: number; phase: 'starting'; failures: number; lastError: string }
  | { brokerId: number; phase: 'restarting'; handle: CommandHandle }
  | { brokerId: number; phase: 'done' };

export interface RestartState {
  phase: 'restarting' | 'done';
  brokers: BrokerRestart[];
}

/** Transient start failures one broker may have once others of its batch are restarting (then the roll stops). */
export const MAX_START_FAILURES = 3;

/**
 * Starts the restart of every broker of the batch together (first call), then polls every command (later calls);
 * `done` when all have finished. Never starts a broker twice: a broker's start that fails transiently is tried again
 * on the next call only while no other broker of the batch has started (then the engine's retry runs the whole call
 * again, which is safe) or for MAX_START_FAILURES calls; any other failure stops the roll.
 */
export async function advanceRestart(
  spec: ClusterSpec,
  brokers: readonly PlannedBroker[],
  state: RestartState | undefined,
  deps: Pick<StepDeps, 'commands'>,
): Promise<RestartState> {
  if (state?.phase === 'done') return state;
  const current: BrokerRestart[] =
    state?.brokers ?? brokers.map((b) => ({ brokerId: b.id, phase: 'starting', failures: 0, lastError: '' }));
  const byId = new Map(brokers.map((b) => [b.id, b]));
  const anyStarted = current.some((b) => b.phase !== 'starting');
  const next = await Promise.all(
    current.map(async (entry): Promise<BrokerRestart | { error: unknown; entry: BrokerRestart }> => {
      try {
        if (entry.phase === 'done') return entry;
        if (entry.phase === 'restarting') {
          const stdout = await awaitCommand(entry.handle, deps.commands, 'restarting the broker');
          return stdout === undefined ? entry : { brokerId: entry.brokerId, phase: 'done' };
        }
        const broker = byId.get(entry.brokerId);
        if (broker === undefined)
          throw new StepInputInvalid(`broker ${entry.brokerId} of the restart state is not in the batch`);
        const target = {
          brokerId: broker.id,
          host: broker.host,
          ...(broker.instanceId ? { instanceId: broker.instanceId } : {}),
        };
        const handle = await deps.commands.start(target, {
          kind: 'restart',
          method: spec.brokers.restart,
          path: spec.brokers.propertiesPath,
        });
        return { brokerId: broker.id, phase: 'restarting', handle };
      } catch (error) {
        return { error, entry };
      }
    }),
  );
  const failed = next.filter((n): n is { error: unknown; entry: BrokerRestart } => 'error' in n);
  const startedNow = next.some((n) => !('error' in n) && n.phase !== 'starting');
  for (const { error, entry } of failed) {
    const transient = error instanceof BrokerlinkError && error.disposition === 'retry';
    // Nothing of the batch runs yet: the engine's own retry may run this call again without starting anything twice.
    if (!anyStarted && !startedNow) throw error;
    if (!transient || entry.phase !== 'starting' || entry.failures + 1 >= MAX_START_FAILURES) throw error;
  }
  const brokersNext: BrokerRestart[] = next.map((n) =>
    'error' in n
      ? {
          brokerId: n.entry.brokerId,
          phase: 'starting',
          failures: (n.entry.phase === 'starting' ? n.entry.failures : 0) + 1,
          lastError: (n.error as Error).message,
        }
      : n,
  );
  return { phase: brokersNext.every((b) => b.phase === 'done') ? 'done' : 'restarting', brokers: brokersNext };
}

export interface HealthState {
  /** When the batch's first health check ran (ISO): the deadline counts from here. */
  since: string;
  /** Every broker of the batch is ready in the same observation. */
  ready: boolean;
  brokers: { brokerId: number; readiness: ReadinessState }[];
}

/**
 * One observation of the whole batch: one snapshot, and each broker asked on its own listener (the unclean-stop
 * rule). Ready when every broker of the batch has `rollout.healthyChecks` healthy observations in a row in this same
 * observation; fails with BrokerNotReady (naming the brokers not back) after `rollout.healthTimeoutSeconds`.
 */
export async function checkHealthy(
  spec: ClusterSpec,
  brokerIds: readonly number[],
  previous: HealthState | undefined,
  deps: Pick<StepDeps, 'kafka' | 'clock'>,
): Promise<HealthState> {
  const now = deps.clock.now();
  const since = previous?.since ?? now.toISOString();
  let observed: { snapshot: ClusterSnapshot; ownViews: Map<number, OwnView> } | undefined;
  try {
    // The cluster's view, and each broker's own: only a new process that registered answers on its listener.
    observed = await withKafka(spec, deps, async (kafka) => {
      const snapshot = await kafka.snapshot();
      const ownViews = new Map<number, OwnView>();
      for (const id of brokerIds) ownViews.set(id, await kafka.ownView(id));
      return { snapshot, ownViews };
    });
  } catch (error) {
    // Right after a restart the cluster may briefly refuse us; that is an unhealthy observation, not a failure.
    if (!(error instanceof KafkaUnavailable)) throw error;
  }
  const brokers = brokerIds.map((brokerId) => {
    const readiness =
      previous?.brokers.find((b) => b.brokerId === brokerId)?.readiness ??
      initialReadiness({ requiredConsecutive: spec.rollout.healthyChecks });
    const health = observed
      ? isBackHealthy(brokerId, observed.snapshot, { ownView: observed.ownViews.get(brokerId)! })
      : { healthy: false, reasons: ['the cluster could not be reached'] };
    return { brokerId, readiness: nextReadiness(readiness, health) };
  });
  const ready = brokers.every((b) => b.readiness.ready);
  if (!ready && secondsBetween(since, now) >= spec.rollout.healthTimeoutSeconds) {
    const notReady = brokers.filter((b) => !b.readiness.ready);
    const single = brokerIds.length === 1;
    throw new BrokerNotReady(
      notReady.map((b) => b.brokerId),
      [
        ...notReady.flatMap((b) =>
          single ? b.readiness.lastReasons : b.readiness.lastReasons.map((r) => `broker ${b.brokerId}: ${r}`),
        ),
        `not healthy within ${spec.rollout.healthTimeoutSeconds} s (rollout.healthTimeoutSeconds); the roll stops here and later brokers are left untouched`,
      ],
    );
  }
  return { since, ready, brokers };
}

async function withKafka<T>(
  spec: ClusterSpec,
  deps: Pick<StepDeps, 'kafka'>,
  use: (kafka: KafkaAdmin) => Promise<T>,
): Promise<T> {
  let kafka: KafkaAdmin | undefined;
  try {
    kafka = await deps.kafka(spec);
    return await use(kafka);
  } catch (error) {
    if (error instanceof KafkaUnavailable) throw error;
    throw new KafkaUnavailable(
      `Kafka at ${spec.kafka.bootstrap.join(', ')} could not be queried: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    await kafka?.close().catch(() => undefined);
  }
}

function secondsBetween(sinceIso: string, now: Date): number {
  return (now.getTime() - Date.parse(sinceIso)) / 1000;
}
