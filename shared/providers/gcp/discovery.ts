import type { protos } from '@google-cloud/compute';
import type { DiscoveredBroker } from '../../model/observed.ts';
import type { BrokerDiscovery } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import type { GcpClients } from './clients.ts';
import { GcpBrokerInstanceInvalid, GcpDuplicateBrokerNodeId } from './errors.ts';
import { gcpCall } from './gcp-call.ts';

/*
 * Broker discovery on Compute Engine: one aggregatedList over every zone of the project, filtered by the spec's
 * labels (`brokers.discover.tags`, valid label syntax is checked with the spec); the node id comes from the
 * `nodeIdTag` label, the address from the primary NIC (nic0, the one a port-mapping NEG endpoint uses), the zone
 * from the instance (GCP has no zone ids: patterns are keyed by zone name). `instanceId` is `zone/name`, what
 * the metadata command channel and NEG endpoints need.
 */

type Instance = protos.google.cloud.compute.v1.IInstance;
const MAX_NODE_ID = 2147483647;

const STATES: Record<string, DiscoveredBroker['state']> = {
  PROVISIONING: 'pending',
  STAGING: 'pending',
  RUNNING: 'running',
  STOPPING: 'stopping',
  SUSPENDING: 'stopping',
  STOPPED: 'stopped',
  SUSPENDED: 'stopped',
  TERMINATED: 'stopped',
  REPAIRING: 'unknown',
};

export function labelFilter(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `labels.${key} = "${value}"`)
    .join(' AND ');
}

export class ComputeBrokerDiscovery implements BrokerDiscovery {
  readonly #clients: Pick<GcpClients, 'instances'>;
  readonly #project: string;

  constructor(options: { clients: Pick<GcpClients, 'instances'>; project: string }) {
    this.#clients = options.clients;
    this.#project = options.project;
  }

  async discoverBrokers(spec: ClusterSpec): Promise<DiscoveredBroker[]> {
    const selector = spec.brokers.discover;
    if (selector === undefined) return (spec.brokers.static ?? []).map((broker) => ({ ...broker }));
    const instances = await gcpCall('compute.instances.aggregatedList', async () => {
      const found: Instance[] = [];
      for await (const [, scoped] of this.#clients.instances.aggregatedListAsync({
        project: this.#project,
        filter: labelFilter(selector.tags),
      })) {
        found.push(...(scoped.instances ?? []));
      }
      return found;
    });
    const problems: string[] = [];
    const byId = new Map<number, DiscoveredBroker[]>();
    for (const instance of instances) {
      const name = instance.name ?? '?';
      const zone = (instance.zone ?? '').split('/').pop() ?? '';
      const raw = instance.labels?.[selector.nodeIdTag];
      const id = raw !== undefined && /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
      const host = instance.networkInterfaces?.[0]?.networkIP ?? undefined;
      if (!Number.isInteger(id) || id > MAX_NODE_ID) {
        problems.push(`${name}: label ${selector.nodeIdTag} must be a Kafka node id (digits), got ${raw ?? 'none'}`);
        continue;
      }
      if (!host) {
        problems.push(`${name}: has no primary network interface address (nic0)`);
        continue;
      }
      const broker: DiscoveredBroker = {
        id,
        host,
        instanceId: `${zone}/${name}`,
        az: zone,
        azId: zone,
        state: STATES[instance.status ?? ''] ?? 'unknown',
      };
      byId.set(id, [...(byId.get(id) ?? []), broker]);
    }
    if (problems.length > 0)
      throw new GcpBrokerInstanceInvalid(
        `instances matched the discovery labels but are not usable brokers:\n  ${problems.join('\n  ')}`,
      );
    const brokers: DiscoveredBroker[] = [];
    for (const [id, claimants] of byId) {
      const running = claimants.filter((b) => b.state === 'running');
      if (running.length > 1) {
        throw new GcpDuplicateBrokerNodeId(
          `node id ${id} is claimed by running instances ${running.map((b) => b.instanceId).join(', ')}`,
        );
      }
      brokers.push(running[0] ?? claimants[0]!);
    }
    return brokers.sort((a, b) => a.id - b.id);
  }
}
