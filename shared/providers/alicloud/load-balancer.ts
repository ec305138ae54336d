import { setTimeout as sleep } from 'node:timers/promises';
import type { ObservedLoadBalancer, ObservedMapping, ObservedTarget } from '../../model/observed.ts';
import type { LbAction, PlanTarget } from '../../model/plan.ts';
import type { ConsumerEndpoint, LoadBalancer } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import type { EcsClient, RpcProduct } from './clients.ts';
import { PrivateLinkEndpointService } from './endpoint-service.ts';
import {
  AlicloudJobFailed,
  AlicloudListenerPortTaken,
  AlicloudMappingNotFound,
  AlicloudResourceBusy,
} from './errors.ts';
import { ledgerChangeOf, type NlbLedgerEntry, NlbTagLedger } from './nlb-ledger.ts';
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
 * never trusts a step it did not see finish. While the flow contract on main still calls `apply(spec, action)`,
 * `apply` drives start/poll itself (pausing `pollIntervalMs` between polls, bounded by `maxPolls`): the one place a
 * function still waits, gone when the start + poll port lands. `observe` returns the planner's view (ledger joined
 * with the servers); `observePorts(spec, ledger)` is the new port's half of it.
 *
 * observe() cost for n mappings: ListServerGroups (1 per 100) + ListListeners (1) + ListServerGroupServers (n) +
 * DescribeSecurityGroupAttribute (1).
 */

export interface NlbOperation {
  /** The NLB JobId. */
  id: string;
  scope?: Readonly<Record<string, string>>;
}
export type NlbProgress = { state: 'done' } | { state: 'pending'; operation: NlbOperation };
export type NlbOperationStatus =
  | { state: 'running' }
  | { state: 'done' }
  | { state: 'continue' }
  | { state: 'failed'; message: string; code?: string };

export interface ObservedNlbPorts {
  ports: { port: number; targets: ObservedTarget[]; resourceIds?: Readonly<Record<string, string>> }[];
  openPorts: number[];
}

export interface AlibabaLoadBalancerOptions {
  nlb: RpcProduct;
  ecs: EcsClient;
  privateLink: RpcProduct;
  /** `apply` only: pause between GetJobStatus polls (default 1000 ms) and how many polls at most (default 300). */
  pollIntervalMs?: number;
  maxPolls?: number;
}

const targetKey = (serverId: string, port: number) => `${serverId}:${port}`;

export class AlibabaLoadBalancer implements Required<LoadBalancer> {
  readonly #objects: NlbObjects;
  readonly ledger: NlbTagLedger;
  readonly #ports: EcsSecurityGroupPorts;
  readonly #endpoint: PrivateLinkEndpointService;
  readonly #pollIntervalMs: number;
  readonly #maxPolls: number;

