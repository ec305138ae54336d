/**
 * Broker discovery for the local provider: the spec's static list (there is no tag API on one machine). Every
 * broker's instance id is its host, which is also the command target and the ledger's target id.
 */
import type { DiscoveredBroker } from '../../model/observed.ts';
import type { BrokerDiscovery } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { LocalProviderUnsupported } from './errors.ts';

export function createLocalDiscovery(): BrokerDiscovery {
  return {
    async discoverBrokers(spec: ClusterSpec): Promise<DiscoveredBroker[]> {
      const list = spec.brokers.static;
      if (list === undefined) {
        throw new LocalProviderUnsupported(
          'brokers.discover: the local provider cannot discover brokers by tag; list them under brokers.static',
        );
      }
      return list.map((b) => {
        const broker: DiscoveredBroker = { id: b.id, host: b.host, instanceId: b.host, state: 'running' };
        if (b.az !== undefined) broker.az = b.az;
        if (b.azId !== undefined) broker.azId = b.azId;
        return broker;
      });
    },
  };
}
