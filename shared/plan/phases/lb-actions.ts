import type { DiscoveredBroker, ObservedMapping, ObservedTarget } from '../../model/observed.ts';
import type { LbAction } from '../../model/plan.ts';
import { consumerCidrs } from '../../providers/profiles.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { instanceRuns } from '../enrolment.ts';
import { byActionKey, byNumber, byTargetRef } from '../order.ts';
import type { PortRegistry } from './port-registry.ts';
import { ACTION_GROUPS, type BrokerEntry, type GroupedActions } from './types.ts';

/*
 * Phase 3, load balancer actions: what the load balancer must change so that every port of the registry forwards
 * to its broker, every bootstrap port to every broker, and exactly the served ports are open to consumers.
 *  - a broker mapping is created with its broker as target, or gets its broker registered and anything else
 *    deregistered (a target is this broker when it names the broker's instance or address and its broker port);
 *  - a bootstrap mapping is created with every broker, or gets the missing brokers registered and the others
 *    deregistered; a bootstrap mapping on another port than the spec's (moved, or not wanted: GCP) is deleted;
 *  - consumer ports (security group / firewall, only where the provider's profile says brokerlink manages them):
 *    every served port is opened; a port freed by this run is closed unless still served or held.
 *
 * Action order (each group sorted by exposure, then port): (1) delete mappings whose cool-down is over (they have
 * no targets, and deleting them first lets this run reuse their ports), (2) create, (3) revive, (4) open ports,
 * (5) register, (6) deregister, (7) retire, (8) other deletes (moved/unused bootstrap), (9) close ports.
 * Everything that adds capacity comes before everything that takes live capacity away. Executors must keep this
 * order; `lbStages` splits it into the two runbook stages without reordering.
 */

export interface LoadBalancerWork {
  /** create, register, deregister, delete, open and close actions. */
  actions: GroupedActions;
  /** Bootstrap ports whose mapping this run deletes (after the registrations). */
  deletedLate: ReadonlySet<number>;
  /** Per exposure: brokers whose kept mapping gets its registration changed (the plan shows `register`). */
  reRegistered: ReadonlyMap<string, ReadonlySet<number>>;
}

export function loadBalancerActions(
  spec: ClusterSpec,
  observed: { openPorts: readonly number[] },
  brokers: readonly BrokerEntry[],
  mappings: readonly ObservedMapping[],
  registry: PortRegistry,
): LoadBalancerWork {
  const actions: Required<Pick<GroupedActions, 'create' | 'register' | 'deregister' | 'delete' | 'open' | 'close'>> = {
    create: [],
    register: [],
    deregister: [],
    delete: [],
    open: [],
    close: [],
  };
  const reRegistered = brokerTargets(registry, brokers, actions);
  const deletedLate = bootstrapTargets(spec, brokers, mappings, actions);
  consumerPorts(spec, observed.openPorts, mappings, registry, deletedLate, actions);
  return { actions, deletedLate, reRegistered };
}

