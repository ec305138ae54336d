import type { LbAction, PlanTarget } from '../../model/plan.ts';
import type {
  ConsumerEndpoint,
  ConsumerRoutes,
  LbOperation,
  LbOperationStatus,
  LbProgress,
  LedgerEntry,
  LoadBalancer,
  ObservedPorts,
} from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import type { EcsClient, RpcProduct } from './clients.ts';
import { PrivateLinkEndpointService } from './endpoint-service.ts';
import {
  AlicloudCallFailed,
  AlicloudJobFailed,
  AlicloudListenerPortTaken,
  AlicloudMappingNotFound,
  AlicloudResourceBusy,
} from './errors.ts';
import { NlbTagLedger } from './nlb-ledger.ts';
import { LEDGER_TAGS, mappingTags, type NlbObjects, NlbObjects as Objects, serverGroupName } from './nlb-objects.ts';
import { EcsSecurityGroupPorts } from './security-group.ts';
import { alicloudProvider } from './spec.ts';

/*
 * The Alibaba NLB as brokerlink's load balancer (runbook step 2.1): per broker port a TCP listener → an Instance
 * server group holding that broker's ECS instance on the exposure's broker port; the bootstrap port's group holds
 * every broker. Tags on the server groups are the port ledger (./nlb-ledger.ts). Consumer ports are opened on the
 * NLB's security group (./security-group.ts), the Endpoint Service sits in front (./endpoint-service.ts).
 *
 * Changes are jobs, so an action is STARTED and then POLLED, as the ports engineer's LoadBalancer port has it
 * (start → done | pending(operation); poll → running | continue | done | failed): `start` re-reads the cloud, does
 * the next missing piece of the action (create the server group; add or remove servers; create the listener;
 * delete listener then group) and returns its job as the operation; `poll` asks GetJobStatus, and a finished job
 * says `continue`, so the next `start` takes the next piece or finds the action in effect and says `done`. It
 * never trusts a step it did not see finish. The waiting is the workflow's (EnsureTargets / RegisterBrokers poll
 * loops); no function sleeps.
 *
 * observe(spec, ledger) cost for n mappings: ListListeners (1) + ListServerGroupServers without a group id (1 per
 * 100 servers of the region's server groups; above n/4 pages, 1 per group instead: NlbObjects.serversByGroup) +
 * DescribeSecurityGroupAttribute (1); the ledger read before it is ListServerGroups (1 per 100 groups).
 */

export interface AlibabaLoadBalancerOptions {
  nlb: RpcProduct;
  ecs: EcsClient;
  privateLink: RpcProduct;
}

const targetKey = (serverId: string, port: number) => `${serverId}:${port}`;

export class AlibabaLoadBalancer implements Required<LoadBalancer> {
  readonly #objects: NlbObjects;
  readonly ledger: NlbTagLedger;
  readonly #ports: EcsSecurityGroupPorts;
  readonly #endpoint: PrivateLinkEndpointService;

