import { restartOrder as safeRestartOrder } from '../kafka/safety/order.ts';
import type { NodeRole } from '../kafka/snapshot.ts';
import type {
  DiscoveredBroker,
  ListenerView,
  ObservedMapping,
  ObservedState,
  ObservedTarget,
} from '../model/observed.ts';
import type {
  ConfigChange,
  DesiredListener,
  LbAction,
  PendingPlaceholder,
  Plan,
  PlannedBroker,
  PlannedBrokerPort,
  PlannedExposure,
  PlanTarget,
  RetiredPort,
} from '../model/plan.ts';
import { consumerCidrs, profileOf } from '../providers/profiles.ts';
import { capacityIssues, enforcedListenerQuota } from '../spec/cross-checks.ts';
import { dnsNameProblem, formatBrokerId, renderPattern } from '../spec/pattern.ts';
import type { ClusterSpec, Exposure } from '../spec/schema.ts';
import { ownValue } from '../util/own.ts';
import { CapacityExceeded, PlanInvalid } from './errors.ts';
import { preflightProblems } from './preflight.ts';

/*
 * The planner: spec + observed state → plan. Pure and deterministic: no clock (the observed state's `observedAt`
 * is "now"), no I/O, every list sorted, so the same inputs give a byte-identical plan whatever order discovery or
 * the load balancer listed things in.
 *
 * The stable port registry lives on the load balancer itself (the "ledger"): each broker mapping is tagged with
 * its exposure and node id, so the port a broker owns is read back from the cloud. Rules:
 *  - a broker keeps its port while it exists (also when its instance is replaced: the targets are re-registered);
 *  - a new broker gets the lowest free port of the exposure's range; ports never derive from node ids;
 *  - a removed broker's mapping is retired (stamped with observedAt) and its port is held for
 *    `rollout.portCooldownSeconds`; a broker that comes back inside the cool-down gets its port back (revive);
 *    after the cool-down the mapping is deleted and the port is free again (a returning broker is then new);
 *  - a port outside the current range (the range was changed) is kept while its broker exists, with a warning:
 *    moving a port breaks consumers that cached the address. New brokers only get ports inside the range.
 *  - mappings of listeners that are not in the spec are left alone (a typo in a listener name must not tear down
 *    a live consumer path); the plan warns about them.
 *
 * Action order (each group sorted by exposure, then port): (1) delete mappings whose cool-down is over (they have
 * no targets, and deleting them first lets this run reuse their ports), (2) create, (3) revive, (4) open ports,
 * (5) register, (6) deregister, (7) retire, (8) other deletes (moved/unused bootstrap), (9) close ports.
 * Everything that adds capacity comes before everything that takes live capacity away. Executors must keep this
 * order; `lbStages` splits it into the two runbook stages without reordering.
 */

const BIND_HOST = '0.0.0.0';
const MAX_NODE_ID = 2147483647;

interface BrokerEntry {
  broker: DiscoveredBroker;
  target: PlanTarget;
}

/** What happens to one broker's port in one exposure. */
interface PortDecision {
  port: number;
  lb: PlannedBrokerPort['lb'];
  /** The observed mapping kept or revived, when there is one. */
  mapping?: ObservedMapping;
}

interface ExposureWork {
  exposure: Exposure;
  decisions: Map<number, PortDecision>;
  retired: RetiredPort[];
}

type Phase = 'deleteExpired' | 'create' | 'revive' | 'register' | 'open' | 'deregister' | 'retire' | 'delete' | 'close';
const PHASES: readonly Phase[] = [
  'deleteExpired',
  'create',
  'revive',
  'open',
  'register',
  'deregister',
  'retire',
  'delete',
  'close',
];

