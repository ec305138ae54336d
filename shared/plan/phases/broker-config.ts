import type { DiscoveredBroker, ListenerView, ObservedState } from '../../model/observed.ts';
import type { ConfigChange, DesiredListener, PlannedBroker } from '../../model/plan.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { zoned } from './advertised.ts';
import { BIND_HOST } from './types.ts';

/*
 * Phase 6, broker config: the listeners each broker must have (one per exposure: bind 0.0.0.0 on the exposure's
 * brokerPort, advertise its address, the exposure's security protocol), compared with what was observed:
 *  - an exposure whose address waits for a placeholder: the config is not pushed at all yet (`pending`), so the
 *    broker restarts once, when every address is known;
 *  - the file (server.properties) differs → `update`; not observed → `unknown` (the push step reads it and writes
 *    only if it differs); else `none`;
 *  - restart when the running broker (DescribeConfigs) differs; when the running config was not observed, restart
 *    whenever the file changes (or may change);
 *  - a broker that is down — its instance stopped, stopping or still pending, or Kafka answering without it among its live brokers —
 *    is `down`: neither pushed nor restarted (a restart would not bring it back, and the roll would wait on it until
 *    it times out). Its ports are kept; it gets its listeners when it is back. Only when Kafka answered at all can a
 *    broker be missing from it: with Kafka unreachable, nothing is known to be down.
 */

export function planBroker(
  spec: ClusterSpec,
  broker: DiscoveredBroker,
  addresses: ReadonlyMap<string, ReadonlyMap<number, string | null>>,
  observed: ObservedState,
): PlannedBroker {
  const desiredListeners: DesiredListener[] = [];
  const pendingExposures: string[] = [];
  for (const exposure of spec.exposures) {
    const address = addresses.get(exposure.listener)?.get(broker.id) ?? null;
    if (address === null) {
      pendingExposures.push(exposure.listener);
      continue;
    }
    const separator = address.lastIndexOf(':');
    desiredListeners.push({
      name: exposure.listener,
      bindHost: BIND_HOST,
      bindPort: exposure.brokerPort,
      advertisedHost: address.slice(0, separator),
      advertisedPort: Number(address.slice(separator + 1)),
      securityProtocol: exposure.securityProtocol,
    });
  }
  const base = { id: broker.id, host: broker.host, ...zoned(broker), desiredListeners };
  const down = downReason(broker, observed);
  if (down !== undefined) {
    return {
      ...base,
      configChange: 'down',
      restart: false,
      reasons: [`${down}: it is not pushed or restarted; start it, and the next run gives it its listeners`],
    };
  }
  if (pendingExposures.length > 0) {
    return {
      ...base,
      configChange: 'pending',
      restart: false,
      reasons: [
        `advertised address of ${pendingExposures.join(', ')} waits for a placeholder: config is not pushed until every address is known, so the broker restarts once`,
      ],
    };
  }

  const config = observed.brokerConfigs?.[String(broker.id)];
  const reasons: string[] = [];
  let configChange: ConfigChange;
  if (config?.file === undefined) {
    configChange = 'unknown';
    reasons.push('server.properties was not observed: the push step reads it and writes only if it differs');
  } else {
    const fileDiffs = desiredListeners.flatMap((d) => listenerDiffs(config.file?.[d.name], d, 'server.properties'));
    configChange = fileDiffs.length > 0 ? 'update' : 'none';
    reasons.push(...(fileDiffs.length > 0 ? fileDiffs : ['server.properties already has the desired listeners']));
  }

  let restart: boolean;
  if (config?.running === undefined) {
    restart = configChange !== 'none';
    reasons.push(
      restart
        ? 'running config not observed: restart to apply the new listeners'
        : 'running config not observed, file already up to date: no restart',
    );
  } else {
    const runningDiffs = desiredListeners.flatMap((d) =>
      listenerDiffs(config.running?.[d.name], d, 'the running broker'),
    );
    restart = runningDiffs.length > 0;
    reasons.push(
      ...(restart
        ? runningDiffs.map((d) => `${d} (restart to apply)`)
        : ['the running broker already uses the desired listeners']),
    );
  }
  return { ...base, configChange, restart, reasons };
}

/** Why the broker is down, or undefined when it is up (or nothing says otherwise). */
export function downReason(broker: DiscoveredBroker, observed: ObservedState): string | undefined {
  if (broker.state === 'stopped' || broker.state === 'stopping' || broker.state === 'pending')
    return `broker ${broker.id} is down (instance ${broker.state})`;
  const live = observed.kafka?.liveBrokers;
  if (live !== undefined && !live.includes(broker.id)) {
    return `broker ${broker.id} is down (Kafka answers, but without it among its live brokers: stopped, crashed or fenced)`;
  }
  return undefined;
}

function listenerDiffs(view: ListenerView | undefined, desired: DesiredListener, where: string): string[] {
  const name = desired.name;
  if (view === undefined) return [`${where} has no ${name} listener`];
  const diffs: string[] = [];
  const bind = `${desired.bindHost}:${desired.bindPort}`;
  const advertised = `${desired.advertisedHost}:${desired.advertisedPort}`;
  const shown = (hp: { host: string; port: number } | undefined) =>
    hp === undefined ? 'nothing' : `${hp.host}:${hp.port}`;
  if (view.bind === undefined || view.bind.host !== desired.bindHost || view.bind.port !== desired.bindPort) {
    diffs.push(`${where} binds ${name} to ${shown(view.bind)}, want ${bind}`);
  }
  if (
    view.advertised === undefined ||
    view.advertised.host !== desired.advertisedHost ||
    view.advertised.port !== desired.advertisedPort
  ) {
    diffs.push(`${where} advertises ${name} as ${shown(view.advertised)}, want ${advertised}`);
  }
  if (view.securityProtocol !== desired.securityProtocol) {
    diffs.push(
      `${where} maps ${name} to ${view.securityProtocol ?? 'no security protocol'}, want ${desired.securityProtocol}`,
    );
  }
  return diffs;
}

/** Every exposed broker's listener config, in node id order. */
export function brokerConfigs(
  spec: ClusterSpec,
  brokers: readonly { broker: DiscoveredBroker }[],
  addresses: ReadonlyMap<string, ReadonlyMap<number, string | null>>,
  observed: ObservedState,
): PlannedBroker[] {
  return brokers.map(({ broker }) => planBroker(spec, broker, addresses, observed));
}
