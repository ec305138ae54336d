import type { ClusterSpec } from '../../spec/schema.ts';
import type { GcpClients } from './clients.ts';
import { PscResourceMismatch } from './errors.ts';
import { gcpCall, httpStatusOf } from './gcp-call.ts';
import { type OperationRef, pscNames, stableRequestId } from './psc.ts';

/*
 * The port mappings themselves: the endpoints `{instance, port, clientDestinationPort}` of the cluster's
 * port-mapping NEG. They cannot be edited — a broker moving to another client port (or a port moving to another
 * broker) is a detach and then an attach, two operations the workflow polls one after the other. Each change
 * carries a requestId derived from the caller's key (the execution and the action), so a task retried after a
 * lost answer gets its first operation back, while the same endpoint attached again in a later execution is a new
 * request. Listing is a POST (listNetworkEndpoints) of up to 500 endpoints a page: 48 brokers are one call.
 */

export interface PortMapping {
  /** `zone/name`, as discovery reports `instanceId`. */
  instance: string;
  /** The VM port (the broker's EXTERNAL listener). */
  port: number;
  /** The consumer-side port. */
  clientDestinationPort: number;
}

const MAX_PER_REQUEST = 500;

export class NegEndpoints {
  readonly #clients: Pick<GcpClients, 'networkEndpointGroups'>;

  constructor(options: { clients: Pick<GcpClients, 'networkEndpointGroups'> }) {
    this.#clients = options.clients;
  }

  /** Every endpoint of the cluster's NEG (one call per 500); null when the NEG does not exist. */
  async list(spec: ClusterSpec): Promise<PortMapping[] | null> {
    const { project, region } = section(spec);
    return gcpCall('compute.regionNetworkEndpointGroups.listNetworkEndpoints', async () => {
      const found: PortMapping[] = [];
      const pages = this.#clients.networkEndpointGroups.listNetworkEndpointsAsync({
        project,
        region,
        networkEndpointGroup: pscNames(spec.cluster).neg,
        maxResults: MAX_PER_REQUEST,
      });
      try {
        for await (const item of pages) found.push(toMapping(spec, item.networkEndpoint));
      } catch (error) {
        if (httpStatusOf(error) === 404) return null;
        throw error;
      }
      return found;
    });
  }

  /** Starts attaching (at most 500 at once); `key` makes a retry of the same request idempotent. */
  attach(spec: ClusterSpec, mappings: readonly PortMapping[], key: string): Promise<OperationRef> {
    return this.#change(spec, 'attach', mappings, key);
  }

  detach(spec: ClusterSpec, mappings: readonly PortMapping[], key: string): Promise<OperationRef> {
    return this.#change(spec, 'detach', mappings, key);
  }

  async #change(
    spec: ClusterSpec,
    change: 'attach' | 'detach',
    mappings: readonly PortMapping[],
    key: string,
  ): Promise<OperationRef> {
    if (mappings.length === 0 || mappings.length > MAX_PER_REQUEST)
      throw new RangeError(`${change}: 1-${MAX_PER_REQUEST} endpoints per request, got ${mappings.length}`);
    const { project, region } = section(spec);
    const neg = pscNames(spec.cluster).neg;
    const networkEndpoints = mappings.map((m) => {
      const [zone, name] = m.instance.split('/') as [string, string];
      return {
        instance: `projects/${project}/zones/${zone}/instances/${name}`,
        port: m.port,
        clientDestinationPort: m.clientDestinationPort,
      };
    });
    const requestId = stableRequestId(project, spec.cluster, change, key, JSON.stringify(networkEndpoints));
    const [op] = await gcpCall(`compute.regionNetworkEndpointGroups.${change}NetworkEndpoints`, () =>
      change === 'attach'
        ? this.#clients.networkEndpointGroups.attachNetworkEndpoints({
            project,
            region,
            networkEndpointGroup: neg,
            requestId,
            regionNetworkEndpointGroupsAttachEndpointsRequestResource: { networkEndpoints },
          })
        : this.#clients.networkEndpointGroups.detachNetworkEndpoints({
            project,
            region,
            networkEndpointGroup: neg,
            requestId,
            regionNetworkEndpointGroupsDetachEndpointsRequestResource: { networkEndpoints },
          }),
    );
    const what = `${change} ${mappings.map((m) => `${m.clientDestinationPort}→${m.instance}:${m.port}`).join(', ')}`;
    return { scope: 'region', name: (op.latestResponse as { name: string }).name, what };
  }
}

function toMapping(
  spec: ClusterSpec,
  endpoint:
    | { instance?: string | null; port?: number | null; clientDestinationPort?: number | null }
    | null
    | undefined,
): PortMapping {
  const match = /zones\/([^/]+)\/instances\/([^/]+)$/.exec(endpoint?.instance ?? '');
  if (!endpoint || !match || typeof endpoint.port !== 'number' || typeof endpoint.clientDestinationPort !== 'number') {
    throw new PscResourceMismatch(
      pscNames(spec.cluster).neg,
      `holds an endpoint that is not a VM port mapping: ${JSON.stringify(endpoint)}`,
    );
  }
  return {
    instance: `${match[1]}/${match[2]}`,
    port: endpoint.port,
    clientDestinationPort: endpoint.clientDestinationPort,
  };
}

function section(spec: ClusterSpec) {
  const gcp = spec.provider.gcp;
  if (gcp === undefined) throw new PscResourceMismatch('provider', 'the spec does not name provider.gcp');
  return gcp;
}
