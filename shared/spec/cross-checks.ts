import { MAX_NODE_ID } from '../model/schemas.ts';
import type { ProviderProfile } from '../providers/profile.ts';
import { profileOf, statedListenerQuota } from '../providers/profiles.ts';
import { withKey } from '../util/issues.ts';
import { hasOwnKey } from '../util/own.ts';
import { quoted } from '../util/printable.ts';
import type { SpecIssue } from './errors.ts';
import { dnsNameProblem, formatBrokerId, patternProblems, renderPattern } from './pattern.ts';
import type { ClusterSpec, Exposure, StaticBroker } from './schema.ts';

/** Rules that involve more than one field. Returns every problem found (never stops at the first). */
export function crossCheck(spec: ClusterSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const profile = profileOf(spec);
  const staticBrokers = spec.brokers.static;

  checkKafkaSecurity(spec, issues);
  checkPorts(spec, issues);
  checkCommandScope(spec, profile, issues);

  const largestId = staticBrokers?.reduce((max, broker) => Math.max(max, broker.id), 0) ?? MAX_NODE_ID;
  spec.exposures.forEach((exposure, index) => {
    const at = `exposures[${index}]`;
    const { bootstrap, kind } = profile;
    if (bootstrap.model === 'broker-ports' && exposure.bootstrapPort !== undefined) {
      issues.push({
        path: `${at}.bootstrapPort`,
        message: `must be omitted on ${kind}: ${bootstrap.why}, so consumers bootstrap from the list of broker ports`,
      });
    }
    if (bootstrap.model === 'fan-out' && exposure.bootstrapPort === undefined) {
      issues.push({
        path: `${at}.bootstrapPort`,
        message: `is required on ${kind} (the port that fans out to every broker)`,
      });
    }
    checkPatterns(exposure, at, staticBrokers, largestId, issues);
    if (staticBrokers !== undefined) {
      const capacity = exposure.brokerPorts.to - exposure.brokerPorts.from + 1;
      if (capacity > 0 && staticBrokers.length > capacity) {
        issues.push({
          path: `${at}.brokerPorts`,
          message: `holds ${capacity} ports but ${staticBrokers.length} brokers are listed; widen the range`,
        });
      }
    }
  });

  if (staticBrokers !== undefined) {
    checkStaticBrokers(staticBrokers, issues);
    issues.push(...capacityIssues(spec, staticBrokers.length));
  }
  return issues;
}

/**
 * The listener limit the planner holds a spec to: the provider's quota when it cannot be raised; for an adjustable
 * one, the quota the spec states (Alibaba's `listenerQuota`), else none (a raised quota is not visible to
 * brokerlink; the cloud's own refusal names it).
 */
export function enforcedListenerQuota(spec: ClusterSpec): number | undefined {
  const quota = profileOf(spec).listenerQuota;
  if (quota === null) return undefined;
  return quota.adjustable ? statedListenerQuota(spec) : quota.limit;
}

/** Provider quota check, shared by validation (static brokers) and planning (discovered brokers). */
export function capacityIssues(spec: ClusterSpec, brokerCount: number): SpecIssue[] {
  const { kind, nouns } = profileOf(spec);
  const quota = enforcedListenerQuota(spec);
  if (quota === undefined) return [];
  const needed = spec.exposures.reduce(
    (sum, exposure) => sum + brokerCount + (exposure.bootstrapPort === undefined ? 0 : 1),
    0,
  );
  if (needed <= quota) return [];
  const perExposure = spec.exposures.length;
  const maxBrokers = Math.floor((quota - perExposure) / perExposure);
  return [
    {
      path: 'exposures',
      message:
        `needs ${needed} listeners on one load balancer (${brokerCount} brokers × ${perExposure} exposure(s) + ${perExposure} bootstrap), ` +
        `but a ${kind} ${nouns.loadBalancer} allows at most ${quota}; with ${perExposure} exposure(s) at most ${maxBrokers} brokers fit. ` +
        'Put further exposures on another load balancer.',
    },
  ];
}

/**
 * Where the provider scopes the run-command permission by an instance tag (AWS: `brokerlink:cluster`, least
 * privilege), discovery must select by that tag: otherwise a discovered broker would fail later, at its config push.
 */