export function plan(spec: ClusterSpec, observed: ObservedState): Plan {
  const problems: string[] = [];
  const warnings: string[] = [];
  const now = parseTime(observed.observedAt, 'observedAt', problems);
  const cooldownMs = spec.rollout.portCooldownSeconds * 1000;
  const specListeners = new Set(spec.exposures.map((exposure) => exposure.listener));

  const brokers = exposedBrokers(spec, observed, problems, warnings);
  const mappings = [...observed.loadBalancer.mappings].sort(byExposureThenPort);
  checkLedger(mappings, problems);
  for (const exposure of spec.exposures) checkZones(exposure, brokers, problems);
  problems.push(
    ...preflightProblems(
      spec,
      observed,
      brokers.map((entry) => entry.broker),
    ),
  );
  if (problems.length > 0) throw new PlanInvalid(problems);

  checkListenerQuota(spec, brokers.length);

  for (const mapping of mappings) {
    if (!specListeners.has(mapping.exposure)) {
      warnings.push(
        `the load balancer has a ${mapping.role} mapping on port ${mapping.port} for listener "${mapping.exposure}", which is not in the spec; it is left alone (remove it by hand if the exposure is gone)`,
      );
    }
  }

  const phases = new Map<Phase, LbAction[]>(PHASES.map((phase) => [phase, []]));
  const push = (phase: Phase, action: LbAction) => phases.get(phase)!.push(action);
  const brokerById = new Map(brokers.map((entry) => [entry.broker.id, entry]));

  // ---- 1. decide the fate of every observed broker mapping (keep, revive, retire, delete)
  const freedEarly = new Set<number>();
  const deletedLate = new Set<number>();
  const works: ExposureWork[] = [];
  for (const exposure of spec.exposures) {
    const own = mappings.filter((mapping) => mapping.exposure === exposure.listener && mapping.role === 'broker');
    works.push(
      decideExisting(exposure, own, brokerById, observed, { now, cooldownMs, at: observed.observedAt }, push, {
        freedEarly,
        warnings,
      }),
    );
  }

  // ---- 2. reserve every port still held after this run, then give new brokers the lowest free ports
  const reserved = new Set<number>();
  for (const mapping of mappings) if (!freedEarly.has(mapping.port)) reserved.add(mapping.port);
  for (const exposure of spec.exposures) {
    if (exposure.bootstrapPort === undefined) continue;
    const holder = mappings.find((m) => m.port === exposure.bootstrapPort && !freedEarly.has(m.port));
    if (holder !== undefined && !(holder.role === 'bootstrap' && holder.exposure === exposure.listener)) {
      problems.push(
        `bootstrapPort ${exposure.bootstrapPort} of exposure ${exposure.listener} is held by the ${holder.role} mapping of ${describeHolder(holder)}; free that port first or choose another bootstrapPort`,
      );
    }
    reserved.add(exposure.bootstrapPort);
  }
  if (problems.length > 0) throw new PlanInvalid(problems);

  for (const work of works) assignNewPorts(work, brokers, reserved, mappings, cooldownMs, freedEarly);

  // ---- 3. targets of broker mappings
  for (const work of works) {
    const listener = work.exposure.listener;
    for (const entry of brokers) {
      const decision = work.decisions.get(entry.broker.id)!;
      const target = { ...entry.target, port: work.exposure.brokerPort };
      if (decision.mapping === undefined) {
        push('create', {
          kind: 'createMapping',
          exposure: listener,
          role: 'broker',
          port: decision.port,
          brokerId: entry.broker.id,
          targets: [target],
        });
        continue;
      }
      const current = decision.mapping.targets;
      const extras = current.filter((t) => !targetIsBroker(t, entry.broker, target.port));
      const registered = current.length > extras.length;
      if (!registered) {
        push('register', {
          kind: 'registerTargets',
          exposure: listener,
          role: 'broker',
          port: decision.port,
          targets: [target],
        });
      }
      if (extras.length > 0) {
        push('deregister', {
          kind: 'deregisterTargets',
          exposure: listener,
          role: 'broker',
          port: decision.port,
          targets: extras.map(toTargetRef).sort(byTargetRef),
        });
      }
      if (decision.lb === 'ok' && (!registered || extras.length > 0)) decision.lb = 'register';
    }
  }

  // ---- 4. bootstrap mappings
  for (const exposure of spec.exposures) {
    const listener = exposure.listener;
    const own = mappings.filter((mapping) => mapping.exposure === listener && mapping.role === 'bootstrap');
    const wanted = exposure.bootstrapPort;
    for (const mapping of own) {
      if (mapping.port !== wanted) {
        push('delete', { kind: 'deleteMapping', exposure: listener, port: mapping.port });
        deletedLate.add(mapping.port);
      }
    }
    if (wanted === undefined) continue;
    const desired = brokers.map((entry) => ({ ...entry.target, port: exposure.brokerPort }));
    const existing = own.find((mapping) => mapping.port === wanted);
    if (existing === undefined) {
      push('create', { kind: 'createMapping', exposure: listener, role: 'bootstrap', port: wanted, targets: desired });
      continue;
    }
    // Set lookups instead of pairwise comparison: bootstrap has one target per broker (1,000s of them).
    const registered = new Set(existing.targets.filter((t) => t.port === exposure.brokerPort).map((t) => t.id));
    const brokerNames = new Set<string>();
    for (const { broker } of brokers) {
      brokerNames.add(broker.host);
      if (broker.instanceId !== undefined) brokerNames.add(broker.instanceId);
    }
    const missing = brokers
      .filter(
        ({ broker }) =>
          !registered.has(broker.host) && (broker.instanceId === undefined || !registered.has(broker.instanceId)),
      )
      .map((entry) => ({ ...entry.target, port: exposure.brokerPort }));
    const extras = existing.targets.filter((t) => t.port !== exposure.brokerPort || !brokerNames.has(t.id));
    if (missing.length > 0) {
      push('register', {
        kind: 'registerTargets',
        exposure: listener,
        role: 'bootstrap',
        port: wanted,
        targets: missing,
      });
    }
    if (extras.length > 0) {
      push('deregister', {
        kind: 'deregisterTargets',
        exposure: listener,
        role: 'bootstrap',
        port: wanted,
        targets: extras.map(toTargetRef).sort(byTargetRef),
      });
    }
  }

  // ---- 5. consumer-facing ports (security group / firewall)
  const cidrs = consumerCidrs(spec);
  if (cidrs !== undefined) {
    const open = new Set(observed.loadBalancer.openPorts);
    const served = new Set<number>();
    for (const work of works) for (const decision of work.decisions.values()) served.add(decision.port);
    for (const exposure of spec.exposures) if (exposure.bootstrapPort !== undefined) served.add(exposure.bootstrapPort);
    const stillHeld = new Set(
      mappings.filter((m) => !freedEarly.has(m.port) && !deletedLate.has(m.port)).map((m) => m.port),
    );
    for (const port of [...served].sort(byNumber)) {
      if (!open.has(port)) push('open', { kind: 'openPort', port, cidrs: [...cidrs] });
    }
    for (const port of [...freedEarly, ...deletedLate].sort(byNumber)) {
      if (open.has(port) && !served.has(port) && !stillHeld.has(port)) {
        push('close', { kind: 'closePort', port, cidrs: [...cidrs] });
      }
    }
  }

  // ---- 6. the real listener count, retired mappings included (each mapping is a listener on the LB)
  checkTotalListeners(spec, mappings, works, freedEarly, deletedLate, brokers.length);

  // ---- 7. advertised addresses
  const pending: PendingPlaceholder[] = [];
  const addresses = new Map<string, Map<number, string | null>>();
  const plannedExposures: PlannedExposure[] = works.map((work) => {
    const { exposure } = work;
    const byBroker = new Map<number, string | null>();
    const missing = new Set<string>();
    const ports: PlannedBrokerPort[] = brokers.map((entry) => {
      const { broker } = entry;
      const decision = work.decisions.get(broker.id)!;
      const rendered = renderPattern(patternFor(exposure, broker)!, {
        ...exposure.placeholders,
        broker_id: formatBrokerId(exposure.brokerIdFormat, broker.id),
        port: String(decision.port),
      });
      let advertised: string | null = null;
      if (rendered.kind === 'pending') {
        for (const name of rendered.missing) missing.add(name);
      } else {
        const problem = dnsNameProblem(rendered.host);
        if (problem !== undefined) {
          problems.push(`exposure ${exposure.listener}, broker ${broker.id}: renders "${rendered.host}": ${problem}`);
        }
        advertised = `${rendered.host}:${decision.port}`;
      }
      byBroker.set(broker.id, advertised);
      return { id: broker.id, host: broker.host, ...zoned(broker), port: decision.port, advertised, lb: decision.lb };
    });
    addresses.set(exposure.listener, byBroker);
    if (missing.size > 0) {
      const names = [...missing].sort(byText);
      pending.push({
        exposure: exposure.listener,
        placeholders: names,
        message: `${names.map((n) => `<${n}>`).join(', ')} of exposure ${exposure.listener} ${names.length === 1 ? 'is' : 'are'} not known yet: load balancer work goes ahead, but the config of the affected brokers is not pushed until every placeholder is known, so each broker restarts once`,
      });
    }
    const bootstrapPorts =
      exposure.bootstrapPort === undefined ? ports.map((p) => p.port).sort(byNumber) : [exposure.bootstrapPort];
    return {
      listener: exposure.listener,
      brokerPort: exposure.brokerPort,
      bootstrapPorts,
      securityProtocol: exposure.securityProtocol,
      brokers: ports,
      retired: work.retired.sort((a, b) => a.port - b.port),
    };
  });
  if (problems.length > 0) throw new PlanInvalid(problems);

  // ---- 8. broker config and restarts
  const plannedBrokers = brokers.map((entry) => planBroker(spec, entry.broker, addresses, observed));
  const needsRestart = plannedBrokers.filter((b) => b.restart).map((b) => b.id);
  const order = orderRestarts(needsRestart, observed);

  const actions = PHASES.flatMap((phase) => phases.get(phase)!.sort(byActionKey));
  const configChanges = plannedBrokers.filter(
    (b) => b.configChange === 'update' || b.configChange === 'unknown',
  ).length;
  return {
    version: 1,
    cluster: spec.cluster,
    provider: profileOf(spec).kind,
    generatedAt: observed.observedAt,
    exposures: plannedExposures,
    brokers: plannedBrokers,
    actions,
    restartOrder: order,
    pending,
    warnings: [...new Set(warnings)].sort(byText),
    summary: {
      lbActions: actions.length,
      configChanges,
      restarts: order.length,
      // A broker whose file was not read but whose running listeners are already the desired ones counts as in
      // sync: the drift check observes running brokers (DescribeConfigs), not files, to stay cheap on every cloud.
      inSync:
        actions.length === 0 &&
        !plannedBrokers.some((b) => b.configChange === 'update') &&
        order.length === 0 &&
        pending.length === 0,
    },
  };
}

