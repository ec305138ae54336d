/*
 * FAKE (test support): NLB 2022-04-30 as brokerlink uses it — server groups, their servers, TCP listeners, tags —
 * with the behaviours a client must cope with: every change is an asynchronous job (the call returns a JobId;
 * the resource is locked, Configuring, until GetJobStatus has been polled `jobPolls` times and reports Succeeded;
 * another change to a locked resource answers Conflict.Lock), DryRun answers DryRunOperation and changes nothing,
 * at most `listenerQuota` listeners per NLB (50 by default), at most 200 servers per AddServersToServerGroup call,
 * one listener per port, a server group in use by a listener cannot be deleted; a job nobody polls finishes on its
 * own after `jobMs`. Parameters arrive as a form body
 * (the NLB SDKs' convention), which the gateway enforces.
 */
import { randomBytes } from 'node:crypto';
import type { EcsState } from './fake-ecs.ts';
import { FakeApiError, page, type RpcParams, type RpcService } from './rpc-server.ts';

export const MAX_SERVERS_PER_CALL = 200;
export const DEFAULT_LISTENER_QUOTA = 50;

export interface FakeServer {
  serverId: string;
  serverType: 'Ecs' | 'Ip' | 'Eni' | 'Eci';
  serverIp: string;
  port: number;
  weight: number;
  status: 'Adding' | 'Available' | 'Removing';
}

export interface FakeServerGroup {
  serverGroupId: string;
  name: string;
  type: 'Instance' | 'Ip';
  protocol: string;
  vpcId: string;
  status: 'Creating' | 'Available' | 'Configuring';
  servers: FakeServer[];
  tags: Record<string, string>;
  healthCheck: Record<string, string>;
  lockedBy?: string;
}

export interface FakeListener {
  listenerId: string;
  loadBalancerId: string;
  port: number;
  protocol: string;
  serverGroupId: string;
  status: 'Provisioning' | 'Running' | 'Configuring';
  description: string;
  tags: Record<string, string>;
  lockedBy?: string;
}

export interface FakeLoadBalancer {
  loadBalancerId: string;
  vpcId: string;
  dnsName: string;
  /** privateIPv4Address: the zone's NLB address (ZoneMappings[].LoadBalancerAddresses). */
  zones: { zoneId: string; vSwitchId: string; privateIPv4Address?: string }[];
  crossZoneEnabled: boolean;
}

interface Job {
  jobId: string;
  pollsLeft: number;
  startedAt: number;
  finish: () => void;
  done?: boolean;
}

export interface NlbState {
  regionId: string;
  loadBalancers: Map<string, FakeLoadBalancer>;
  serverGroups: Map<string, FakeServerGroup>;
  listeners: Map<string, FakeListener>;
  jobs: Map<string, Job>;
  jobPolls: number;
  /** A job nobody polls finishes on its own after this long, as the service's jobs do (default 300 ms). */
  jobMs?: number;
  listenerQuota: number;
  ecs: EcsState;
}

const id = (prefix: string) => `${prefix}-${randomBytes(9).toString('hex').slice(0, 18)}`;

function checkRegion(state: NlbState, params: RpcParams) {
  const region = params.required('RegionId');
  if (region !== state.regionId)
    throw new FakeApiError(404, 'InvalidRegionId.NotFound', `The region ${region} does not exist.`);
}

function dryRunGate(params: RpcParams) {
  if (params.bool('DryRun'))
    throw new FakeApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
}

function startJob(state: NlbState, lock: { lockedBy?: string }, finish: () => void): string {
  const jobId = id('job').slice(0, 24);
  lock.lockedBy = jobId;
  const job: Job = {
    jobId,
    pollsLeft: state.jobPolls,
    startedAt: Date.now(),
    finish: () => {
      if (job.done) return;
      job.done = true;
      lock.lockedBy = undefined;
      finish();
    },
  };
  state.jobs.set(jobId, job);
  // jobPolls 0: the job is done by the time the call returns (tests that are not about jobs).
  if (state.jobPolls === 0) job.finish();
  return jobId;
}

function unlocked(resource: { lockedBy?: string }, what: string) {
  if (resource.lockedBy !== undefined) {
    throw new FakeApiError(
      400,
      'Conflict.Lock',
      `The ${what} is being changed by job ${resource.lockedBy}; wait until it finishes.`,
    );
  }
}

