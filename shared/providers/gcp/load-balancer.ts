import { randomUUID } from 'node:crypto';
import type { ObservedTarget } from '../../model/observed.ts';
import type { LbAction, PlanTarget } from '../../model/plan.ts';
import type {
  ConsumerEndpoint,
  ConsumerEndpointPending,
  LbOperation,
  LbOperationStatus,
  LbProgress,
  LbStartContext,
  LedgerEntry,
  LoadBalancer,
  ObservedPorts,
  PortLedger,
} from '../../ports.ts';
import type { ClusterSpec, GcpProviderSpec } from '../../spec/schema.ts';
import type { GcpClients } from './clients.ts';
import { GcpPortMappingRefused, PscServiceMissing } from './errors.ts';
import { gcpCall } from './gcp-call.ts';
import { NegEndpoints, type PortMapping } from './neg-endpoints.ts';
import { type OperationRef, PscProducer, pscNames } from './psc.ts';

/*
 * The LoadBalancer port on Google Cloud: Private Service Connect with a port-mapping NEG (GCE_VM_IP_PORTMAP). A
 * mapping is one NEG endpoint {instance, port: the broker port, clientDestinationPort: the consumer port}; the
 * port's owner and retirement live in the port ledger (GcsPortLedger: endpoints carry no tags, and a retired port
 * has no endpoint). Every change is a Compute long-running operation: `start` issues at most one and returns it
 * as `pending`; the workflow sleeps and calls `poll`, which reads the operation once (operations.get) — no
 * function ever waits for one.
 *
 *   createMapping    the NEG (created when missing), then attach the broker's endpoint at the port
 *   registerTargets  attach the endpoint (the NEG is ensured first; the port must be in the ledger)
 *   (a move)         the port maps another VM:port: detach that first, then attach — endpoints cannot be edited
 *   deregisterTargets / retireMapping / deleteMapping   detach whatever the port maps (nothing: done)
 *   reviveMapping    nothing on the NEG (the ledger entry is the mapping; registerTargets follows in the plan)
 *   openPort / closePort   no-ops: PSC has no consumer ports (see the gcp profile's firewall model)
 *
 * Every start re-reads the NEG (one listNetworkEndpoints) and only then issues the one change still missing, so a
 * start after a crash or a `continue` never repeats a change that is in effect. Each change carries a Compute
 * `requestId` derived from the step's request key (stable while the workflow retries the step, new per action and
 * plan): a retried call whose answer was lost gets its first operation back instead of a second attach. The
 * operation handle says what comes after it (`after`: done, or continue with the next change of the action) and
 * what it was for, so a poll that finds the operation failed because the endpoint is already as wanted (someone
 * else's identical change won the race) reports done.
 *
 * The rest of the PSC producer side (backend service, forwarding rule, firewall from the NAT range, service
 * attachment) is ensured after the targets, by `ensureConsumerEndpoint`, one operation at a time (psc.ts).
 */

export interface GcpLoadBalancerOptions {
  clients: Pick<
    GcpClients,
    | 'networkEndpointGroups'
    | 'backendServices'
    | 'forwardingRules'
    | 'serviceAttachments'
    | 'subnetworks'
    | 'firewalls'
    | 'regionOperations'
    | 'globalOperations'
  >;
  /** The port ledger the load balancer is deployed with: registering needs the port to be a mapping of the ledger. */
  ledger: Pick<PortLedger, 'read'>;
}

type After = 'done' | 'continue';

export class GcpLoadBalancer implements LoadBalancer {
  readonly #clients: GcpLoadBalancerOptions['clients'];
  readonly #ledger: Pick<PortLedger, 'read'>;
  readonly #producer: PscProducer;
  readonly #negs: NegEndpoints;

  constructor(options: GcpLoadBalancerOptions) {
    this.#clients = options.clients;
    this.#ledger = options.ledger;
    // PscProducer only uses the clients named in GcpLoadBalancerOptions.
    this.#producer = new PscProducer({ clients: options.clients as GcpClients });
    this.#negs = new NegEndpoints({ clients: options.clients });
  }

