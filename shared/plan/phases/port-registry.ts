import type { ObservedMapping, ObservedState } from '../../model/observed.ts';
import type { LbAction, RetiredPort, UnmanagedPort } from '../../model/plan.ts';
import type { ClusterSpec, Exposure } from '../../spec/schema.ts';
import { CapacityExceeded, PlanInvalid } from '../errors.ts';
import { byNumber } from '../order.ts';
import { describeHolder } from './inputs.ts';
import type { BrokerEntry, BrokerPort, ExposurePorts, GroupedActions, PlanClock } from './types.ts';

/*
 * Phase 2, the port registry: which consumer port each broker owns in each exposure. The registry lives in the
 * port ledger (shared/ports.ts `PortLedger`: tags on the load balancer's objects, a state file, or a store of the
 * provider's choosing), read back into the observed mappings, so a broker's port survives anything brokerlink
 * loses. Rules:
 *  - a broker keeps its port while it exists (also when its instance is replaced: the targets are re-registered);
 *    with two active mappings it keeps the one it advertises, else the lowest inside the range, and the other is
 *    retired;
 *  - a broker the ledger holds no port for keeps the port it advertises, if it is running and advertising a port
 *    inside the exposure's range that is free and that no other broker advertises: the running brokers' advertised
 *    listeners are a second copy of the ledger, so a lost ledger (a deleted state file, target groups removed by
 *    hand) moves no port (`recovered`, warned);
 *  - any other new broker gets the lowest free port of the exposure's range; ports never derive from node ids;
 *  - a removed broker's mapping is retired (stamped with observedAt) and its port is held for
 *    `rollout.portCooldownSeconds`; a broker that comes back inside the cool-down gets its port back (revive, the
 *    most recently retired of its ports); after the cool-down the mapping is deleted and the port is free again
 *    (a returning broker is then new);
 *  - a port outside the current range (the range was changed) is kept while its broker exists, with a warning:
 *    moving a port breaks consumers that cached the address. New brokers only get ports inside the range;
 *  - a broker mapping without a node id is left alone and its port is not reused (warned), unless it is retired
 *    and its cool-down is over (deleted);
 *  - mappings of listeners that are not in the spec are left alone (a typo in a listener name must not tear down
 *    a live consumer path); the plan warns about them, and one inside an exposure's range is `unmanaged` (drift a
 *    person resolves: it holds a port brokerlink would hand to a broker);
 *  - a bootstrap port held by any other mapping is a problem: the plan names the holder.
 */

export interface PortRegistry {
  /** One per exposure of the spec, in spec order. */
  exposures: ExposurePorts[];
  /** Ports whose cool-down is over: their mappings are deleted first, so this run may reuse them. */
  freedEarly: ReadonlySet<number>;
  /** deleteExpired, revive and retire actions. */
  actions: GroupedActions;
  /** Mappings left alone whose port lies inside an exposure's range. */
  unmanaged: UnmanagedPort[];
  warnings: string[];
}

export function portRegistry(
  spec: ClusterSpec,
  observed: ObservedState,
  brokers: readonly BrokerEntry[],
  mappings: readonly ObservedMapping[],
  clock: PlanClock,
): PortRegistry {
  const warnings = unknownListenerWarnings(spec, mappings);
  const actions: Required<Pick<GroupedActions, 'deleteExpired' | 'revive' | 'retire'>> = {
    deleteExpired: [],
    revive: [],
    retire: [],
  };
  const freedEarly = new Set<number>();
  const brokerById = new Map(brokers.map((entry) => [entry.broker.id, entry]));

  const kept = spec.exposures.map((exposure) => {
    const own = mappings.filter((mapping) => mapping.exposure === exposure.listener && mapping.role === 'broker');
    const decided = existingPorts(exposure, own, brokerById, observed, clock);
    for (const group of ['deleteExpired', 'revive', 'retire'] as const) actions[group].push(...decided.actions[group]);
    for (const port of decided.freed) freedEarly.add(port);
    warnings.push(...decided.warnings);
    return decided;
  });

  const reserved = heldPorts(spec, mappings, freedEarly);
  const exposures = kept.map(({ exposure, ports, retired }) => {
    const recovered = recoverAdvertisedPorts(exposure, ports, brokers, reserved, observed);
    for (const [brokerId, port] of recovered) {
      warnings.push(
        `exposure ${exposure.listener}: broker ${brokerId} keeps port ${port}, which it advertises, though the port ledger holds no port for it (a lost or reset ledger): a mapping is created for it`,
      );
    }
    const all = assignNewPorts(exposure, ports, brokers, reserved, mappings, clock.cooldownMs, freedEarly);
    return { exposure, ports: all, retired: [...retired].sort((a, b) => a.port - b.port) };
  });
  return { exposures, freedEarly, actions, unmanaged: unmanagedPorts(spec, mappings, freedEarly), warnings };
}