function checkCommandScope(spec: ClusterSpec, profile: ProviderProfile, issues: SpecIssue[]): void {
  const tags = spec.brokers.discover?.tags;
  const scope = profile.commandScope;
  if (scope === undefined || tags === undefined || tags[scope.tag] === spec.cluster) return;
  issues.push({
    path: 'brokers.discover.tags',
    message:
      `must include "${scope.tag}": ${spec.cluster} — brokerlink may run commands only on instances tagged so ` +
      `(tag them, e.g. ${scope.tagCommand.replaceAll('<cluster>', spec.cluster)})`,
  });
}

function checkKafkaSecurity(spec: ClusterSpec, issues: SpecIssue[]): void {
  const { protocol, sasl, tls } = spec.kafka.security;
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  if (usesSasl && sasl === undefined) {
    issues.push({ path: 'kafka.security.sasl', message: `is required when protocol is ${protocol}` });
  }
  if (!usesSasl && sasl !== undefined) {
    issues.push({ path: 'kafka.security.sasl', message: `is set but protocol ${protocol} does not use SASL` });
  }
  if (!usesTls && tls !== undefined) {
    issues.push({ path: 'kafka.security.tls', message: `is set but protocol ${protocol} does not use TLS` });
  }
  if (tls !== undefined && (tls.clientCertRef === undefined) !== (tls.clientKeyRef === undefined)) {
    issues.push({ path: 'kafka.security.tls', message: 'clientCertRef and clientKeyRef must be given together' });
  }
}

/*
 * Port rules across exposures, in O(E log E) for E exposures (a spec with thousands of exposures must not take
 * minutes to reject): ranges are swept in order of their start, bootstrap ports are looked up by binary search.
 */
