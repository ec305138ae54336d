import type { DiscoveredBroker, ObservedMapping, ObservedState } from '../../model/observed.ts';
import { MAX_NODE_ID } from '../../model/schemas.ts';
import { profileOf } from '../../providers/profiles.ts';
import type { ClusterSpec, Exposure } from '../../spec/schema.ts';
import { ownValue } from '../../util/own.ts';
import { enrolment } from '../enrolment.ts';
import { byExposureThenPort, byText } from '../order.ts';
import { preflightProblems } from '../preflight.ts';
import { unservedZoneProblems } from '../served-zones.ts';
import { unregistrableTargetProblems } from '../target-hosts.ts';
import type { BrokerEntry, PlanClock } from './types.ts';

/*
 * Phase 1, inputs: what the plan is about, and whether it can be planned at all. Every problem is collected (the
 * planner reports them at once):
 *  - the brokers to expose: discovered brokers with a valid node id, not terminated, running (or not saying), a new
 *    one only once its run-command agent is online (../enrolment.ts: the others are warned about), not controller-only (a
 *    controller-only node serves no clients: warned, not exposed); two instances claiming one node id is a problem;
 *  - the ledger as observed: one mapping per port, retirement times that parse;
 *  - targets: where the load balancer registers only instance ids or IPv4 addresses, every broker has one of them
 *    (../target-hosts.ts);
 *  - zones: where an exposure has one pattern per zone, every broker needs a zone that has a pattern; and every
 *    broker must be in a zone the load balancer serves, when it says which (../served-zones.ts);
 *  - refuse before mutating (../preflight.ts): listener collisions and swapped identities the observed brokers
 *    already show, which would otherwise fail the apply half-way, after the load balancer was changed.
 */

export interface PlanInputs {
  clock: PlanClock;
  /** Sorted by node id. */
  brokers: BrokerEntry[];
  /** The observed mappings, sorted by exposure and port. */
  mappings: ObservedMapping[];
  problems: string[];
  warnings: string[];
}

export function planInputs(spec: ClusterSpec, observed: ObservedState): PlanInputs {
  const problems: string[] = [];
  const warnings: string[] = [];
  const now = parseTime(observed.observedAt, 'observedAt', problems);
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
  problems.push(
    ...unregistrableTargetProblems(
      brokers.map((entry) => entry.broker),
      profileOf(spec),
    ),
  );
  problems.push(
    ...unservedZoneProblems(
      brokers.map((entry) => entry.broker),
      observed.loadBalancer.zones,
    ),
  );
  return {
    clock: { now, at: observed.observedAt, cooldownMs: spec.rollout.portCooldownSeconds * 1000 },
    brokers,
    mappings,
    problems,
    warnings,
  };
}

function exposedBrokers(
  spec: ClusterSpec,
  observed: ObservedState,
  problems: string[],
  warnings: string[],
): BrokerEntry[] {
  const roles = observed.kafka?.nodeRoles ?? {};
  const byId = new Map<number, DiscoveredBroker[]>();
  const { excluded } = enrolment(observed);
  for (const broker of observed.brokers) {
    if (!Number.isInteger(broker.id) || broker.id < 0 || broker.id > MAX_NODE_ID) {
      problems.push(
        `discovered broker at ${broker.host} has node id ${broker.id}; node ids are integers 0-${MAX_NODE_ID}`,
      );
      continue;
    }
    if (broker.state === 'terminated') continue;
    // Instance lifecycle (../enrolment.ts): not running, or new and its run-command agent not online yet.
    const left = excluded.get(broker.id);
    if (left !== undefined) {
      warnings.push(`broker ${broker.id} (${broker.host}) ${left}`);
      continue;
    }
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

export function zoneOf(broker: DiscoveredBroker): string | undefined {
  return broker.azId ?? broker.az;
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

/** "broker 3 of exposure EXTERNAL on port 9095", for messages about who holds a port. */
export function describeHolder(mapping: ObservedMapping): string {
  const who = mapping.role === 'broker' ? `broker ${mapping.brokerId ?? '(untagged)'}` : 'bootstrap';
  return `${who} of exposure ${mapping.exposure} on port ${mapping.port}`;
}

function parseTime(value: string, what: string, problems: string[]): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) problems.push(`${what} "${value}" is not an ISO 8601 time`);
  return ms;
}
