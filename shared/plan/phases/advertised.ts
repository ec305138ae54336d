import type { DiscoveredBroker } from '../../model/observed.ts';
import type { PendingPlaceholder, PlannedBrokerPort, PlannedExposure } from '../../model/plan.ts';
import { dnsNameProblem, formatBrokerId, renderPattern } from '../../spec/pattern.ts';
import type { Exposure } from '../../spec/schema.ts';
import { ownValue } from '../../util/own.ts';
import { byNumber, byText } from '../order.ts';
import { zoneOf } from './inputs.ts';
import type { LoadBalancerWork } from './lb-actions.ts';
import type { PortRegistry } from './port-registry.ts';
import type { BrokerEntry } from './types.ts';

/*
 * Phase 5, advertised addresses: what each broker advertises for each exposure — its zone's pattern (or the one
 * pattern) rendered with the exposure's placeholders, `<broker_id>` (in the exposure's format) and `<port>` (the
 * broker's LB port), as `host:port`. A rendered name that is not a DNS name is a problem. A placeholder not known
 * yet (given later, e.g. Alibaba's endpoint name from the consumer) leaves the address pending: the load balancer
 * work goes ahead, the broker's config waits, so each broker restarts once. Bootstrap ports: the fan-out port, or
 * every broker port where the provider has no fan-out (GCP).
 */

export interface AdvertisedAddresses {
  exposures: PlannedExposure[];
  /** Exposure listener → node id → `host:port`, or null while a placeholder is pending. */
  addresses: ReadonlyMap<string, ReadonlyMap<number, string | null>>;
  pending: PendingPlaceholder[];
  problems: string[];
}

export function advertisedAddresses(
  brokers: readonly BrokerEntry[],
  registry: PortRegistry,
  lb: Pick<LoadBalancerWork, 'reRegistered'>,
): AdvertisedAddresses {
  const problems: string[] = [];
  const pending: PendingPlaceholder[] = [];
  const addresses = new Map<string, Map<number, string | null>>();
  const exposures = registry.exposures.map(({ exposure, ports, retired }): PlannedExposure => {
    const byBroker = new Map<number, string | null>();
    const missing = new Set<string>();
    const reRegistered = lb.reRegistered.get(exposure.listener);
    const planned: PlannedBrokerPort[] = brokers.map(({ broker }) => {
      const decided = ports.get(broker.id)!;
      const rendered = renderPattern(patternFor(exposure, broker)!, {
        ...exposure.placeholders,
        broker_id: formatBrokerId(exposure.brokerIdFormat, broker.id),
        port: String(decided.port),
      });
      let advertised: string | null = null;
      if (rendered.kind === 'pending') {
        for (const name of rendered.missing) missing.add(name);
      } else {
        const problem = dnsNameProblem(rendered.host);
        if (problem !== undefined) {
          problems.push(`exposure ${exposure.listener}, broker ${broker.id}: renders "${rendered.host}": ${problem}`);
        }
        advertised = `${rendered.host}:${decided.port}`;
      }
      byBroker.set(broker.id, advertised);
      const shown = reRegistered?.has(broker.id) ? 'register' : decided.lb;
      return { id: broker.id, host: broker.host, ...zoned(broker), port: decided.port, advertised, lb: shown };
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
      exposure.bootstrapPort === undefined ? planned.map((p) => p.port).sort(byNumber) : [exposure.bootstrapPort];
    return {
      listener: exposure.listener,
      brokerPort: exposure.brokerPort,
      bootstrapPorts,
      securityProtocol: exposure.securityProtocol,
      brokers: planned,
      retired: [...retired],
    };
  });
  return { exposures, addresses, pending, problems };
}

function patternFor(exposure: Exposure, broker: DiscoveredBroker): string | undefined {
  const pattern = exposure.advertisedListenerPattern;
  if (typeof pattern === 'string') return pattern;
  const zone = zoneOf(broker);
  return zone === undefined ? undefined : ownValue(pattern, zone);
}

/** The optional identity fields of a broker, present only when known (so JSON and deep equality agree). */
export function zoned(broker: DiscoveredBroker): { instanceId?: string; az?: string; azId?: string } {
  const out: { instanceId?: string; az?: string; azId?: string } = {};
  if (broker.instanceId !== undefined) out.instanceId = broker.instanceId;
  if (broker.az !== undefined) out.az = broker.az;
  if (broker.azId !== undefined) out.azId = broker.azId;
  return out;
}