// ------------------------------------------------------------------------------------------------ brokers

function exposedBrokers(
  spec: ClusterSpec,
  observed: ObservedState,
  problems: string[],
  warnings: string[],
): BrokerEntry[] {
  const roles = observed.kafka?.nodeRoles ?? {};
  const byId = new Map<number, DiscoveredBroker[]>();
  for (const broker of observed.brokers) {
    if (!Number.isInteger(broker.id) || broker.id < 0 || broker.id > MAX_NODE_ID) {
      problems.push(
        `discovered broker at ${broker.host} has node id ${broker.id}; node ids are integers 0-${MAX_NODE_ID}`,
      );
      continue;
    }
    if (broker.state === 'terminated') continue;
    const nodeRoles = roles[String(broker.id)];
    if (nodeRoles !== undefined && nodeRoles.length > 0 && !nodeRoles.includes('broker')) {
      warnings.push(`node ${broker.id} is a controller-only node (process.roles=controller): it is not exposed`);
      continue;
    }
    byId.set(broker.id, [...(byId.get(broker.id) ?? []), broker]);
  }
  const entries: BrokerEntry[] = [];
  for (const [id, claimants] of [...byId].sort((a, b) => a[0] - b[0])) {
    if (claimants.length > 1) {
      const who = claimants
        .map((b) => (b.instanceId === undefined ? b.host : `${b.instanceId} (${b.host})`))
        .sort(byText)
        .join(', ');
      problems.push(
        `node id ${id} is claimed by ${claimants.length} instances: ${who}; each broker needs its own node id (check the ${spec.brokers.discover?.nodeIdTag ?? 'node id'} tag)`,
      );
      continue;
    }
    const broker = claimants[0]!;
    entries.push({
      broker,
      target:
        broker.instanceId === undefined
          ? { brokerId: id, host: broker.host, port: 0 }
          : { brokerId: id, instanceId: broker.instanceId, host: broker.host, port: 0 },
    });
  }
  return entries;
}