function groupOf(state: NlbState, params: RpcParams): FakeServerGroup {
  const groupId = params.required('ServerGroupId');
  const group = state.serverGroups.get(groupId);
  if (group === undefined)
    throw new FakeApiError(404, 'ResourceNotFound.serverGroup', `The server group ${groupId} does not exist.`);
  return group;
}

function tagsIn(params: RpcParams): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of params.objects('Tag')) {
    if (tag.Key === undefined || tag.Key === '')
      throw new FakeApiError(400, 'InvalidParameter.TagKey', 'Tag.N.Key is required.');
    if (tag.Key.startsWith('aliyun') || tag.Key.startsWith('acs:')) {
      throw new FakeApiError(400, 'InvalidParameter.TagKey', 'Tag keys must not start with aliyun or acs:.');
    }
    tags[tag.Key] = tag.Value ?? '';
  }
  if (Object.keys(tags).length > 20)
    throw new FakeApiError(400, 'QuotaExceeded.TagNum', 'At most 20 tags per resource.');
  return tags;
}

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function matchesTags(tags: Record<string, string>, filter: Record<string, string>[]) {
  return filter.every(
    (tag) => tag.Key !== undefined && (tag.Value === undefined ? tag.Key in tags : tags[tag.Key] === tag.Value),
  );
}

function groupJson(state: NlbState, group: FakeServerGroup) {
  const related = [...state.listeners.values()]
    .filter((l) => l.serverGroupId === group.serverGroupId)
    .map((l) => l.loadBalancerId);
  return {
    ServerGroupId: group.serverGroupId,
    ServerGroupName: group.name,
    ServerGroupType: group.type,
    Protocol: group.protocol,
    VpcId: group.vpcId,
    ServerGroupStatus: group.status,
    ServerCount: group.servers.length,
    RelatedLoadBalancerIds: [...new Set(related)],
    HealthCheck: group.healthCheck,
    Tags: tagList(group.tags),
  };
}

/** Jobs finish on their own in time: before any call, the ones older than `jobMs` are done. */
function settleOldJobs(state: NlbState): void {
  const now = Date.now();
  for (const job of state.jobs.values()) {
    if (!job.done && now - job.startedAt >= (state.jobMs ?? 300)) {
      job.pollsLeft = 0;
      job.finish();
    }
  }
}

export function nlbService(state: NlbState): RpcService {
  const service = nlbActions(state);
  return {
    ...service,
    actions: Object.fromEntries(
      Object.entries(service.actions).map(([name, handler]) => [
        name,
        (params: RpcParams, call: Parameters<typeof handler>[1]) => {
          settleOldJobs(state);
          return handler(params, call);
        },
      ]),
    ),
  };
}

