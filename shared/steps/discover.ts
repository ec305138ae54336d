import { rackTopology, zonesOf } from '../kafka/safety/batches.ts';
import { joinLedger } from '../ledger/join.ts';
import type { ListenerView, ObservedBrokerConfig, ObservedLoadBalancer, ObservedState } from '../model/observed.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import { mapLimit } from '../util/map-limit.ts';
import type { StepDeps } from './deps.ts';

const PROBE_CONCURRENCY = 8;

/**
 * Observes the world: brokers from the provider, the port ledger and the load balancer at its ports, and from
 * Kafka the listeners each running broker reports plus the active controller. Kafka being unreachable is not fatal here (LB work can still
 * be planned); the affected brokers' running config is simply unknown and the plan says so.
 */
export async function discover(
  spec: ClusterSpec,
  deps: Pick<StepDeps, 'discovery' | 'loadBalancer' | 'ledger' | 'kafka' | 'clock'>,
): Promise<ObservedState> {
  const [brokers, loadBalancer] = await Promise.all([
    deps.discovery.discoverBrokers(spec),
    observeLoadBalancer(spec, deps),
  ]);
  const observed: ObservedState = {
    observedAt: deps.clock.now().toISOString(),
    brokers: [...brokers].sort((a, b) => a.id - b.id),
    loadBalancer,
  };

  let kafka: Awaited<ReturnType<StepDeps['kafka']>> | undefined;
  try {
    kafka = await deps.kafka(spec);
    const snapshot = await kafka.snapshot();
    const running = await mapLimit(observed.brokers, PROBE_CONCURRENCY, async (broker) => {
      const listeners = await kafka!.runningListeners(broker.id).catch(() => null);
      return [broker.id, listeners] as const;
    });
    const brokerConfigs: Record<string, ObservedBrokerConfig> = {};
    for (const [id, listeners] of running) {
      if (listeners !== null) brokerConfigs[String(id)] = { running: listeners as Record<string, ListenerView> };
    }
    observed.brokerConfigs = brokerConfigs;
    // Live per Metadata: a discovered broker missing here is down (stopped, crashed, fenced), not misconfigured.
    observed.kafka = {
      controllerId: snapshot.controllerId ?? null,
      liveBrokers: snapshot.brokers.map((broker) => broker.id).sort((a, b) => a - b),
    };
    if (snapshot.nodeRoles !== undefined) {
      observed.kafka.nodeRoles = Object.fromEntries(
        Object.entries(snapshot.nodeRoles).map(([id, roles]) => [id, roles]),
      );
    }
    if (spec.rollout.batch === 'rack') {
      // What the batches are planned from; the roll decides them again on the live cluster (orderRestarts).
      observed.kafka.topology = rackTopology(snapshot, {
        nodes: observed.brokers.map((b) => b.id),
        zones: zonesOf(observed.brokers),
      });
    }
  } catch {
    // Deliberately tolerated: see the doc comment. The planner treats missing running configs as unknown.
  } finally {
    await kafka?.close().catch(() => undefined);
  }
  return observed;
}

/** The ledger first: the load balancer is observed at the ports the ledger holds. */
async function observeLoadBalancer(
  spec: ClusterSpec,
  deps: Pick<StepDeps, 'loadBalancer' | 'ledger'>,
): Promise<ObservedLoadBalancer> {
  const entries = await deps.ledger.read(spec);
  return joinLedger(entries, await deps.loadBalancer.observe(spec, entries));
}