function zoneOf(broker: DiscoveredBroker): string | undefined {
  return broker.azId ?? broker.az;
}

function patternFor(exposure: Exposure, broker: DiscoveredBroker): string | undefined {
  const pattern = exposure.advertisedListenerPattern;
  if (typeof pattern === 'string') return pattern;
  const zone = zoneOf(broker);
  return zone === undefined ? undefined : ownValue(pattern, zone);
}

function checkZones(exposure: Exposure, brokers: readonly BrokerEntry[], problems: string[]): void {
  const pattern = exposure.advertisedListenerPattern;
  if (typeof pattern === 'string') return;
  const zones = Object.keys(pattern).sort(byText).join(', ');
  for (const { broker } of brokers) {
    const zone = zoneOf(broker);
    if (zone === undefined) {
      problems.push(
        `broker ${broker.id} (${broker.host}) has no zone (azId/az), but exposure ${exposure.listener} has one pattern per zone (${zones})`,
      );
    } else if (ownValue(pattern, zone) === undefined) {
      problems.push(
        `broker ${broker.id} (${broker.host}) is in zone "${zone}", which has no advertisedListenerPattern in exposure ${exposure.listener}; add one (zones with patterns: ${zones})`,
      );
    }
  }
}

// ------------------------------------------------------------------------------------------------ ledger

