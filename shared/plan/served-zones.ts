import type { DiscoveredBroker } from '../model/observed.ts';

/**
 * A broker in a zone the load balancer has no node in cannot be reached by consumers: a load balancer that routes
 * per zone (AWS NLB, cross-zone off) reaches a target only through the node of the target's zone, and consumers'
 * per-zone endpoints exist only in the zones the load balancer serves. Planning such a broker would end in a
 * verification that can never pass, so it is a plan-time problem, naming the broker, its zone and the zones
 * served. `served` holds zone ids and names (brokers carry one or the other); undefined means no such limit.
 */
export function unservedZoneProblems(
  brokers: readonly Pick<DiscoveredBroker, 'id' | 'host' | 'az' | 'azId'>[],
  served: readonly string[] | undefined,
  noun = 'load balancer',
): string[] {
  if (served === undefined) return [];
  const zones = new Set(served);
  const problems: string[] = [];
  for (const broker of brokers) {
    const zone = broker.azId ?? broker.az;
    if (zone === undefined || zones.has(zone) || (broker.az !== undefined && zones.has(broker.az))) continue;
    problems.push(
      `broker ${broker.id} (${broker.host}) is in zone "${zone}", where the ${noun} has no subnet (it serves ${[...zones].sort().join(', ')}): consumers cannot reach it; add a subnet in that zone to the ${noun}, or move the broker`,
    );
  }
  return problems;
}