/** The plan's actions in the documented order: the groups in ACTION_GROUPS order, each sorted. */
export function orderedActions(...parts: readonly GroupedActions[]): LbAction[] {
  return ACTION_GROUPS.flatMap((group) => parts.flatMap((part) => part[group] ?? []).sort(byActionKey));
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

function brokerTargets(
  registry: PortRegistry,
  brokers: readonly BrokerEntry[],
  actions: Required<Pick<GroupedActions, 'create' | 'register' | 'deregister'>>,
): Map<string, Set<number>> {
  const reRegistered = new Map<string, Set<number>>();
  for (const { exposure, ports } of registry.exposures) {
    const listener = exposure.listener;
    const changed = new Set<number>();
    reRegistered.set(listener, changed);
    for (const entry of brokers) {
      const decided = ports.get(entry.broker.id)!;
      const target = { ...entry.target, port: exposure.brokerPort };
      if (decided.mapping === undefined) {
        actions.create.push({
          kind: 'createMapping',
          exposure: listener,
          role: 'broker',
          port: decided.port,
          brokerId: entry.broker.id,
          targets: [target],
        });
        continue;
      }
      const current = decided.mapping.targets;
      const extras = current.filter((t) => !targetIsBroker(t, entry.broker, target.port));
      const registered = current.length > extras.length;
      // An instance that does not run cannot be registered (RegisterTargets refuses it); it is down, and keeps its port.
      if (!registered && instanceRuns(entry.broker)) {
        actions.register.push({
          kind: 'registerTargets',
          exposure: listener,
          role: 'broker',
          port: decided.port,
          targets: [target],
        });
      }
      if (extras.length > 0) {
        actions.deregister.push({
          kind: 'deregisterTargets',
          exposure: listener,
          role: 'broker',
          port: decided.port,
          targets: extras.map(toTargetRef).sort(byTargetRef),
        });
      }
      if (decided.lb === 'ok' && (!registered || extras.length > 0)) changed.add(entry.broker.id);
    }
  }
  return reRegistered;
}

function bootstrapTargets(
  spec: ClusterSpec,
  brokers: readonly BrokerEntry[],
  mappings: readonly ObservedMapping[],
  actions: Required<Pick<GroupedActions, 'create' | 'register' | 'deregister' | 'delete'>>,
): Set<number> {
  const deletedLate = new Set<number>();
  for (const exposure of spec.exposures) {
    const listener = exposure.listener;
    const own = mappings.filter((mapping) => mapping.exposure === listener && mapping.role === 'bootstrap');
    const wanted = exposure.bootstrapPort;
    for (const mapping of own) {
      if (mapping.port !== wanted) {
        actions.delete.push({ kind: 'deleteMapping', exposure: listener, port: mapping.port });
        deletedLate.add(mapping.port);
      }
    }
    if (wanted === undefined) continue;
    const desired = brokers.map((entry) => ({ ...entry.target, port: exposure.brokerPort }));
    const existing = own.find((mapping) => mapping.port === wanted);
    if (existing === undefined) {
      actions.create.push({
        kind: 'createMapping',
        exposure: listener,
        role: 'bootstrap',
        port: wanted,
        targets: desired,
      });
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
          instanceRuns(broker) &&
          !registered.has(broker.host) &&
          (broker.instanceId === undefined || !registered.has(broker.instanceId)),
      )
      .map((entry) => ({ ...entry.target, port: exposure.brokerPort }));
    const extras = existing.targets.filter((t) => t.port !== exposure.brokerPort || !brokerNames.has(t.id));
    if (missing.length > 0) {
      actions.register.push({
        kind: 'registerTargets',
        exposure: listener,
        role: 'bootstrap',
        port: wanted,
        targets: missing,
      });
    }
    if (extras.length > 0) {
      actions.deregister.push({
        kind: 'deregisterTargets',
        exposure: listener,
        role: 'bootstrap',
        port: wanted,
        targets: extras.map(toTargetRef).sort(byTargetRef),
      });
    }
  }
  return deletedLate;
}

function consumerPorts(
  spec: ClusterSpec,
  openPorts: readonly number[],
  mappings: readonly ObservedMapping[],
  registry: PortRegistry,
  deletedLate: ReadonlySet<number>,
  actions: Required<Pick<GroupedActions, 'open' | 'close'>>,
): void {
  const cidrs = consumerCidrs(spec);
  if (cidrs === undefined) return;
  const open = new Set(openPorts);
  const served = new Set<number>();
  for (const { ports } of registry.exposures) for (const decided of ports.values()) served.add(decided.port);
  for (const exposure of spec.exposures) if (exposure.bootstrapPort !== undefined) served.add(exposure.bootstrapPort);
  const { freedEarly } = registry;
  const stillHeld = new Set(
    mappings.filter((m) => !freedEarly.has(m.port) && !deletedLate.has(m.port)).map((m) => m.port),
  );
  for (const port of [...served].sort(byNumber)) {
    if (!open.has(port)) actions.open.push({ kind: 'openPort', port, cidrs: [...cidrs] });
  }
  for (const port of [...freedEarly, ...deletedLate].sort(byNumber)) {
    if (open.has(port) && !served.has(port) && !stillHeld.has(port)) {
      actions.close.push({ kind: 'closePort', port, cidrs: [...cidrs] });
    }
  }
}

/** A load balancer target is this broker when it names the broker's instance or address and its broker port. */
function targetIsBroker(target: ObservedTarget, broker: DiscoveredBroker, port: number): boolean {
  return target.port === port && (target.id === broker.instanceId || target.id === broker.host);
}

function toTargetRef(target: ObservedTarget): { id: string; port: number } {
  return { id: target.id, port: target.port };
}