function checkLedger(mappings: readonly ObservedMapping[], problems: string[]): void {
  const byPort = new Map<number, ObservedMapping>();
  for (const mapping of mappings) {
    const other = byPort.get(mapping.port);
    if (other !== undefined) {
      problems.push(
        `the load balancer reports two mappings on port ${mapping.port} (${describeHolder(other)} and ${describeHolder(mapping)}); one port can carry one mapping: repair the load balancer`,
      );
    } else byPort.set(mapping.port, mapping);
    if (mapping.retiredAt !== undefined) parseTime(mapping.retiredAt, `retiredAt of port ${mapping.port}`, problems);
  }
}

function describeHolder(mapping: ObservedMapping): string {
  const who = mapping.role === 'broker' ? `broker ${mapping.brokerId ?? '(untagged)'}` : 'bootstrap';
  return `${who} of exposure ${mapping.exposure} on port ${mapping.port}`;
}

interface Clock {
  now: number;
  cooldownMs: number;
  at: string;
}

function decideExisting(
  exposure: Exposure,
  own: readonly ObservedMapping[],
  brokerById: ReadonlyMap<number, BrokerEntry>,
  observed: ObservedState,
  clock: Clock,
  push: (phase: Phase, action: LbAction) => void,
  shared: { freedEarly: Set<number>; warnings: string[] },
): ExposureWork {
  const listener = exposure.listener;
  const { from, to } = exposure.brokerPorts;
  const decisions = new Map<number, PortDecision>();
  const retired: RetiredPort[] = [];
  const activeByBroker = new Map<number, ObservedMapping[]>();
  const retiredByBroker = new Map<number, ObservedMapping[]>();

  for (const mapping of own) {
    if (mapping.brokerId === undefined) {
      if (mapping.retiredAt !== undefined && expired(mapping.retiredAt, clock)) {
        push('deleteExpired', { kind: 'deleteMapping', exposure: listener, port: mapping.port });
        shared.freedEarly.add(mapping.port);
      } else {
        shared.warnings.push(
          `exposure ${listener}: the broker mapping on port ${mapping.port} has no node id tag; it is left alone and its port is not reused`,
        );
      }
      continue;
    }
    const bucket = mapping.retiredAt === undefined ? activeByBroker : retiredByBroker;
    bucket.set(mapping.brokerId, [...(bucket.get(mapping.brokerId) ?? []), mapping]);
  }

  // Active mappings: keep one per present broker; retire the rest.
  for (const [brokerId, list] of activeByBroker) {
    const present = brokerById.has(brokerId);
    const keep = present ? chooseKept(list, brokerId, listener, from, to, observed) : undefined;
    for (const mapping of list) {
      if (mapping === keep) {
        decisions.set(brokerId, { port: mapping.port, lb: 'ok', mapping });
        continue;
      }
      push('retire', { kind: 'retireMapping', exposure: listener, port: mapping.port, brokerId, retiredAt: clock.at });
      retired.push(retiredPort(mapping.port, brokerId, clock.at, clock));
      if (present) {
        shared.warnings.push(
          `exposure ${listener}: broker ${brokerId} had a second mapping on port ${mapping.port}; it is retired (the broker keeps port ${keep!.port})`,
        );
      }
    }
  }

  // Retired mappings: revive for a returning broker inside the cool-down, delete after it, else keep waiting.
  for (const [brokerId, list] of retiredByBroker) {
    const returning = brokerById.has(brokerId) && !decisions.has(brokerId);
    const live = list.filter((m) => !expired(m.retiredAt!, clock));
    const revive = returning
      ? live.sort((a, b) => Date.parse(b.retiredAt!) - Date.parse(a.retiredAt!) || a.port - b.port)[0]
      : undefined;
    for (const mapping of list) {
      if (mapping === revive) {
        push('revive', { kind: 'reviveMapping', exposure: listener, port: mapping.port, brokerId });
        decisions.set(brokerId, { port: mapping.port, lb: 'revive', mapping });
      } else if (expired(mapping.retiredAt!, clock)) {
        push('deleteExpired', { kind: 'deleteMapping', exposure: listener, port: mapping.port, brokerId });
        shared.freedEarly.add(mapping.port);
      } else {
        retired.push(retiredPort(mapping.port, brokerId, mapping.retiredAt!, clock));
      }
    }
  }
  for (const [brokerId, decision] of decisions) {
    if (decision.port < from || decision.port > to) {
      shared.warnings.push(
        `exposure ${listener}: broker ${brokerId} keeps port ${decision.port}, outside brokerPorts ${from}-${to}, because moving a port breaks consumers; to move it, remove the broker's mapping by hand`,
      );
    }
  }
  return { exposure, decisions, retired };
}