function nlbActions(state: NlbState): RpcService {
  return {
    product: 'Nlb',
    version: '2022-04-30',
    carries: 'body',
    actions: {
      GetJobStatus(params) {
        const jobId = params.required('JobId');
        const job = state.jobs.get(jobId);
        if (job === undefined) throw new FakeApiError(404, 'ResourceNotFound.job', `The job ${jobId} does not exist.`);
        if (!job.done && job.pollsLeft > 0) {
          job.pollsLeft -= 1;
          if (job.pollsLeft > 0) return { Status: 'Processing' };
        }
        job.finish();
        return { Status: 'Succeeded' };
      },

      GetLoadBalancerAttribute(params) {
        checkRegion(state, params);
        const lbId = params.required('LoadBalancerId');
        const lb = state.loadBalancers.get(lbId);
        if (lb === undefined)
          throw new FakeApiError(404, 'ResourceNotFound.loadBalancer', `The NLB ${lbId} does not exist.`);
        return {
          LoadBalancerId: lb.loadBalancerId,
          LoadBalancerStatus: 'Active',
          DNSName: lb.dnsName,
          VpcId: lb.vpcId,
          AddressType: 'Intranet',
          CrossZoneEnabled: lb.crossZoneEnabled,
          ZoneMappings: lb.zones.map((zone) => ({
            ZoneId: zone.zoneId,
            VSwitchId: zone.vSwitchId,
            ...(zone.privateIPv4Address === undefined
              ? {}
              : { LoadBalancerAddresses: [{ PrivateIPv4Address: zone.privateIPv4Address }] }),
          })),
        };
      },

      CreateServerGroup(params) {
        checkRegion(state, params);
        const name = params.required('ServerGroupName');
        if (!/^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5._-]{1,127}$/.test(name)) {
          throw new FakeApiError(
            400,
            'IllegalParam.ServerGroupName',
            'The server group name is invalid (2-128 characters, starting with a letter).',
          );
        }
        const type = params.get('ServerGroupType') ?? 'Instance';
        if (type !== 'Instance' && type !== 'Ip')
          throw new FakeApiError(400, 'IllegalParam.ServerGroupType', 'ServerGroupType is Instance or Ip.');
        const protocol = params.get('Protocol') ?? 'TCP';
        const vpcId = params.required('VpcId');
        const tags = tagsIn(params);
        const healthCheck = Object.fromEntries(
          params
            .entries()
            .filter(([key]) => key.startsWith('HealthCheckConfig.'))
            .map(([key, value]) => [key.slice(18), value]),
        );
        dryRunGate(params);
        const group: FakeServerGroup = {
          serverGroupId: id('sgp'),
          name,
          type,
          protocol,
          vpcId,
          status: 'Creating',
          servers: [],
          tags,
          healthCheck,
        };
        state.serverGroups.set(group.serverGroupId, group);
        const jobId = startJob(state, group, () => {
          group.status = 'Available';
        });
        return { ServerGroupId: group.serverGroupId, JobId: jobId };
      },

      ListServerGroups(params) {
        checkRegion(state, params);
        const ids = params.strings('ServerGroupIds');
        const names = params.strings('ServerGroupNames');
        const tags = params.objects('Tag');
        const matches = [...state.serverGroups.values()].filter(
          (group) =>
            (ids.length === 0 || ids.includes(group.serverGroupId)) &&
            (names.length === 0 || names.includes(group.name)) &&
            matchesTags(group.tags, tags),
        );
        const { slice, NextToken } = page(matches, params);
        return {
          ServerGroups: slice.map((group) => groupJson(state, group)),
          TotalCount: matches.length,
          MaxResults: params.int('MaxResults', 20),
          ...(NextToken === undefined ? {} : { NextToken }),
        };
      },

      DeleteServerGroup(params) {
        checkRegion(state, params);
        const group = groupOf(state, params);
        unlocked(group, 'server group');
        if ([...state.listeners.values()].some((listener) => listener.serverGroupId === group.serverGroupId)) {
          throw new FakeApiError(
            400,
            'ResourceInUse.serverGroup',
            `The server group ${group.serverGroupId} is used by a listener.`,
          );
        }
        dryRunGate(params);
        const jobId = startJob(state, group, () => {
          state.serverGroups.delete(group.serverGroupId);
        });
        group.status = 'Configuring';
        return { JobId: jobId };
      },

      AddServersToServerGroup(params) {
        checkRegion(state, params);
        const group = groupOf(state, params);
        const servers = serversIn(params, true);
        unlocked(group, 'server group');
        for (const server of servers) {
          if (server.serverType === 'Ecs') {
            const instance = state.ecs.instances.get(server.serverId);
            if (instance === undefined)
              throw new FakeApiError(
                404,
                'ResourceNotFound.ecs',
                `The ECS instance ${server.serverId} does not exist.`,
              );
            if (instance.vpcId !== group.vpcId) {
              throw new FakeApiError(
                400,
                'IncorrectStatus.serverVpc',
                `The ECS instance ${server.serverId} is not in the server group's VPC.`,
              );
            }
            server.serverIp = instance.privateIp;
          }
          if (
            group.servers.some((existing) => existing.serverId === server.serverId && existing.port === server.port)
          ) {
            throw new FakeApiError(
              400,
              'ResourceAlreadyAssociated.server',
              `The server ${server.serverId}:${server.port} is already in the group.`,
            );
          }
        }
        dryRunGate(params);
        for (const server of servers) group.servers.push({ ...server, status: 'Adding' });
        group.status = 'Configuring';
        const jobId = startJob(state, group, () => {
          group.status = 'Available';
          for (const server of group.servers) if (server.status === 'Adding') server.status = 'Available';
        });
        return { ServerGroupId: group.serverGroupId, JobId: jobId };
      },

      RemoveServersFromServerGroup(params) {
        checkRegion(state, params);
        const group = groupOf(state, params);
        const servers = serversIn(params, false);
        unlocked(group, 'server group');
        dryRunGate(params);
        const doomed = group.servers.filter((existing) =>
          servers.some((server) => server.serverId === existing.serverId && server.port === existing.port),
        );
        for (const server of doomed) server.status = 'Removing';
        group.status = 'Configuring';
        const jobId = startJob(state, group, () => {
          group.status = 'Available';
          group.servers = group.servers.filter((server) => server.status !== 'Removing');
        });
        return { ServerGroupId: group.serverGroupId, JobId: jobId };
      },

      ListServerGroupServers(params) {
        checkRegion(state, params);
        // ServerGroupId is optional: without it, the servers of every server group in the region.
        const groups =
          params.get('ServerGroupId') === undefined ? [...state.serverGroups.values()] : [groupOf(state, params)];
        const ids = params.strings('ServerIds');
        const matches = groups.flatMap((group) =>
          group.servers
            .filter((server) => ids.length === 0 || ids.includes(server.serverId))
            .map((server) => ({ group, server })),
        );
        const { slice, NextToken } = page(matches, params);
        return {
          Servers: slice.map(({ group, server }) => ({
            ServerGroupId: group.serverGroupId,
            ServerId: server.serverId,
            ServerType: server.serverType,
            ServerIp: server.serverIp,
            Port: server.port,
            Weight: server.weight,
            Status: server.status,
            ZoneId: state.ecs.instances.get(server.serverId)?.zoneId,
          })),
          TotalCount: matches.length,
          ...(NextToken === undefined ? {} : { NextToken }),
        };
      },

      CreateListener(params) {
        checkRegion(state, params);
        const lbId = params.required('LoadBalancerId');
        const lb = state.loadBalancers.get(lbId);
        if (lb === undefined)
          throw new FakeApiError(404, 'ResourceNotFound.loadBalancer', `The NLB ${lbId} does not exist.`);
        const protocol = params.required('ListenerProtocol');
        if (!['TCP', 'UDP', 'TCPSSL'].includes(protocol))
          throw new FakeApiError(400, 'IllegalParam.ListenerProtocol', 'TCP, UDP or TCPSSL.');
        const port = params.int('ListenerPort');
        if (port === undefined || port < 1 || port > 65535)
          throw new FakeApiError(400, 'IllegalParam.ListenerPort', 'ListenerPort must be 1-65535.');
        const group = groupOf(state, params);
        if (group.vpcId !== lb.vpcId)
          throw new FakeApiError(400, 'IncorrectStatus.serverGroupVpc', 'The server group is in another VPC.');
        if (group.protocol !== protocol && !(protocol === 'TCPSSL' && group.protocol === 'TCP')) {
          throw new FakeApiError(400, 'IllegalParam.protocol', 'The listener and server group protocols do not match.');
        }
        const onLb = [...state.listeners.values()].filter((listener) => listener.loadBalancerId === lbId);
        if (onLb.some((listener) => listener.port === port && listener.protocol === protocol)) {
          throw new FakeApiError(400, 'Conflict.Port', `A ${protocol} listener on port ${port} already exists.`);
        }
        if (onLb.length >= state.listenerQuota) {
          throw new FakeApiError(
            400,
            'QuotaExceeded.ListenersNum',
            `The NLB already has ${onLb.length} listeners, its quota (${state.listenerQuota}); request a higher quota in Quota Center.`,
          );
        }
        const tags = tagsIn(params);
        dryRunGate(params);
        const listener: FakeListener = {
          listenerId: id('lsn').slice(0, 24),
          loadBalancerId: lbId,
          port,
          protocol,
          serverGroupId: group.serverGroupId,
          status: 'Provisioning',
          description: params.get('ListenerDescription') ?? '',
          tags,
        };
        state.listeners.set(listener.listenerId, listener);
        const jobId = startJob(state, listener, () => {
          listener.status = 'Running';
        });
        return { ListenerId: listener.listenerId, JobId: jobId };
      },

      ListListeners(params) {
        checkRegion(state, params);
        const lbIds = params.strings('LoadBalancerIds');
        const ids = params.strings('ListenerIds');
        const matches = [...state.listeners.values()].filter(
          (listener) =>
            (lbIds.length === 0 || lbIds.includes(listener.loadBalancerId)) &&
            (ids.length === 0 || ids.includes(listener.listenerId)),
        );
        const { slice, NextToken } = page(matches, params);
        return {
          Listeners: slice.map((listener) => ({
            ListenerId: listener.listenerId,
            LoadBalancerId: listener.loadBalancerId,
            ListenerPort: listener.port,
            ListenerProtocol: listener.protocol,
            ServerGroupId: listener.serverGroupId,
            ListenerStatus: listener.status,
            ListenerDescription: listener.description,
            Tags: tagList(listener.tags),
          })),
          TotalCount: matches.length,
          ...(NextToken === undefined ? {} : { NextToken }),
        };
      },

      DeleteListener(params) {
        const listenerId = params.required('ListenerId');
        const listener = state.listeners.get(listenerId);
        if (listener === undefined)
          throw new FakeApiError(404, 'ResourceNotFound.listener', `The listener ${listenerId} does not exist.`);
        unlocked(listener, 'listener');
        dryRunGate(params);
        listener.status = 'Configuring';
        const jobId = startJob(state, listener, () => {
          state.listeners.delete(listenerId);
        });
        return { JobId: jobId };
      },

      TagResources(params) {
        checkRegion(state, params);
        const type = params.required('ResourceType');
        const ids = params.strings('ResourceId');
        const tags = tagsIn(params);
        dryRunGate(params);
        for (const resourceId of ids) Object.assign(taggable(state, type, resourceId).tags, tags);
        return {};
      },

      UntagResources(params) {
        checkRegion(state, params);
        const type = params.required('ResourceType');
        const ids = params.strings('ResourceId');
        const keys = params.strings('TagKey');
        dryRunGate(params);
        for (const resourceId of ids) {
          const resource = taggable(state, type, resourceId);
          for (const key of keys) delete resource.tags[key];
        }
        return {};
      },

      ListTagResources(params) {
        checkRegion(state, params);
        const type = params.required('ResourceType');
        const ids = params.strings('ResourceId');
        const filter = params.objects('Tag');
        const pool: { id: string; tags: Record<string, string> }[] =
          type === 'servergroup'
            ? [...state.serverGroups.values()].map((group) => ({ id: group.serverGroupId, tags: group.tags }))
            : type === 'listener'
              ? [...state.listeners.values()].map((listener) => ({ id: listener.listenerId, tags: listener.tags }))
              : [];
        const rows = pool
          .filter((resource) => (ids.length === 0 || ids.includes(resource.id)) && matchesTags(resource.tags, filter))
          .flatMap((resource) =>
            Object.entries(resource.tags).map(([TagKey, TagValue]) => ({
              ResourceId: resource.id,
              ResourceType: type,
              TagKey,
              TagValue,
            })),
          );
        const { slice, NextToken } = page(rows, params, 50);
        return { TagResources: slice, ...(NextToken === undefined ? {} : { NextToken }) };
      },
    },
  };
}

