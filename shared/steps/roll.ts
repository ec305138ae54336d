import { canRoll } from '../kafka/safety/can-roll.ts';
import { BrokerNotReady, UnsafeToRoll } from '../kafka/safety/errors.ts';
import { isBackHealthy } from '../kafka/safety/health.ts';
import { restartOrder } from '../kafka/safety/order.ts';
import { initialReadiness, nextReadiness, type ReadinessState } from '../kafka/safety/readiness.ts';
import type { ClusterSnapshot } from '../kafka/snapshot.ts';
import type { Plan, PlannedBroker } from '../model/plan.ts';
import type { CommandHandle, KafkaAdmin, OwnView } from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import { awaitCommand } from './command.ts';
import type { StepDeps } from './deps.ts';
import { KafkaUnavailable } from './errors.ts';

/*
 * The rolling restart, one broker at a time, as small non-blocking calls the orchestrator loops over:
 *   checkCanRoll (wait while unsafe, fail after rollout.canRollTimeoutSeconds)
 *   → advanceRestart (start the restart command, then poll it)
 *   → checkHealthy (N consecutive healthy observations, fail after rollout.healthTimeoutSeconds).
 * A broker that fails any of these stops the roll: the orchestrator runs brokers strictly in sequence and does
 * not tolerate a failed item, so later brokers are never touched. The algorithm is in docs/rolling-restart.md.
 */

/** Recomputes the order with a live snapshot: the active controller may have moved since planning. */
export async function orderRestarts(spec: ClusterSpec, plan: Plan, deps: Pick<StepDeps, 'kafka'>): Promise<number[]> {
  if (plan.restartOrder.length === 0) return [];
  const snapshot = await withKafka(spec, deps, (kafka) => kafka.snapshot());
  return restartOrder({ needsRestart: plan.restartOrder, snapshot });
}

export interface GateState {
  /** When this gate was first checked for this broker (ISO): the deadline counts from here. */
  since: string;
  ok: boolean;
  reasons: string[];
  checks: number;
}

export async function checkCanRoll(
  spec: ClusterSpec,
  brokerId: number,
  previous: GateState | undefined,
  deps: Pick<StepDeps, 'kafka' | 'clock'>,
): Promise<GateState> {
  const now = deps.clock.now();
  const since = previous?.since ?? now.toISOString();
  // The cluster's view, and what the broker itself hosts: a gate that cannot see every partition fails closed.
  const { snapshot, hosted } = await withKafka(spec, deps, async (kafka) => ({
    snapshot: await kafka.snapshot(),
    hosted: await kafka.hostedPartitions(brokerId),
  }));
  const verdict = canRoll(brokerId, snapshot, { hosted });
  const reasons = verdict.ok ? [] : [...verdict.reasons];
  if (!verdict.ok && secondsBetween(since, now) >= spec.rollout.canRollTimeoutSeconds) {
    throw new UnsafeToRoll(brokerId, [
      ...reasons,
      `still unsafe after ${spec.rollout.canRollTimeoutSeconds} s (rollout.canRollTimeoutSeconds); the roll stops here`,
    ]);
  }
  return { since, ok: verdict.ok, reasons, checks: (previous?.checks ?? 0) + 1 };
}

export type RestartState =
  | { brokerId: number; phase: 'restarting'; handle: CommandHandle }
  | { brokerId: number; phase: 'done' };

export async function advanceRestart(
  spec: ClusterSpec,
  broker: PlannedBroker,
  state: RestartState | undefined,
  deps: Pick<StepDeps, 'commands'>,
): Promise<RestartState> {
  if (state === undefined) {
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
  }
  if (state.phase === 'done') return state;
  const stdout = await awaitCommand(state.handle, deps.commands, 'restarting the broker');
  return stdout === undefined ? state : { brokerId: broker.id, phase: 'done' };
}

export interface HealthState {
  since: string;
  readiness: ReadinessState;
}

export async function checkHealthy(
  spec: ClusterSpec,
  brokerId: number,
  previous: HealthState | undefined,
  deps: Pick<StepDeps, 'kafka' | 'clock'>,
): Promise<HealthState> {
  const now = deps.clock.now();
  const since = previous?.since ?? now.toISOString();
  const readiness = previous?.readiness ?? initialReadiness({ requiredConsecutive: spec.rollout.healthyChecks });
  let observed: { snapshot: ClusterSnapshot; ownView: OwnView } | undefined;
  try {
    // The cluster's view, and the broker's own: only a new process that registered answers on its listener.
    observed = await withKafka(spec, deps, async (kafka) => ({
      snapshot: await kafka.snapshot(),
      ownView: await kafka.ownView(brokerId),
    }));
  } catch (error) {
    // Right after a restart the cluster may briefly refuse us; that is an unhealthy observation, not a failure.
    if (!(error instanceof KafkaUnavailable)) throw error;
  }
  const health = observed
    ? isBackHealthy(brokerId, observed.snapshot, { ownView: observed.ownView })
    : { healthy: false, reasons: ['the cluster could not be reached'] };
  const next = nextReadiness(readiness, health);
  if (!next.ready && secondsBetween(since, now) >= spec.rollout.healthTimeoutSeconds) {
    throw new BrokerNotReady(brokerId, [
      ...next.lastReasons,
      `not healthy within ${spec.rollout.healthTimeoutSeconds} s (rollout.healthTimeoutSeconds); the roll stops here and later brokers are left untouched`,
    ]);
  }
  return { since, readiness: next };
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