/** Which of a broker's active mappings to keep: the one it advertises, else the lowest port inside the range. */
function chooseKept(
  list: readonly ObservedMapping[],
  brokerId: number,
  listener: string,
  from: number,
  to: number,
  observed: ObservedState,
): ObservedMapping {
  if (list.length === 1) return list[0]!;
  const config = observed.brokerConfigs?.[String(brokerId)];
  for (const view of [config?.running?.[listener], config?.file?.[listener]]) {
    const advertisedPort = view?.advertised?.port;
    const match = list.find((m) => m.port === advertisedPort);
    if (match !== undefined) return match;
  }
  const inRange = (m: ObservedMapping) => (m.port >= from && m.port <= to ? 0 : 1);
  return [...list].sort((a, b) => inRange(a) - inRange(b) || a.port - b.port)[0]!;
}

function expired(retiredAt: string, clock: Clock): boolean {
  return clock.now >= Date.parse(retiredAt) + clock.cooldownMs;
}

function retiredPort(port: number, brokerId: number, retiredAt: string, clock: Clock): RetiredPort {
  return { port, brokerId, retiredAt, reusableAt: new Date(Date.parse(retiredAt) + clock.cooldownMs).toISOString() };
}

function assignNewPorts(
  work: ExposureWork,
  brokers: readonly BrokerEntry[],
  reserved: Set<number>,
  mappings: readonly ObservedMapping[],
  cooldownMs: number,
  freedEarly: ReadonlySet<number>,
): void {
  const { from, to } = work.exposure.brokerPorts;
  let cursor = from;
  for (const { broker } of brokers) {
    if (work.decisions.has(broker.id)) continue;
    while (cursor <= to && reserved.has(cursor)) cursor++;
    if (cursor > to) throw rangeFull(work, brokers, mappings, cooldownMs, freedEarly);
    reserved.add(cursor);
    work.decisions.set(broker.id, { port: cursor, lb: 'create' });
  }
}