  constructor(options: AlibabaLoadBalancerOptions) {
    this.#objects = new Objects(options.nlb);
    this.ledger = new NlbTagLedger(this.#objects);
    this.#ports = new EcsSecurityGroupPorts({ ecs: options.ecs });
    this.#endpoint = new PrivateLinkEndpointService({ privateLink: options.privateLink, nlb: options.nlb });
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#maxPolls = options.maxPolls ?? 300;
  }

  // ------------------------------------------------------------------------------------------------- observe

  /** The load balancer at the ledger's ports: what each port's listener forwards to, and the open ports. */
  async observePorts(spec: ClusterSpec, ledger: readonly NlbLedgerEntry[]): Promise<ObservedNlbPorts> {
    const [listeners, openPorts] = await Promise.all([this.#objects.listeners(spec), this.#ports.openPorts(spec)]);
    const byPort = new Map(listeners.map((listener) => [listener.port, listener]));
    const ports: ObservedNlbPorts['ports'] = [];
    for (const entry of ledger) {
      const listener = byPort.get(entry.port);
      const groupId = entry.adapterData?.serverGroupId;
      // A port is served when its listener forwards to brokerlink's group for it.
      if (listener === undefined || groupId === undefined || listener.serverGroupId !== groupId) continue;
      const servers = await this.#objects.servers(spec, groupId);
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

  async observe(spec: ClusterSpec): Promise<ObservedLoadBalancer> {
    const entries = await this.ledger.read(spec);
    const observed = await this.observePorts(spec, entries);
    const served = new Map(observed.ports.map((port) => [port.port, port]));
    const mappings = entries.map((entry): ObservedMapping => {
      const port = served.get(entry.port);
      return {
        exposure: entry.exposure,
        role: entry.role,
        port: entry.port,
        targets: [...(port?.targets ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.port - b.port)),
        ...(entry.brokerId === undefined ? {} : { brokerId: entry.brokerId }),
        ...(entry.retiredAt === undefined ? {} : { retiredAt: entry.retiredAt }),
        ...(port?.resourceIds === undefined ? {} : { resourceIds: port.resourceIds }),
      };
    });
    return { mappings, openPorts: observed.openPorts };
  }

  // -------------------------------------------------------------------------------------------- start + poll

  async start(spec: ClusterSpec, action: LbAction): Promise<NlbProgress> {
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

  async poll(_spec: ClusterSpec, operation: NlbOperation): Promise<NlbOperationStatus> {
    const status = await this.#objects.jobStatus(operation.id);
    if (status === 'Succeeded') return { state: 'continue' };
    if (status === 'Failed') return { state: 'failed', message: `NLB job ${operation.id} failed`, code: 'Job.Failed' };
    return { state: 'running' };
  }

  /** Carries out one action completely (start, poll until its jobs are done, record the ledger part). */
  async apply(spec: ClusterSpec, action: LbAction): Promise<void> {
    let polls = 0;
    for (;;) {
      const started = await this.start(spec, action);
      if (started.state === 'done') break;
      let status = await this.poll(spec, started.operation);
      while (status.state === 'running') {
        polls += 1;
        if (polls > this.#maxPolls) {
          throw new AlicloudJobFailed(`NLB job ${started.operation.id} still running after ${this.#maxPolls} polls`);
        }
        await sleep(this.#pollIntervalMs);
        status = await this.poll(spec, started.operation);
      }
      if (status.state === 'failed')
        throw new AlicloudJobFailed(`${action.kind} on port ${action.port}: ${status.message}`);
      if (status.state === 'done') break;
    }
    const change = ledgerChangeOf(action);
    if (change !== undefined) await this.ledger.record(spec, change);
  }

  async #createMapping(spec: ClusterSpec, action: Extract<LbAction, { kind: 'createMapping' }>): Promise<NlbProgress> {
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
    const servers = await this.#addServers(spec, group.serverGroupId, action.targets);
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
    if (listener.status !== 'Running') {
      throw new AlicloudResourceBusy(`listener ${listener.listenerId} on port ${action.port} is ${listener.status}`);
    }
    return { state: 'done' };
  }

  async #withGroup(
    spec: ClusterSpec,
    exposure: string,
    port: number,
    run: (serverGroupId: string) => Promise<NlbProgress>,
  ): Promise<NlbProgress> {
    const name = serverGroupName(spec.cluster, exposure, port);
    const group = await this.#objects.serverGroupNamed(spec, name);
    if (group === undefined) throw new AlicloudMappingNotFound(`no server group ${name} for ${exposure} port ${port}`);
    return run(group.serverGroupId);
  }

  async #addServers(spec: ClusterSpec, serverGroupId: string, targets: readonly PlanTarget[]): Promise<NlbProgress> {
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
  ): Promise<NlbProgress> {
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

  async #deleteMapping(spec: ClusterSpec, exposure: string, port: number): Promise<NlbProgress> {
    const region = alicloudProvider(spec).region;
    const name = serverGroupName(spec.cluster, exposure, port);
    const group = await this.#objects.serverGroupNamed(spec, name);
    const listener = (await this.#objects.listeners(spec)).find((candidate) => candidate.port === port);
    if (listener !== undefined && group !== undefined && listener.serverGroupId === group.serverGroupId) {
      return pending(await this.#objects.call('DeleteListener', { RegionId: region, ListenerId: listener.listenerId }));
    }
    if (group !== undefined) {
      return pending(
        await this.#objects.call('DeleteServerGroup', { RegionId: region, ServerGroupId: group.serverGroupId }),
      );
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
}

function pending(answer: Record<string, unknown>): NlbProgress {
  const jobId = answer.JobId;
  if (typeof jobId !== 'string' || jobId === '') throw new AlicloudJobFailed('the NLB answered without a JobId');
  return { state: 'pending', operation: { id: jobId } };
}