  constructor(options: AlibabaLoadBalancerOptions) {
    this.#objects = new Objects(options.nlb);
    this.ledger = new NlbTagLedger(this.#objects);
    this.#ports = new EcsSecurityGroupPorts({ ecs: options.ecs });
    this.#endpoint = new PrivateLinkEndpointService({ privateLink: options.privateLink, nlb: options.nlb });
  }

  // ------------------------------------------------------------------------------------------------- observe

  /** The load balancer at the ledger's ports: what each port's listener forwards to, and the open ports. */
  async observe(spec: ClusterSpec, ledger: readonly LedgerEntry[]): Promise<ObservedPorts> {
    const [listeners, openPorts] = await Promise.all([this.#objects.listeners(spec), this.#ports.openPorts(spec)]);
    const byPort = new Map(listeners.map((listener) => [listener.port, listener]));
    // A port is served when its listener forwards to brokerlink's group for it.
    const served = ledger.flatMap((entry) => {
      const listener = byPort.get(entry.port);
      const groupId = entry.adapterData?.serverGroupId;
      return listener === undefined || groupId === undefined || listener.serverGroupId !== groupId
        ? []
        : [{ entry, listener, groupId }];
    });
    const serversByGroup = await this.#objects.serversByGroup(
      spec,
      served.map(({ groupId }) => groupId),
    );
    const ports: ObservedPorts['ports'] = [];
    for (const { entry, listener, groupId } of served) {
      const servers = serversByGroup.get(groupId) ?? [];
      ports.push({
        port: entry.port,
        targets: servers
          .filter((server) => server.status !== 'Removing')
          .map((server) => ({ id: server.serverId, port: server.port })),
        resourceIds: { serverGroupId: groupId, listenerId: listener.listenerId },
      });
    }
    return { ports, openPorts };
  }

  // -------------------------------------------------------------------------------------------- start + poll

  async start(spec: ClusterSpec, action: LbAction): Promise<LbProgress> {
    switch (action.kind) {
      case 'openPort':
        await this.#ports.open(spec, action.port, action.cidrs);
        return { state: 'done' };
      case 'closePort':
        await this.#ports.close(spec, action.port, action.cidrs);
        return { state: 'done' };
      case 'createMapping':
        return this.#createMapping(spec, action);
      case 'registerTargets':
        return this.#withGroup(spec, action.exposure, action.port, (groupId) =>
          this.#addServers(spec, groupId, action.targets),
        );
      case 'deregisterTargets':
        return this.#withGroup(spec, action.exposure, action.port, (groupId) =>
          this.#removeServers(spec, groupId, (server) =>
            action.targets.some((target) => target.id === server.serverId && target.port === server.port),
          ),
        );
      case 'retireMapping':
        // The broker is gone: its group keeps no server (the ledger part stamps the retirement).
        return this.#withGroup(spec, action.exposure, action.port, (groupId) =>
          this.#removeServers(spec, groupId, () => true),
        );
      case 'reviveMapping':
        // Nothing on the load balancer: the ledger part clears the retirement, registerTargets adds the broker.
        return this.#withGroup(spec, action.exposure, action.port, async () => ({ state: 'done' }));
      case 'deleteMapping':
        return this.#deleteMapping(spec, action.exposure, action.port);
    }
  }

  async poll(spec: ClusterSpec, operation: LbOperation): Promise<LbOperationStatus> {
    const waiting = operation.scope?.waitFor;
    if (waiting !== undefined) {
      // A resource another job (one this execution did not start, or lost track of) is changing: wait until it is
      // settled, then the next start looks again.
      const current =
        waiting === 'serverGroup'
          ? (await this.#objects.serverGroupById(spec, operation.id))?.status
          : (await this.#objects.listeners(spec)).find((listener) => listener.listenerId === operation.id)?.status;
      const busy = current === 'Creating' || current === 'Configuring' || current === 'Provisioning';
      return busy ? { state: 'running' } : { state: 'continue' };
    }
    const status = await this.#objects.jobStatus(operation.id);
    if (status === 'Succeeded') return { state: 'continue' };
    if (status === 'Failed') return { state: 'failed', message: `NLB job ${operation.id} failed`, code: 'Job.Failed' };
    return { state: 'running' };
  }

  async #createMapping(spec: ClusterSpec, action: Extract<LbAction, { kind: 'createMapping' }>): Promise<LbProgress> {
    const alicloud = alicloudProvider(spec);
    const name = serverGroupName(spec.cluster, action.exposure, action.port);
    const group = await this.#objects.serverGroupNamed(spec, name);
    if (group === undefined) {
      const answer = await this.#objects.call('CreateServerGroup', {
        RegionId: alicloud.region,
        ServerGroupName: name,
        ServerGroupType: 'Instance',
        Protocol: 'TCP',
        VpcId: alicloud.vpcId,
        HealthCheckConfig: { HealthCheckEnabled: true, HealthCheckType: 'TCP' },
        Tag: Object.entries(mappingTags(spec.cluster, action.exposure, action.role, action.port, action.brokerId)).map(
          ([Key, Value]) => ({ Key, Value }),
        ),
      });
      return pending(answer);
    }
    const theirs = group.tags[LEDGER_TAGS.cluster];
    if (theirs !== undefined && theirs !== spec.cluster) {
      throw new AlicloudListenerPortTaken(`server group ${name} belongs to cluster ${theirs}`);
    }
    if (group.status !== 'Available') return waitFor('serverGroup', group.serverGroupId);
    const servers = await busyMeansWait(
      this.#addServers(spec, group.serverGroupId, action.targets),
      'serverGroup',
      group.serverGroupId,
    );
    if (servers.state !== 'done') return servers;
    const listeners = await this.#objects.listeners(spec);
    const listener = listeners.find((candidate) => candidate.port === action.port);
    if (listener === undefined) {
      const answer = await this.#objects.call('CreateListener', {
        RegionId: alicloud.region,
        LoadBalancerId: alicloud.loadBalancerId,
        ListenerProtocol: 'TCP',
        ListenerPort: action.port,
        ServerGroupId: group.serverGroupId,
        ListenerDescription: `brokerlink ${spec.cluster} ${action.exposure} ${action.role}${action.brokerId === undefined ? '' : ` ${action.brokerId}`}`,
        Tag: [{ Key: LEDGER_TAGS.cluster, Value: spec.cluster }],
      });
      return pending(answer);
    }
    if (listener.serverGroupId !== group.serverGroupId) {
      throw new AlicloudListenerPortTaken(
        `NLB port ${action.port} is served by listener ${listener.listenerId}, which forwards to another server group; ` +
          'brokerlink does not take it over — free the port or change the spec’s port range',
      );
    }
    if (listener.status !== 'Running') return waitFor('listener', listener.listenerId);
    return { state: 'done' };
  }

  async #withGroup(
    spec: ClusterSpec,
    exposure: string,
    port: number,
    run: (serverGroupId: string) => Promise<LbProgress>,
  ): Promise<LbProgress> {
    const name = serverGroupName(spec.cluster, exposure, port);
    const group = await this.#objects.serverGroupNamed(spec, name);
    if (group === undefined) throw new AlicloudMappingNotFound(`no server group ${name} for ${exposure} port ${port}`);
    if (group.status !== 'Available') return waitFor('serverGroup', group.serverGroupId);
    return busyMeansWait(run(group.serverGroupId), 'serverGroup', group.serverGroupId);
  }

  async #addServers(spec: ClusterSpec, serverGroupId: string, targets: readonly PlanTarget[]): Promise<LbProgress> {
    const present = new Set(
      (await this.#objects.servers(spec, serverGroupId)).map((server) => targetKey(server.serverId, server.port)),
    );
    const missing = targets.filter((target) => !present.has(targetKey(target.instanceId ?? target.host, target.port)));
    if (missing.length === 0) return { state: 'done' };
    if (missing.some((target) => target.instanceId === undefined)) {
      throw new AlicloudMappingNotFound(
        `brokers ${missing
          .filter((t) => t.instanceId === undefined)
          .map((t) => t.brokerId)
          .join(', ')} have no ECS instance id; ` +
          'list brokers by ECS tags (brokers.discover) or give static brokers their instanceId',
      );
    }
    // At most 200 servers per call: the rest go with the next start.
    const answer = await this.#objects.call('AddServersToServerGroup', {
      RegionId: alicloudProvider(spec).region,
      ServerGroupId: serverGroupId,
      Servers: missing.slice(0, 200).map((target) => ({
        ServerId: target.instanceId!,
        ServerType: 'Ecs',
        Port: target.port,
        Weight: 100,
      })),
    });
    return pending(answer);
  }

  async #removeServers(
    spec: ClusterSpec,
    serverGroupId: string,
    doomed: (server: { serverId: string; port: number }) => boolean,
  ): Promise<LbProgress> {
    const servers = (await this.#objects.servers(spec, serverGroupId)).filter(
      (server) => server.status !== 'Removing' && doomed(server),
    );
    if (servers.length === 0) return { state: 'done' };
    const answer = await this.#objects.call('RemoveServersFromServerGroup', {
      RegionId: alicloudProvider(spec).region,
      ServerGroupId: serverGroupId,
      Servers: servers
        .slice(0, 200)
        .map((server) => ({ ServerId: server.serverId, ServerType: 'Ecs', Port: server.port })),
    });
    return pending(answer);
  }

  async #deleteMapping(spec: ClusterSpec, exposure: string, port: number): Promise<LbProgress> {
    const region = alicloudProvider(spec).region;
    const name = serverGroupName(spec.cluster, exposure, port);
    const group = await this.#objects.serverGroupNamed(spec, name);
    const listener = (await this.#objects.listeners(spec)).find((candidate) => candidate.port === port);
    if (listener !== undefined && group !== undefined && listener.serverGroupId === group.serverGroupId) {
      if (listener.status !== 'Running') return waitFor('listener', listener.listenerId);
      const deleting = this.#objects.call('DeleteListener', { RegionId: region, ListenerId: listener.listenerId });
      return busyMeansWait(deleting.then(pending), 'listener', listener.listenerId);
    }
    if (group !== undefined) {
      if (group.status !== 'Available') return waitFor('serverGroup', group.serverGroupId);
      const deleting = this.#objects.call('DeleteServerGroup', {
        RegionId: region,
        ServerGroupId: group.serverGroupId,
      });
      return busyMeansWait(deleting.then(pending), 'serverGroup', group.serverGroupId);
    }
    return { state: 'done' };
  }

  // ------------------------------------------------------------------------------------ the rest of the port

  consumerAddress(spec: ClusterSpec): Promise<string> {
    return this.#objects.dnsName(spec);
  }

  ensureConsumerEndpoint(spec: ClusterSpec): Promise<ConsumerEndpoint | null> {
    return this.#endpoint.ensure(spec);
  }

  /**
   * Where verification dials the NLB. With cross-zone load balancing on (NLB's default) the DNS name reaches every
   * server from any zone: no routes (every check goes through `consumerAddress`). With it off, a zone's node
   * reaches only that zone's servers, so each broker port is dialled at its broker's zone's address and each
   * bootstrap port at every zone's — the way a consumer's endpoint in each zone reaches them. A zone without an
   * address cannot be verified: refused, never skipped.
   */
  async consumerRoutes(spec: ClusterSpec): Promise<ConsumerRoutes> {
    const attribute = await this.#objects.attribute(spec);
    if (attribute.crossZoneEnabled) return { bootstrap: [], byZone: {} };
    const byZone: Record<string, string> = {};
    for (const zone of attribute.zones) {
      if (zone.privateIPv4Address === undefined) {
        throw new AlicloudCallFailed(
          'nlb:GetLoadBalancerAttribute',
          'NoZoneAddress',
          `zone ${zone.zoneId} of NLB ${alicloudProvider(spec).loadBalancerId} has no private IPv4 address; ` +
            'cross-zone load balancing is off, so each zone must be dialled at its own address',
        );
      }
      byZone[zone.zoneId] = zone.privateIPv4Address;
    }
    return { bootstrap: Object.values(byZone), byZone };
  }
}

/** An operation that waits for a resource another job is changing to settle (polled by its status). */
function waitFor(kind: 'serverGroup' | 'listener', id: string): LbProgress {
  return { state: 'pending', operation: { id, scope: { waitFor: kind } } };
}

/** Conflict.Lock on a resource: wait for it instead of failing (a re-run while an earlier job still runs). */
async function busyMeansWait(
  started: Promise<LbProgress>,
  kind: 'serverGroup' | 'listener',
  id: string,
): Promise<LbProgress> {
  try {
    return await started;
  } catch (error) {
    if (error instanceof AlicloudResourceBusy) return waitFor(kind, id);
    throw error;
  }
}

function pending(answer: Record<string, unknown>): LbProgress {
  const jobId = answer.JobId;
  if (typeof jobId !== 'string' || jobId === '') throw new AlicloudJobFailed('the NLB answered without a JobId');
  return { state: 'pending', operation: { id: jobId } };
}