function rangeFull(
  work: ExposureWork,
  brokers: readonly BrokerEntry[],
  mappings: readonly ObservedMapping[],
  cooldownMs: number,
  freedEarly: ReadonlySet<number>,
): CapacityExceeded {
  const { listener, brokerPorts } = work.exposure;
  const { from, to } = brokerPorts;
  const size = to - from + 1;
  const held = mappings.filter((m) => m.port >= from && m.port <= to && !freedEarly.has(m.port));
  const cooling = held.filter((m) => m.retiredAt !== undefined);
  const others = held.filter((m) => m.exposure !== listener && m.retiredAt === undefined);
  const earliest = cooling
    .map((m) => Date.parse(m.retiredAt!) + cooldownMs)
    .sort(byNumber)
    .map((ms) => new Date(ms).toISOString())[0];
  const parts = [
    `${brokers.length} brokers need a port`,
    `${cooling.length} port(s) are in cool-down after a broker was removed${earliest === undefined ? '' : ` (the first is reusable at ${earliest})`}`,
  ];
  if (others.length > 0) parts.push(`${others.length} port(s) are held by other mappings`);
  return new CapacityExceeded({
    kind: 'port-range',
    exposure: listener,
    needed: brokers.length + cooling.length + others.length,
    available: size,
    message: `exposure ${listener}: brokerPorts ${from}-${to} (${size} ports) is full: ${parts.join('; ')}. Widen brokerPorts${cooling.length > 0 ? ', wait for the cool-down, or lower rollout.portCooldownSeconds' : ''}.`,
  });
}

// ------------------------------------------------------------------------------------------------ capacity

function checkListenerQuota(spec: ClusterSpec, brokerCount: number): void {
  const issues = capacityIssues(spec, brokerCount);
  if (issues.length === 0) return;
  const quota = enforcedListenerQuota(spec) ?? 0;
  const needed = spec.exposures.reduce((sum, e) => sum + brokerCount + (e.bootstrapPort === undefined ? 0 : 1), 0);
  throw new CapacityExceeded({
    kind: 'listener-quota',
    needed,
    available: quota,
    message: `${brokerCount} brokers do not fit: ${issues.map((issue) => issue.message).join(' ')}`,
  });
}

function checkTotalListeners(
  spec: ClusterSpec,
  mappings: readonly ObservedMapping[],
  works: readonly ExposureWork[],
  freedEarly: ReadonlySet<number>,
  deletedLate: ReadonlySet<number>,
  brokerCount: number,
): void {
  const quota = enforcedListenerQuota(spec);
  if (quota === undefined) return;
  const { kind, nouns } = profileOf(spec);
  const ports = new Set<number>();
  for (const m of mappings) if (!freedEarly.has(m.port) && !deletedLate.has(m.port)) ports.add(m.port);
  for (const work of works) for (const decision of work.decisions.values()) ports.add(decision.port);
  for (const exposure of spec.exposures) if (exposure.bootstrapPort !== undefined) ports.add(exposure.bootstrapPort);
  if (ports.size <= quota) return;
  const retired = works.reduce((sum, work) => sum + work.retired.length, 0);
  const earliest = works.flatMap((work) => work.retired.map((r) => r.reusableAt)).sort(byText)[0];
  const bootstraps = spec.exposures.filter((e) => e.bootstrapPort !== undefined).length;
  const others = ports.size - brokerCount * spec.exposures.length - bootstraps - retired;
  throw new CapacityExceeded({
    kind: 'listener-quota',
    needed: ports.size,
    available: quota,
    message:
      `the load balancer would hold ${ports.size} listeners (${brokerCount} brokers × ${spec.exposures.length} exposure(s) + ${bootstraps} bootstrap + ${retired} retired port(s) in cool-down` +
      `${others > 0 ? ` + ${others} other mapping(s)` : ''}), but a ${kind} ${nouns.loadBalancer} allows at most ${quota}. ` +
      `${earliest === undefined ? '' : `The first retired port is released at ${earliest}; wait for it or lower rollout.portCooldownSeconds. `}`.trimEnd(),
  });
}

