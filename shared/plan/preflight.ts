import type { DiscoveredBroker, ListenerView, ObservedState } from '../model/observed.ts';
import type { ClusterSpec, Exposure } from '../spec/schema.ts';
import { BIND_HOST } from './phases/types.ts';

/*
 * Refuse before mutating: what the observed state already shows would make the apply fail half-way — after the
 * load balancer was changed — is a plan-time problem instead. Called by the planner with the brokers it is about
 * to expose; each function returns sentences, the planner throws them as one PlanInvalid before any action.
 *
 *  - Listener collisions: an exposure named like a listener the broker already runs for something else
 *    (INTERNAL, CONTROLLER, …: bound to another address than the exposure's), or another listener already bound
 *    to the exposure's broker port. The config push would refuse the broker's file for the same reason
 *    (shared/properties/listeners.ts checkExposure), but only after the LB mappings were created and opened.
 *  - Swapped identities: a broker that advertises its listeners at the address where discovery found *another*
 *    broker. Its node-id tag (or `brokers.static` entry) names the wrong node, and registering LB targets by it
 *    would send one broker's consumers to another. The config push has its own node-id guard (push-config.ts);
 *    this catches the cases Kafka can already see, before the LB is touched.
 *
 * The running config comes from the brokers themselves (DescribeConfigs); a broker whose config is unknown
 * (Kafka unreachable, broker stopped) is not judged here: the push's checks still apply to it.
 */

const SHOWN = 5;

export function preflightProblems(
  spec: ClusterSpec,
  observed: ObservedState,
  brokers: readonly DiscoveredBroker[],
): string[] {
  return [...listenerCollisions(spec, observed, brokers), ...swappedIdentities(spec, observed, brokers)];
}

function viewsOf(
  observed: ObservedState,
  broker: DiscoveredBroker,
): Readonly<Record<string, ListenerView>> | undefined {
  const config = observed.brokerConfigs?.[String(broker.id)];
  return config?.running ?? config?.file;
}

function endpoint(name: string, bind: { host: string; port: number }): string {
  return `${name}://${bind.host.includes(':') ? `[${bind.host}]` : bind.host}:${bind.port}`;
}

function listenerCollisions(
  spec: ClusterSpec,
  observed: ObservedState,
  brokers: readonly DiscoveredBroker[],
): string[] {
  const problems: string[] = [];
  spec.exposures.forEach((exposure, index) => {
    const byReason = new Map<string, number[]>(); // reason → broker ids
    for (const broker of brokers) {
      const views = viewsOf(observed, broker);
      if (views === undefined) continue;
      for (const [name, view] of Object.entries(views)) {
        const reason = collision(exposure, name, view);
        if (reason !== undefined) byReason.set(reason, [...(byReason.get(reason) ?? []), broker.id]);
      }
    }
    for (const [reason, ids] of byReason) {
      const who =
        ids.length === 1
          ? `broker ${ids[0]}`
          : `brokers ${ids.slice(0, SHOWN).join(', ')}${ids.length > SHOWN ? ` and ${ids.length - SHOWN} more` : ''}`;
      problems.push(
        `exposures[${index}] (listener ${exposure.listener}, broker port ${exposure.brokerPort}) collides with a listener ${who} already ${ids.length === 1 ? 'runs' : 'run'}: ${reason}. Nothing was changed.`,
      );
    }
  });
  return problems;
}

function collision(exposure: Exposure, name: string, view: ListenerView): string | undefined {
  const bind = view.bind;
  if (bind === undefined) return undefined;
  const ours = { host: BIND_HOST, port: exposure.brokerPort };
  if (name.toUpperCase() === exposure.listener.toUpperCase()) {
    if (bind.host === ours.host && bind.port === ours.port) return undefined; // brokerlink's own, from an earlier run
    return `${endpoint(name, bind)} is not brokerlink's (brokerlink would bind ${endpoint(exposure.listener, ours)}); give the exposure another listener name, such as EXTERNAL`;
  }
  if (bind.port === exposure.brokerPort) {
    return `${endpoint(name, bind)} already binds port ${exposure.brokerPort}; choose another brokerPort for the exposure`;
  }
  return undefined;
}

function swappedIdentities(spec: ClusterSpec, observed: ObservedState, brokers: readonly DiscoveredBroker[]): string[] {
  const idByHost = new Map(brokers.map((broker) => [broker.host.toLowerCase(), broker.id]));
  const problems: string[] = [];
  for (const broker of brokers) {
    const views = viewsOf(observed, broker);
    if (views === undefined) continue;
    const advertised = Object.entries(views).flatMap(([name, view]) =>
      view.advertised === undefined ? [] : [{ name, host: view.advertised.host.toLowerCase() }],
    );
    if (advertised.some((listener) => listener.host === broker.host.toLowerCase())) continue;
    const elsewhere = advertised.find((listener) => {
      const other = idByHost.get(listener.host);
      return other !== undefined && other !== broker.id;
    });
    if (elsewhere === undefined) continue;
    const other = idByHost.get(elsewhere.host)!;
    problems.push(
      `broker ${broker.id} was found at ${describe(broker)}, but broker ${broker.id} advertises ${elsewhere.name} at ${elsewhere.host}, where broker ${other} was found: the two hosts' node ids are swapped or wrong. Fix ${brokerIdSource(spec, broker)}. Nothing was changed.`,
    );
  }
  return problems;
}

function describe(broker: DiscoveredBroker): string {
  return broker.instanceId === undefined || broker.instanceId === broker.host
    ? broker.host
    : `instance ${broker.instanceId} (${broker.host})`;
}

/** Where brokerlink took a broker's id from, as the thing a person fixes: the instance's tag or the spec entry. */
export function brokerIdSource(spec: ClusterSpec, broker: { id: number; host: string; instanceId?: string }): string {
  const discover = spec.brokers.discover;
  if (discover !== undefined) {
    return `the "${discover.nodeIdTag}" tag of ${broker.instanceId ?? broker.host} (it says ${broker.id})`;
  }
  const index = spec.brokers.static?.findIndex((entry) => entry.id === broker.id) ?? -1;
  return `brokers.static${index < 0 ? '' : `[${index}]`} in the spec (id ${broker.id}, host ${broker.host})`;
}