/**
 * Ports the running brokers advertise, recovered for brokers the ledger holds none for: the port must lie inside
 * the range, be free (no mapping, no bootstrap, not cooling down) and be advertised by exactly one broker. The
 * recovered ports are reserved and entered into `ports` (lb `create`); returns them by node id.
 */
function recoverAdvertisedPorts(
  exposure: Exposure,
  ports: Map<number, BrokerPort>,
  brokers: readonly BrokerEntry[],
  reserved: Set<number>,
  observed: ObservedState,
): Map<number, number> {
  const { from, to } = exposure.brokerPorts;
  const claims = new Map<number, number[]>(); // advertised port → brokers advertising it
  for (const { broker } of brokers) {
    if (ports.has(broker.id)) continue; // the ledger decides its port; what it advertises is changed to that
    const advertised = observed.brokerConfigs?.[String(broker.id)]?.running?.[exposure.listener]?.advertised?.port;
    if (advertised === undefined) continue;
    claims.set(advertised, [...(claims.get(advertised) ?? []), broker.id]);
  }
  const recovered = new Map<number, number>();
  for (const [port, claimants] of [...claims].sort((a, b) => a[0] - b[0])) {
    const [brokerId, ...others] = claimants;
    if (others.length > 0 || brokerId === undefined) continue;
    if (port < from || port > to || reserved.has(port)) continue;
    reserved.add(port);
    ports.set(brokerId, { port, lb: 'create' });
    recovered.set(brokerId, port);
  }
  return recovered;
}

/** Mappings the registry leaves alone (another listener's, or without a node id) that hold a port of a range. */
function unmanagedPorts(
  spec: ClusterSpec,
  mappings: readonly ObservedMapping[],
  freedEarly: ReadonlySet<number>,
): UnmanagedPort[] {
  const listeners = new Set(spec.exposures.map((exposure) => exposure.listener));
  const out: UnmanagedPort[] = [];
  for (const mapping of mappings) {
    if (freedEarly.has(mapping.port)) continue;
    const foreign = !listeners.has(mapping.exposure);
    const anonymous = !foreign && mapping.role === 'broker' && mapping.brokerId === undefined;
    if (!foreign && !anonymous) continue;
    const range = spec.exposures.find((e) => mapping.port >= e.brokerPorts.from && mapping.port <= e.brokerPorts.to);
    if (range === undefined) continue;
    out.push({
      port: mapping.port,
      listener: mapping.exposure,
      role: mapping.role,
      insideRangeOf: range.listener,
      why: foreign
        ? `a ${mapping.role} mapping of listener "${mapping.exposure}", which is not in the spec`
        : 'a broker mapping without a node id',
    });
  }
  return out.sort((a, b) => a.port - b.port);
}

function unknownListenerWarnings(spec: ClusterSpec, mappings: readonly ObservedMapping[]): string[] {
  const specListeners = new Set(spec.exposures.map((exposure) => exposure.listener));
  return mappings
    .filter((mapping) => !specListeners.has(mapping.exposure))
    .map(
      (mapping) =>
        `the load balancer has a ${mapping.role} mapping on port ${mapping.port} for listener "${mapping.exposure}", which is not in the spec; it is left alone (remove it by hand if the exposure is gone)`,
    );
}

interface ExistingPorts {
  exposure: Exposure;
  ports: Map<number, BrokerPort>;
  retired: RetiredPort[];
  actions: { deleteExpired: LbAction[]; revive: LbAction[]; retire: LbAction[] };
  freed: number[];
  warnings: string[];
}