// ------------------------------------------------------------------------------------------------ targets

/** A load balancer target is this broker when it names the broker's instance or address and its broker port. */
function targetIsBroker(target: ObservedTarget, broker: DiscoveredBroker, port: number): boolean {
  return target.port === port && (target.id === broker.instanceId || target.id === broker.host);
}

function toTargetRef(target: ObservedTarget): { id: string; port: number } {
  return { id: target.id, port: target.port };
}

function byTargetRef(a: { id: string; port: number }, b: { id: string; port: number }): number {
  return byText(a.id, b.id) || a.port - b.port;
}

// ------------------------------------------------------------------------------------------------ broker config

function planBroker(
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

/**
 * Restart order from the rolling-restart safety rules (controllers first, active controller last). Liveness is
 * not part of the observed state, so nodes are ordered by role and id only (downFirst: false).
 */
function orderRestarts(needsRestart: number[], observed: ObservedState): number[] {
  if (needsRestart.length === 0) return [];
  const nodeRoles: Record<number, readonly NodeRole[]> = {};
  for (const [id, roles] of Object.entries(observed.kafka?.nodeRoles ?? {})) nodeRoles[Number(id)] = roles;
  return safeRestartOrder({
    needsRestart,
    snapshot: { brokers: [], controllerId: observed.kafka?.controllerId ?? null, topics: [] },
    nodeRoles,
    downFirst: false,
  });
}

// ------------------------------------------------------------------------------------------------ helpers

function parseTime(value: string, what: string, problems: string[]): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) problems.push(`${what} "${value}" is not an ISO 8601 time`);
  return ms;
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byNumber(a: number, b: number): number {
  return a - b;
}

function byExposureThenPort(a: ObservedMapping, b: ObservedMapping): number {
  return byText(a.exposure, b.exposure) || a.port - b.port;
}

function byActionKey(a: LbAction, b: LbAction): number {
  const exposureA = 'exposure' in a ? a.exposure : '';
  const exposureB = 'exposure' in b ? b.exposure : '';
  return byText(exposureA, exposureB) || a.port - b.port;
}

/** The optional identity fields of a broker, present only when known (so JSON and deep equality agree). */
function zoned(broker: DiscoveredBroker): { instanceId?: string; az?: string; azId?: string } {
  const out: { instanceId?: string; az?: string; azId?: string } = {};
  if (broker.instanceId !== undefined) out.instanceId = broker.instanceId;
  if (broker.az !== undefined) out.az = broker.az;
  if (broker.azId !== undefined) out.azId = broker.azId;
  return out;
}

/**
 * Splits a plan's LB actions into the runbook's two stages without reordering them: `targets` (free expired ports,
 * create and revive mappings, open ports) and `registrations` (attach/detach brokers, retire, delete, close).
 * The leading `deleteMapping` actions free ports whose cool-down is over; they must run before `createMapping`,
 * which may reuse those ports, so they belong to the first stage.
 */
export function lbStages(actions: readonly LbAction[]): { targets: LbAction[]; registrations: LbAction[] } {
  const firstKinds = new Set<LbAction['kind']>(['createMapping', 'reviveMapping', 'openPort']);
  let boundary = 0;
  while (boundary < actions.length && actions[boundary]!.kind === 'deleteMapping') boundary++;
  while (boundary < actions.length && firstKinds.has(actions[boundary]!.kind)) boundary++;
  return { targets: actions.slice(0, boundary), registrations: actions.slice(boundary) };
}