  /** One listNetworkEndpoints (500 endpoints a page) for every ledger port; none at all for an empty ledger. */
  async observe(spec: ClusterSpec, ledger: readonly LedgerEntry[]): Promise<ObservedPorts> {
    if (ledger.length === 0) return { ports: [], openPorts: [] };
    const endpoints = (await this.#negs.list(spec)) ?? [];
    const wanted = new Set(ledger.map((entry) => entry.port));
    const byPort = new Map<number, ObservedTarget[]>();
    for (const endpoint of endpoints) {
      if (!wanted.has(endpoint.clientDestinationPort)) continue; // not brokerlink's: not reported
      const targets = byPort.get(endpoint.clientDestinationPort) ?? [];
      targets.push({ id: endpoint.instance, port: endpoint.port });
      byPort.set(endpoint.clientDestinationPort, targets);
    }
    return {
      ports: [...byPort].sort(([a], [b]) => a - b).map(([port, targets]) => ({ port, targets })),
      openPorts: [],
    };
  }

  async start(spec: ClusterSpec, action: LbAction, context?: LbStartContext): Promise<LbProgress> {
    const key = context?.requestKey ?? randomUUID();
    switch (action.kind) {
      case 'openPort':
      case 'closePort':
      case 'reviveMapping':
        return { state: 'done' };
      case 'createMapping':
      case 'registerTargets': {
        const target = this.#singleTarget(action);
        if (action.kind === 'registerTargets') await this.#requireLedgerEntry(spec, action.exposure, action.port);
        const neg = await this.#producer.ensure(spec, { upTo: 'neg' });
        if (!neg.ready) return pending(spec, neg.pending, 'continue');
        return this.#attach(spec, action.port, target, key);
      }
      case 'deregisterTargets':
        return this.#detach(
          spec,
          action.port,
          (endpoint) => action.targets.some((t) => t.id === endpoint.instance && t.port === endpoint.port),
          key,
        );
      case 'retireMapping':
      case 'deleteMapping':
        return this.#detach(spec, action.port, () => true, key);
    }
  }

  async poll(spec: ClusterSpec, operation: LbOperation): Promise<LbOperationStatus> {
    const gcp = section(spec);
    const scope = operation.scope ?? {};
    const [op] = await gcpCall(`compute.${scope.kind === 'global' ? 'global' : 'region'}Operations.get`, () =>
      scope.kind === 'global'
        ? this.#clients.globalOperations.get({ project: gcp.project, operation: operation.id })
        : this.#clients.regionOperations.get({ project: gcp.project, region: gcp.region, operation: operation.id }),
    );
    if (op.status !== 'DONE') return { state: 'running' };
    const error = op.error?.errors?.[0];
    if (error) {
      // Someone else's identical change may have won (a hand edit, a duplicate request): what we wanted is there.
      if (await this.#intentInEffect(spec, scope)) return { state: scope.after === 'done' ? 'done' : 'continue' };
      return {
        state: 'failed',
        message: `${scope.what ?? operation.id}: ${error.code ?? 'ERROR'}: ${error.message ?? ''}`.trim(),
        ...(error.code ? { code: error.code } : {}),
      };
    }
    return { state: scope.after === 'done' ? 'done' : 'continue' };
  }

  /** `privateServiceConnect.verifyAddress` (a PSC endpoint the verifier reaches), else the forwarding rule's address. */
  async consumerAddress(spec: ClusterSpec): Promise<string> {
    const configured = section(spec).privateServiceConnect?.verifyAddress;
    if (configured !== undefined) return configured;
    const address = await this.#producer.forwardingRuleAddress(spec);
    if (address === null)
      throw new PscServiceMissing(
        `forwarding rule ${pscNames(spec.cluster).forwardingRule} does not exist yet: run apply first (or set privateServiceConnect.verifyAddress)`,
      );
    return address;
  }

  /**
   * The producer side in front of the NEG, one step per call: a missing resource is created (or a setting
   * brokerlink owns corrected) and its operation returned as pending; when all is in place, the service
   * attachment consumers connect to. Null without `privateServiceConnect` (nothing is published then).
   */
  async ensureConsumerEndpoint(spec: ClusterSpec): Promise<ConsumerEndpoint | ConsumerEndpointPending | null> {
    const state = await this.#producer.ensure(spec);
    if (!state.ready) return { pending: operationOf(spec, state.pending, 'continue') };
    if (state.serviceAttachment === null) return null;
    const psc = section(spec).privateServiceConnect!;
    const ports = [...new Set(spec.exposures.map((e) => `${e.brokerPorts.from}-${e.brokerPorts.to}`))].join(', ');
    return {
      serviceName: state.serviceAttachment,
      notes: [
        psc.connectionPreference === 'ACCEPT_MANUAL'
          ? `accepts connections from ${psc.consumerAcceptList.map((e) => `${e.project} (≤ ${e.connectionLimit})`).join(', ') || 'no project yet (consumerAcceptList is empty)'}`
          : 'accepts connections from every project (ACCEPT_AUTOMATIC)',
        `no fan-out bootstrap port: consumers bootstrap from a few of the broker ports (${ports})`,
      ],
    };
  }

  #singleTarget(action: Extract<LbAction, { targets: PlanTarget[] }>): PlanTarget {
    if (action.role === 'bootstrap')
      throw new GcpPortMappingRefused(
        `${action.kind} ${action.exposure} bootstrap port ${action.port}: a port mapping goes to exactly one VM, there is no fan-out bootstrap port on Private Service Connect`,
      );
    const [target, ...more] = action.targets;
    if (target === undefined || more.length > 0)
      throw new GcpPortMappingRefused(
        `${action.kind} ${action.exposure} port ${action.port}: a port mapping takes exactly one target, got ${action.targets.length}`,
      );
    if (!/^[a-z]+-[a-z]+\d-[a-z]\/[a-z][-a-z0-9]*$/.test(target.instanceId ?? ''))
      throw new GcpPortMappingRefused(
        `${action.kind} ${action.exposure} port ${action.port}: broker ${target.brokerId} has no "zone/instance" id (${target.instanceId ?? 'none'}); a NEG endpoint names its VM`,
      );
    return target;
  }