function checkPorts(spec: ClusterSpec, issues: SpecIssue[]): void {
  const internalPorts = new Set(
    spec.kafka.bootstrap.map((address) => Number(address.slice(address.lastIndexOf(':') + 1))),
  );
  const seenListeners = new Map<string, number>();
  const seenBrokerPorts = new Map<number, number>();
  const seenBootstrapPorts = new Map<number, number>();

  spec.exposures.forEach((exposure, index) => {
    const at = `exposures[${index}]`;
    const { from, to } = exposure.brokerPorts;
    if (from > to) issues.push({ path: `${at}.brokerPorts.to`, message: `must be ≥ from (${from}), got ${to}` });

    const sameListener = seenListeners.get(exposure.listener);
    if (sameListener !== undefined) {
      issues.push({
        path: `${at}.listener`,
        message: `"${exposure.listener}" is already used by exposures[${sameListener}]`,
      });
    } else seenListeners.set(exposure.listener, index);

    const sameBrokerPort = seenBrokerPorts.get(exposure.brokerPort);
    if (sameBrokerPort !== undefined) {
      issues.push({
        path: `${at}.brokerPort`,
        message: `${exposure.brokerPort} is already the broker port of exposures[${sameBrokerPort}]; each listener binds its own port`,
      });
    } else seenBrokerPorts.set(exposure.brokerPort, index);
    if (internalPorts.has(exposure.brokerPort)) {
      issues.push({
        path: `${at}.brokerPort`,
        message: `${exposure.brokerPort} is the port of the internal listener in kafka.bootstrap; choose a free port`,
      });
    }

    if (exposure.bootstrapPort !== undefined) {
      const sameBootstrap = seenBootstrapPorts.get(exposure.bootstrapPort);
      if (sameBootstrap !== undefined) {
        issues.push({
          path: `${at}.bootstrapPort`,
          message: `${exposure.bootstrapPort} is already the bootstrap port of exposures[${sameBootstrap}]`,
        });
      } else seenBootstrapPorts.set(exposure.bootstrapPort, index);
    }
  });

  // Ranges sorted by start; `reach[k]` is the exposure with the largest end among the first k+1 of them.
  const ranges = spec.exposures
    .map((exposure, index) => ({ index, from: exposure.brokerPorts.from, to: exposure.brokerPorts.to }))
    .filter((range) => range.from <= range.to)
    .sort((a, b) => a.from - b.from || a.index - b.index);
  const reach: (typeof ranges)[number][] = [];
  ranges.forEach((range, k) => {
    const before = reach[k - 1];
    if (before !== undefined && range.from <= before.to) {
      const [earlier, later] = before.index < range.index ? [before, range] : [range, before];
      issues.push({
        path: `exposures[${later.index}].brokerPorts`,
        message: `${later.from}-${later.to} overlaps exposures[${earlier.index}].brokerPorts ${earlier.from}-${earlier.to}; consumer-side port ranges must not overlap`,
      });
    }
    reach.push(before === undefined || range.to > before.to ? range : before);
  });

  spec.exposures.forEach((exposure, index) => {
    const bootstrap = exposure.bootstrapPort;
    if (bootstrap === undefined) return;
    // The last range starting at or below the port; the one reaching furthest among those holds it if any does.
    let low = 0;
    let high = ranges.length - 1;
    let last = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (ranges[middle]!.from <= bootstrap) {
        last = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    const holder = last < 0 ? undefined : reach[last];
    if (holder !== undefined && holder.to >= bootstrap) {
      issues.push({
        path: `exposures[${index}].bootstrapPort`,
        message: `${bootstrap} lies inside exposures[${holder.index}].brokerPorts ${holder.from}-${holder.to}`,
      });
    }
  });
}

function checkPatterns(
  exposure: Exposure,
  at: string,
  staticBrokers: StaticBroker[] | undefined,
  largestId: number,
  issues: SpecIssue[],
): void {
  const patterns =
    typeof exposure.advertisedListenerPattern === 'string'
      ? [{ path: `${at}.advertisedListenerPattern`, pattern: exposure.advertisedListenerPattern }]
      : Object.entries(exposure.advertisedListenerPattern).map(([zone, pattern]) => ({
          path: withKey(`${at}.advertisedListenerPattern`, zone),
          pattern,
        }));

  for (const { path, pattern } of patterns) {
    const problems = patternProblems(pattern, exposure.placeholders);
    for (const message of problems) issues.push({ path, message });
    if (problems.length > 0) continue;
    // Render the longest name this exposure can produce; unknown placeholders are judged once known.
    const sample = renderPattern(pattern, {
      ...exposure.placeholders,
      broker_id: formatBrokerId(exposure.brokerIdFormat, largestId),
      port: String(exposure.brokerPorts.to),
    });
    if (sample.kind === 'rendered') {
      const problem = dnsNameProblem(sample.host);
      if (problem !== undefined) issues.push({ path, message: `renders "${sample.host}": ${problem}` });
    }
  }

  if (typeof exposure.advertisedListenerPattern !== 'string' && staticBrokers !== undefined) {
    const zones = exposure.advertisedListenerPattern;
    const missing = new Map<string, number[]>(); // zone → ids of the brokers in it, in spec order
    staticBrokers.forEach((broker, index) => {
      const zone = broker.azId ?? broker.az;
      if (zone === undefined) {
        issues.push({
          path: `brokers.static[${index}]`,
          message: `needs azId (or az): ${at}.advertisedListenerPattern is per zone`,
        });
      } else if (!hasOwnKey(zones, zone)) {
        missing.set(zone, [...(missing.get(zone) ?? []), broker.id]);
      }
    });
    const known = Object.keys(zones);
    for (const [zone, ids] of missing) {
      const shown = ids.slice(0, 5).join(', ');
      const brokers =
        ids.length === 1 ? `broker ${shown}` : `brokers ${shown}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;
      issues.push({
        path: `${at}.advertisedListenerPattern`,
        message: `has no pattern for zone ${quoted(zone)} of ${brokers}; add one (zones with patterns: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''})`,
      });
    }
  }
}

function checkStaticBrokers(brokers: StaticBroker[], issues: SpecIssue[]): void {
  const byId = new Map<number, number>();
  const byHost = new Map<string, number>();
  brokers.forEach((broker, index) => {
    const first = byId.get(broker.id);
    if (first !== undefined) {
      issues.push({
        path: `brokers.static[${index}].id`,
        message: `${broker.id} is already used by brokers.static[${first}]`,
      });
    } else byId.set(broker.id, index);

    // Every broker binds the same brokerPort, so two brokers on one address would be one load-balancer target.
    const host = broker.host.toLowerCase().replace(/\.$/, '');
    const sameHost = byHost.get(host);
    if (sameHost !== undefined) {
      issues.push({
        path: `brokers.static[${index}].host`,
        message: `${broker.host} is already the host of brokers.static[${sameHost}] (broker ${brokers[sameHost]!.id}); each broker needs its own address${host.startsWith('127.') ? ' (on one machine, give each broker its own loopback address: 127.0.1.1, 127.0.1.2, …)' : ''}`,
      });
    } else byHost.set(host, index);
  });
}
