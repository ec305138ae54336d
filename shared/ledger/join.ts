import type { ObservedLoadBalancer, ObservedMapping, ObservedTarget } from '../model/observed.ts';
import type { LedgerEntry, ObservedPorts } from '../ports.ts';

/**
 * The planner's view of the load balancer: every ledger entry with the targets the load balancer forwards its port
 * to. An entry whose port the load balancer does not serve has no targets (a retired GCP port has no endpoint);
 * ports the load balancer serves without a ledger entry are not brokerlink's and do not appear.
 */
export function joinLedger(entries: readonly LedgerEntry[], observed: ObservedPorts): ObservedLoadBalancer {
  const byPort = new Map(observed.ports.map((served) => [served.port, served]));
  const mappings = entries.map((entry): ObservedMapping => {
    const served = byPort.get(entry.port);
    const mapping: ObservedMapping = {
      exposure: entry.exposure,
      role: entry.role,
      port: entry.port,
      targets: [...(served?.targets ?? [])].sort(byTarget),
    };
    if (entry.brokerId !== undefined) mapping.brokerId = entry.brokerId;
    if (entry.retiredAt !== undefined) mapping.retiredAt = entry.retiredAt;
    if (served?.resourceIds !== undefined) mapping.resourceIds = served.resourceIds;
    return mapping;
  });
  return {
    mappings: mappings.sort((a, b) => a.port - b.port),
    openPorts: [...observed.openPorts],
    ...(observed.zones === undefined ? {} : { zones: [...observed.zones] }),
  };
}

function byTarget(a: ObservedTarget, b: ObservedTarget): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : a.port - b.port;
}
