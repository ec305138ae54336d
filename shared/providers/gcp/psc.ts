import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/compute';
import type { ClusterSpec, GcpProviderSpec } from '../../spec/schema.ts';
import type { GcpClients } from './clients.ts';
import { GcpOperationFailed, PscResourceMismatch } from './errors.ts';
import { gcpCall, httpStatusOf } from './gcp-call.ts';

/*
 * The producer side of Private Service Connect for one cluster, in dependency order:
 *
 *   port-mapping NEG ← backend service (INTERNAL, no health check) ← forwarding rule (all ports)
 *                                                                   ← service attachment (NAT subnet, accept list)
 *   firewall rule: ingress from the NAT subnet's range to each exposure's broker-side port
 *
 * `ensure()` is one step of a poll loop, never a wait: it reads each resource in that order; a present one is
 * checked (a setting brokerlink owns that differs is corrected — the accept list, the firewall's ranges and
 * ports — or, where it cannot be changed in place, reported as PscResourceMismatch); the first missing one is
 * created and its operation returned, and `ensure()` returns right there (what depends on it comes in a later
 * call). The workflow calls `operationDone()` until the operation is DONE (sleeping in between), then `ensure()`
 * again, until it answers `ready`. Every insert carries a requestId derived from project, cluster and resource,
 * so a task retried after a lost answer gets the same operation back instead of a second resource.
 */

export interface OperationRef {
  scope: 'region' | 'global';
  name: string;
  /** What it does, for logs and reports. */
  what: string;
}

export type PscState =
  | { ready: false; pending: OperationRef; changed: string[] }
  | { ready: true; serviceAttachment: string | null; changed: string[] };

export interface PscNames {
  neg: string;
  backendService: string;
  forwardingRule: string;
  serviceAttachment: string;
  firewall: string;
}

export function pscNames(cluster: string): PscNames {
  return {
    neg: `bl-${cluster}-neg`,
    backendService: `bl-${cluster}-backend`,
    forwardingRule: `bl-${cluster}-rule`,
    serviceAttachment: `bl-${cluster}-psc`,
    firewall: `bl-${cluster}-allow-psc`,
  };
}

/** A UUID (v4 layout) from stable inputs: the same mutation retried carries the same requestId. */
export function stableRequestId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

type Op = protos.google.cloud.compute.v1.IOperation;
const BASE = 'https://www.googleapis.com/compute/v1';
const lastSegment = (url: string | null | undefined) => (url ?? '').split('/').pop() ?? '';

export class PscProducer {
  readonly #clients: GcpClients;

  constructor(options: { clients: GcpClients }) {
    this.#clients = options.clients;
  }

