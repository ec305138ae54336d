import type { ObservedMapping } from '../../model/observed.ts';
import { profileOf } from '../../providers/profiles.ts';
import { capacityIssues, enforcedListenerQuota } from '../../spec/cross-checks.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { CapacityExceeded } from '../errors.ts';
import { byText } from '../order.ts';
import type { LoadBalancerWork } from './lb-actions.ts';
import type { PortRegistry } from './port-registry.ts';

/*
 * Phase 4, capacity: the load balancer must hold every mapping the plan leaves on it, within the provider's listener
 * quota (the profile's, where it cannot be raised: AWS NLB 50 listeners, GCP 1,000 endpoints per NEG). Two checks:
 *  - before any port is decided: the brokers themselves fit (brokers × exposures + one bootstrap per exposure), the
 *    same rule validation applies to static broker lists, so a spec that can never fit says so first;
 *  - once the actions are known: the real count, retired mappings in cool-down and other mappings on the load
 *    balancer included (each mapping is a listener), minus what this run deletes.
 * A brokerPorts range that is too small is the port registry's CapacityExceeded (port-range).
 */

export function checkBrokerCapacity(spec: ClusterSpec, brokerCount: number): void {
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

export function checkListenerCapacity(
  spec: ClusterSpec,
  mappings: readonly ObservedMapping[],
  registry: PortRegistry,
  lb: LoadBalancerWork,
  brokerCount: number,
): void {
  const quota = enforcedListenerQuota(spec);
  if (quota === undefined) return;
  const { kind, nouns } = profileOf(spec);
  const { freedEarly } = registry;
  const ports = new Set<number>();
  for (const m of mappings) if (!freedEarly.has(m.port) && !lb.deletedLate.has(m.port)) ports.add(m.port);
  for (const { ports: decided } of registry.exposures) for (const port of decided.values()) ports.add(port.port);
  for (const exposure of spec.exposures) if (exposure.bootstrapPort !== undefined) ports.add(exposure.bootstrapPort);
  if (ports.size <= quota) return;
  const retired = registry.exposures.reduce((sum, exposure) => sum + exposure.retired.length, 0);
  const earliest = registry.exposures.flatMap((exposure) => exposure.retired.map((r) => r.reusableAt)).sort(byText)[0];
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