function taggable(state: NlbState, type: string, resourceId: string): { tags: Record<string, string> } {
  const resource =
    type === 'servergroup'
      ? state.serverGroups.get(resourceId)
      : type === 'listener'
        ? state.listeners.get(resourceId)
        : undefined;
  if (resource === undefined)
    throw new FakeApiError(404, `ResourceNotFound.${type}`, `The ${type} ${resourceId} does not exist.`);
  return resource;
}

function serversIn(params: RpcParams, adding: boolean): Omit<FakeServer, 'status'>[] {
  const servers = params.objects('Servers');
  if (servers.length === 0) throw new FakeApiError(400, 'MissingParam.Servers', 'Servers.N is required.');
  if (servers.length > MAX_SERVERS_PER_CALL) {
    throw new FakeApiError(400, 'QuotaExceeded.ServersNum', `At most ${MAX_SERVERS_PER_CALL} servers per call.`);
  }
  return servers.map((server) => {
    const type = server.ServerType;
    if (type !== 'Ecs' && type !== 'Ip' && type !== 'Eni' && type !== 'Eci') {
      throw new FakeApiError(400, 'IllegalParam.ServerType', 'ServerType is Ecs, Eni, Eci or Ip.');
    }
    const port = Number(server.Port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new FakeApiError(400, 'IllegalParam.Port', 'Port must be 1-65535.');
    if (server.ServerId === undefined)
      throw new FakeApiError(400, 'MissingParam.ServerId', 'Servers.N.ServerId is required.');
    return {
      serverId: server.ServerId,
      serverType: type,
      serverIp: server.ServerIp ?? '',
      port,
      weight: adding ? Number(server.Weight ?? 100) : 0,
    };
  });
}