/** The fate of every observed broker mapping of one exposure: keep, revive, retire, or delete (cool-down over). */
function existingPorts(
  exposure: Exposure,
  own: readonly ObservedMapping[],
  brokerById: ReadonlyMap<number, BrokerEntry>,
  observed: ObservedState,
  clock: PlanClock,
): ExistingPorts {
  const listener = exposure.listener;
  const { from, to } = exposure.brokerPorts;
  const out: ExistingPorts = {
    exposure,
    ports: new Map(),
    retired: [],
    actions: { deleteExpired: [], revive: [], retire: [] },
    freed: [],
    warnings: [],
  };
  const activeByBroker = new Map<number, ObservedMapping[]>();
  const retiredByBroker = new Map<number, ObservedMapping[]>();

  for (const mapping of own) {
    if (mapping.brokerId === undefined) {
      if (mapping.retiredAt !== undefined && expired(mapping.retiredAt, clock)) {
        out.actions.deleteExpired.push({ kind: 'deleteMapping', exposure: listener, port: mapping.port });
        out.freed.push(mapping.port);
      } else {
        out.warnings.push(
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
        out.ports.set(brokerId, { port: mapping.port, lb: 'ok', mapping });
        continue;
      }
      out.actions.retire.push({
        kind: 'retireMapping',
        exposure: listener,
        port: mapping.port,
        brokerId,
        retiredAt: clock.at,
      });
      out.retired.push(retiredPort(mapping.port, brokerId, clock.at, clock));
      if (present) {
        out.warnings.push(
          `exposure ${listener}: broker ${brokerId} had a second mapping on port ${mapping.port}; it is retired (the broker keeps port ${keep!.port})`,
        );
      }
    }
  }

  // Retired mappings: revive for a returning broker inside the cool-down, delete after it, else keep waiting.
  for (const [brokerId, list] of retiredByBroker) {
    const returning = brokerById.has(brokerId) && !out.ports.has(brokerId);
    const live = list.filter((m) => !expired(m.retiredAt!, clock));
    const revive = returning
      ? live.sort((a, b) => Date.parse(b.retiredAt!) - Date.parse(a.retiredAt!) || a.port - b.port)[0]
      : undefined;
    for (const mapping of list) {
      if (mapping === revive) {
        out.actions.revive.push({ kind: 'reviveMapping', exposure: listener, port: mapping.port, brokerId });
        out.ports.set(brokerId, { port: mapping.port, lb: 'revive', mapping });
      } else if (expired(mapping.retiredAt!, clock)) {
        out.actions.deleteExpired.push({ kind: 'deleteMapping', exposure: listener, port: mapping.port, brokerId });
        out.freed.push(mapping.port);
      } else {
        out.retired.push(retiredPort(mapping.port, brokerId, mapping.retiredAt!, clock));
      }
    }
  }
  for (const [brokerId, decided] of out.ports) {
    if (decided.port < from || decided.port > to) {
      out.warnings.push(
        `exposure ${listener}: broker ${brokerId} keeps port ${decided.port}, outside brokerPorts ${from}-${to}, because moving a port breaks consumers; to move it, remove the broker's mapping by hand`,
      );
    }
  }
  return out;
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

/**
 * Every port still held after this run (every mapping not deleted first, and every exposure's bootstrap port), so
 * no new broker gets one. A bootstrap port held by another mapping cannot be planned (PlanInvalid names it).
 */
function heldPorts(spec: ClusterSpec, mappings: readonly ObservedMapping[], freedEarly: ReadonlySet<number>) {
  const problems: string[] = [];
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
  return reserved;
}

/** The lowest free ports of the exposure's range for the brokers that have none yet (exposures share `reserved`). */
function assignNewPorts(
  exposure: Exposure,
  existing: ReadonlyMap<number, BrokerPort>,
  brokers: readonly BrokerEntry[],
  reserved: Set<number>,
  mappings: readonly ObservedMapping[],
  cooldownMs: number,
  freedEarly: ReadonlySet<number>,
): Map<number, BrokerPort> {
  const ports = new Map(existing);
  const { from, to } = exposure.brokerPorts;
  let cursor = from;
  for (const { broker } of brokers) {
    if (ports.has(broker.id)) continue;
    while (cursor <= to && reserved.has(cursor)) cursor++;
    if (cursor > to) throw rangeFull(exposure, brokers, mappings, cooldownMs, freedEarly);
    reserved.add(cursor);
    ports.set(broker.id, { port: cursor, lb: 'create' });
  }
  return ports;
}

function rangeFull(
  exposure: Exposure,
  brokers: readonly BrokerEntry[],
  mappings: readonly ObservedMapping[],
  cooldownMs: number,
  freedEarly: ReadonlySet<number>,
): CapacityExceeded {
  const { listener, brokerPorts } = exposure;
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

function expired(retiredAt: string, clock: PlanClock): boolean {
  return clock.now >= Date.parse(retiredAt) + clock.cooldownMs;
}

function retiredPort(port: number, brokerId: number, retiredAt: string, clock: PlanClock): RetiredPort {
  return { port, brokerId, retiredAt, reusableAt: new Date(Date.parse(retiredAt) + clock.cooldownMs).toISOString() };
}
