import { isIPv4 } from 'node:net';
import type { DiscoveredBroker } from '../model/observed.ts';
import type { ProviderProfile } from '../providers/profile.ts';

/**
 * Where the load balancer registers only instance ids or IPv4 addresses (AWS target groups), a broker with neither —
 * a static broker given by host name or IPv6 address and no `instanceId` — could never be registered: the apply
 * would fail half-way, after target groups were created. So it is a plan-time problem, naming the broker and the fix.
 */
export function unregistrableTargetProblems(
  brokers: readonly Pick<DiscoveredBroker, 'id' | 'host' | 'instanceId'>[],
  profile: Pick<ProviderProfile, 'targets' | 'nouns'>,
): string[] {
  if (profile.targets !== 'instance-or-ipv4') return [];
  return brokers
    .filter((broker) => broker.instanceId === undefined && !isIPv4(broker.host))
    .map(
      (broker) =>
        `broker ${broker.id}: host "${broker.host}" is not an IPv4 address and the broker has no instanceId; a ${profile.nouns.targetGroup} registers instance ids or IPv4 addresses only: give brokers.static its instanceId or its IPv4 address`,
    );
}