  async #requireLedgerEntry(spec: ClusterSpec, exposure: string, port: number): Promise<void> {
    const entries = await this.#ledger.read(spec);
    if (!entries.some((entry) => entry.exposure === exposure && entry.port === port))
      throw new GcpPortMappingRefused(
        `register into ${exposure} port ${port}: no mapping holds that port (the port ledger has no entry for it); the plan must create it first`,
      );
  }

  async #attach(spec: ClusterSpec, port: number, target: PlanTarget, key: string): Promise<LbProgress> {
    const wanted: PortMapping = { instance: target.instanceId!, port: target.port, clientDestinationPort: port };
    const at = ((await this.#negs.list(spec)) ?? []).filter((e) => e.clientDestinationPort === port);
    if (at.length === 1 && sameMapping(at[0]!, wanted)) return { state: 'done' };
    if (at.length > 0) {
      // A move: the port maps another VM:port, and endpoints cannot be edited. Detach it; the next start attaches.
      const ref = await this.#negs.detach(spec, at, `${key}/move`);
      return pending(spec, ref, 'continue', { intent: 'detach', endpoints: at });
    }
    const ref = await this.#negs.attach(spec, [wanted], key);
    return pending(spec, ref, 'done', { intent: 'attach', endpoints: [wanted] });
  }

  async #detach(
    spec: ClusterSpec,
    port: number,
    matches: (endpoint: PortMapping) => boolean,
    key: string,
  ): Promise<LbProgress> {
    const gone = ((await this.#negs.list(spec)) ?? []).filter((e) => e.clientDestinationPort === port && matches(e));
    if (gone.length === 0) return { state: 'done' };
    const ref = await this.#negs.detach(spec, gone, key);
    return pending(spec, ref, 'done', { intent: 'detach', endpoints: gone });
  }

  async #intentInEffect(spec: ClusterSpec, scope: Readonly<Record<string, string>>): Promise<boolean> {
    if (scope.intent !== 'attach' && scope.intent !== 'detach') return false;
    const wanted = decodeEndpoints(scope.endpoints ?? '');
    if (wanted.length === 0) return false;
    const present = (await this.#negs.list(spec)) ?? [];
    const has = (m: PortMapping) => present.some((p) => sameMapping(p, m));
    return scope.intent === 'attach' ? wanted.every(has) : !wanted.some(has);
  }
}

function sameMapping(a: PortMapping, b: PortMapping): boolean {
  return a.instance === b.instance && a.port === b.port && a.clientDestinationPort === b.clientDestinationPort;
}

/** `zone/name:port>clientPort` joined by commas: plain strings, as an operation's scope must be. */
function encodeEndpoints(endpoints: readonly PortMapping[]): string {
  return endpoints.map((e) => `${e.instance}:${e.port}>${e.clientDestinationPort}`).join(',');
}

function decodeEndpoints(text: string): PortMapping[] {
  return text
    .split(',')
    .map((part) => /^([^:]+):(\d+)>(\d+)$/.exec(part))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ instance: match[1]!, port: Number(match[2]), clientDestinationPort: Number(match[3]) }));
}

function operationOf(
  spec: ClusterSpec,
  ref: OperationRef,
  after: After,
  intent?: { intent: 'attach' | 'detach'; endpoints: readonly PortMapping[] },
): LbOperation {
  return {
    id: ref.name,
    scope: {
      kind: ref.scope,
      region: section(spec).region,
      after,
      what: ref.what,
      ...(intent === undefined ? {} : { intent: intent.intent, endpoints: encodeEndpoints(intent.endpoints) }),
    },
  };
}

function pending(
  spec: ClusterSpec,
  ref: OperationRef,
  after: After,
  intent?: { intent: 'attach' | 'detach'; endpoints: readonly PortMapping[] },
): LbProgress {
  return { state: 'pending', operation: operationOf(spec, ref, after, intent) };
}

function section(spec: ClusterSpec): GcpProviderSpec {
  const gcp = spec.provider.gcp;
  if (gcp === undefined)
    throw new GcpPortMappingRefused('the spec does not name provider.gcp; the GCP load balancer cannot serve it');
  return gcp;
}