  /**
   * One step towards the whole producer side; with `upTo: 'neg'` only the port-mapping NEG (what attaching an
   * endpoint needs), the rest being ensured in front of it afterwards (LoadBalancer.ensureConsumerEndpoint).
   */
  async ensure(spec: ClusterSpec, options: { upTo?: 'neg' | 'all' } = {}): Promise<PscState> {
    const gcp = gcpSection(spec);
    const names = pscNames(spec.cluster);
    const { project, region } = gcp;
    const regional = (collection: string, name: string) =>
      `projects/${project}/regions/${region}/${collection}/${name}`;
    const changed: string[] = [];
    const id = (resource: string) => stableRequestId(project, region, spec.cluster, resource);
    const started = (op: unknown, what: string, scope: OperationRef['scope'] = 'region'): PscState => ({
      ready: false,
      pending: { scope, name: ((op as { latestResponse?: Op }).latestResponse?.name ?? '') as string, what },
      changed,
    });

    // 1. Port-mapping NEG.
    const neg = await this.#get('compute.regionNetworkEndpointGroups.get', () =>
      this.#clients.networkEndpointGroups.get({ project, region, networkEndpointGroup: names.neg }),
    );
    if (neg === null) {
      const [op] = await gcpCall('compute.regionNetworkEndpointGroups.insert', () =>
        this.#clients.networkEndpointGroups.insert({
          project,
          region,
          requestId: id('neg'),
          networkEndpointGroupResource: {
            name: names.neg,
            networkEndpointType: 'GCE_VM_IP_PORTMAP',
            network: `projects/${project}/global/networks/${gcp.network}`,
            subnetwork: regional('subnetworks', gcp.subnetwork),
            description: `brokerlink ${spec.cluster}: one client port per broker`,
          },
        }),
      );
      return started(op, `create port-mapping NEG ${names.neg}`);
    }
    if (neg.networkEndpointType !== 'GCE_VM_IP_PORTMAP' || lastSegment(neg.subnetwork) !== gcp.subnetwork) {
      throw new PscResourceMismatch(
        names.neg,
        `must be a GCE_VM_IP_PORTMAP NEG in subnetwork ${gcp.subnetwork} (found ${neg.networkEndpointType} in ${lastSegment(neg.subnetwork)})`,
      );
    }
    if (options.upTo === 'neg') return { ready: true, serviceAttachment: null, changed };
    const negUrl = `${BASE}/${regional('networkEndpointGroups', names.neg)}`;

    // 2. Backend service: INTERNAL, the NEG as its only backend, no health check.
    const backend = await this.#get('compute.regionBackendServices.get', () =>
      this.#clients.backendServices.get({ project, region, backendService: names.backendService }),
    );
    if (backend === null) {
      const [op] = await gcpCall('compute.regionBackendServices.insert', () =>
        this.#clients.backendServices.insert({
          project,
          region,
          requestId: id('backend'),
          backendServiceResource: {
            name: names.backendService,
            loadBalancingScheme: 'INTERNAL',
            protocol: 'TCP',
            network: `projects/${project}/global/networks/${gcp.network}`,
            backends: [{ group: negUrl, balancingMode: 'CONNECTION' }],
            description: `brokerlink ${spec.cluster}: port mapping takes no health check`,
          },
        }),
      );
      return started(op, `create backend service ${names.backendService}`);
    }
    const groups = (backend.backends ?? []).map((b) => lastSegment(b.group));
    if (
      backend.loadBalancingScheme !== 'INTERNAL' ||
      !groups.includes(names.neg) ||
      (backend.healthChecks ?? []).length > 0
    ) {
      throw new PscResourceMismatch(
        names.backendService,
        `must be INTERNAL, with backend ${names.neg} and no health check`,
      );
    }

    // 3. Forwarding rule: all ports to the backend service.
    const rule = await this.#get('compute.forwardingRules.get', () =>
      this.#clients.forwardingRules.get({ project, region, forwardingRule: names.forwardingRule }),
    );
    if (rule === null) {
      const [op] = await gcpCall('compute.forwardingRules.insert', () =>
        this.#clients.forwardingRules.insert({
          project,
          region,
          requestId: id('rule'),
          forwardingRuleResource: {
            name: names.forwardingRule,
            loadBalancingScheme: 'INTERNAL',
            backendService: regional('backendServices', names.backendService),
            allPorts: true,
            IPProtocol: 'TCP',
            network: `projects/${project}/global/networks/${gcp.network}`,
            subnetwork: regional('subnetworks', gcp.subnetwork),
          },
        }),
      );
      return started(op, `create forwarding rule ${names.forwardingRule}`);
    }
    if (
      rule.loadBalancingScheme !== 'INTERNAL' ||
      rule.allPorts !== true ||
      lastSegment(rule.backendService) !== names.backendService
    ) {
      throw new PscResourceMismatch(names.forwardingRule, `must be INTERNAL, all ports, to ${names.backendService}`);
    }

    const psc = gcp.privateServiceConnect;
    if (psc === undefined) return { ready: true, serviceAttachment: null, changed };
    const nat = await this.#get('compute.subnetworks.get', () =>
      this.#clients.subnetworks.get({ project, region, subnetwork: psc.natSubnetwork }),
    );
    if (nat === null)
      throw new PscResourceMismatch(
        psc.natSubnetwork,
        'the PSC NAT subnetwork does not exist; create it with purpose PRIVATE_SERVICE_CONNECT',
      );
    if (nat.purpose !== 'PRIVATE_SERVICE_CONNECT')
      throw new PscResourceMismatch(
        psc.natSubnetwork,
        `must have purpose PRIVATE_SERVICE_CONNECT (found ${nat.purpose})`,
      );

    // 4. Firewall: ingress from the NAT range to the broker-side ports only.
    const ports = [...new Set(spec.exposures.map((e) => String(e.brokerPort)))].sort();
    const target =
      gcp.firewallTarget === undefined
        ? {}
        : 'networkTag' in gcp.firewallTarget
          ? { targetTags: [gcp.firewallTarget.networkTag] }
          : { targetServiceAccounts: [gcp.firewallTarget.serviceAccount] };
    const wantedFirewall = {
      name: names.firewall,
      network: `projects/${project}/global/networks/${gcp.network}`,
      direction: 'INGRESS',
      sourceRanges: [nat.ipCidrRange ?? ''],
      allowed: [{ IPProtocol: 'tcp', ports }],
      ...target,
      description: `brokerlink ${spec.cluster}: PSC NAT subnet to the brokers' EXTERNAL ports`,
    };
    const firewall = await this.#get('compute.firewalls.get', () =>
      this.#clients.firewalls.get({ project, firewall: names.firewall }),
    );
    if (firewall === null) {
      const [op] = await gcpCall('compute.firewalls.insert', () =>
        this.#clients.firewalls.insert({ project, requestId: id('firewall'), firewallResource: wantedFirewall }),
      );
      return started(op, `create firewall rule ${names.firewall}`, 'global');
    }
    const sameFirewall =
      JSON.stringify(firewall.sourceRanges ?? []) === JSON.stringify(wantedFirewall.sourceRanges) &&
      JSON.stringify((firewall.allowed ?? []).map((a) => [a.IPProtocol, [...(a.ports ?? [])].sort()])) ===
        JSON.stringify([['tcp', ports]]) &&
      JSON.stringify(firewall.targetTags ?? []) ===
        JSON.stringify((wantedFirewall as { targetTags?: string[] }).targetTags ?? []) &&
      JSON.stringify(firewall.targetServiceAccounts ?? []) ===
        JSON.stringify((wantedFirewall as { targetServiceAccounts?: string[] }).targetServiceAccounts ?? []);
    if (!sameFirewall) {
      changed.push(
        `firewall rule ${names.firewall}: source ${wantedFirewall.sourceRanges.join(',')}, tcp ${ports.join(',')}`,
      );
      const [op] = await gcpCall('compute.firewalls.patch', () =>
        this.#clients.firewalls.patch({
          project,
          firewall: names.firewall,
          firewallResource: {
            ...wantedFirewall,
            targetTags: (wantedFirewall as { targetTags?: string[] }).targetTags ?? [],
            targetServiceAccounts: (wantedFirewall as { targetServiceAccounts?: string[] }).targetServiceAccounts ?? [],
          },
        }),
      );
      return started(op, `update firewall rule ${names.firewall}`, 'global');
    }

    // 5. Service attachment: the forwarding rule published through the NAT subnet to the accepted projects.
    const acceptLists = psc.consumerAcceptList.map((entry) => ({
      projectIdOrNum: entry.project,
      connectionLimit: entry.connectionLimit,
    }));
    const attachment = await this.#get('compute.serviceAttachments.get', () =>
      this.#clients.serviceAttachments.get({ project, region, serviceAttachment: names.serviceAttachment }),
    );
    const attachmentUri = regional('serviceAttachments', names.serviceAttachment);
    if (attachment === null) {
      const [op] = await gcpCall('compute.serviceAttachments.insert', () =>
        this.#clients.serviceAttachments.insert({
          project,
          region,
          requestId: id('attachment'),
          serviceAttachmentResource: {
            name: names.serviceAttachment,
            targetService: regional('forwardingRules', names.forwardingRule),
            natSubnets: [regional('subnetworks', psc.natSubnetwork)],
            connectionPreference: psc.connectionPreference,
            consumerAcceptLists: acceptLists,
            enableProxyProtocol: false,
          },
        }),
      );
      return started(op, `create service attachment ${names.serviceAttachment}`);
    }
    if (
      lastSegment(attachment.targetService) !== names.forwardingRule ||
      !(attachment.natSubnets ?? []).some((s) => lastSegment(s) === psc.natSubnetwork)
    ) {
      throw new PscResourceMismatch(
        names.serviceAttachment,
        `must publish ${names.forwardingRule} through ${psc.natSubnetwork}`,
      );
    }
    const have = (attachment.consumerAcceptLists ?? []).map((e) => `${e.projectIdOrNum}:${e.connectionLimit}`).sort();
    const want = acceptLists.map((e) => `${e.projectIdOrNum}:${e.connectionLimit}`).sort();
    if (attachment.connectionPreference !== psc.connectionPreference || JSON.stringify(have) !== JSON.stringify(want)) {
      changed.push(
        `service attachment ${names.serviceAttachment}: ${psc.connectionPreference}, accept ${want.join(', ') || 'nobody'}`,
      );
      const [op] = await gcpCall('compute.serviceAttachments.patch', () =>
        this.#clients.serviceAttachments.patch({
          project,
          region,
          serviceAttachment: names.serviceAttachment,
          serviceAttachmentResource: {
            fingerprint: attachment.fingerprint ?? '',
            connectionPreference: psc.connectionPreference,
            consumerAcceptLists: acceptLists,
          },
        }),
      );
      return started(op, `update service attachment ${names.serviceAttachment}`);
    }
    return { ready: true, serviceAttachment: attachmentUri, changed };
  }

  /** One poll of an operation: true when DONE; a DONE operation with an error throws GcpOperationFailed. */
  async operationDone(spec: ClusterSpec, ref: OperationRef): Promise<boolean> {
    const { project, region } = gcpSection(spec);
    const [op] = await gcpCall(`compute.${ref.scope}Operations.get`, () =>
      ref.scope === 'global'
        ? this.#clients.globalOperations.get({ project, operation: ref.name })
        : this.#clients.regionOperations.get({ project, region, operation: ref.name }),
    );
    if (op.status !== 'DONE') return false;
    const error = op.error?.errors?.[0];
    if (error)
      throw new GcpOperationFailed(
        ref.what,
        `${error.code ?? ''}: ${error.message ?? ''}`,
        op.httpErrorStatusCode ?? null,
      );
    return true;
  }

  /** The forwarding rule's internal address, or null while there is no forwarding rule. */
  async forwardingRuleAddress(spec: ClusterSpec): Promise<string | null> {
    const { project, region } = gcpSection(spec);
    const rule = await this.#get('compute.forwardingRules.get', () =>
      this.#clients.forwardingRules.get({ project, region, forwardingRule: pscNames(spec.cluster).forwardingRule }),
    );
    return rule?.IPAddress ?? null;
  }

  async #get<T>(operation: string, call: () => Promise<[T, ...unknown[]]>): Promise<T | null> {
    return gcpCall(operation, async () => {
      try {
        return (await call())[0];
      } catch (error) {
        if (httpStatusOf(error) === 404) return null;
        throw error;
      }
    });
  }
}

function gcpSection(spec: ClusterSpec): GcpProviderSpec {
  const gcp = spec.provider.gcp;
  if (gcp === undefined) throw new PscResourceMismatch('provider', 'the spec does not name provider.gcp');
  return gcp;
}
