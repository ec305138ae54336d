/*
 * FAKE (test support): PrivateLink 2020-04-15 — an endpoint service over an NLB (ServiceResourceType nlb, one
 * Resource.N per zone of the NLB), its whitelist of consumer accounts, and endpoint connections. A new service is
 * Creating and becomes Active after `activateAfterReads` reads; AddUserToVpcEndpointService is refused until it is
 * Active. `consumerConnects` plays the consumer (TiDB Cloud) creating an endpoint: refused unless its account is on
 * the whitelist; the connection is Pending until accepted, or Connected at once with auto-accept. Parameters arrive
 * in the query string (the PrivateLink SDKs' convention), which the gateway enforces.
 */
import { randomBytes } from 'node:crypto';
import type { NlbState } from './fake-nlb.ts';
import { FakeApiError, page, type RpcParams, type RpcService } from './rpc-server.ts';

export interface FakeEndpointService {
  serviceId: string;
  serviceName: string;
  status: 'Creating' | 'Active';
  readsUntilActive: number;
  autoAccept: boolean;
  description: string;
  resources: { resourceId: string; resourceType: string; zoneId: string }[];
  users: string[];
  connections: { endpointId: string; ownerId: string; status: 'Pending' | 'Connected' | 'Disconnected' }[];
  tags: Record<string, string>;
}

export interface PrivateLinkState {
  regionId: string;
  services: Map<string, FakeEndpointService>;
  activateAfterReads: number;
  nlb: NlbState;
}

function checkRegion(state: PrivateLinkState, params: RpcParams) {
  const region = params.required('RegionId');
  if (region !== state.regionId)
    throw new FakeApiError(404, 'InvalidRegionId.NotFound', `The region ${region} does not exist.`);
}

function serviceOf(state: PrivateLinkState, params: RpcParams): FakeEndpointService {
  const serviceId = params.required('ServiceId');
  const service = state.services.get(serviceId);
  if (service === undefined)
    throw new FakeApiError(404, 'EndpointServiceNotFound', `The endpoint service ${serviceId} does not exist.`);
  return service;
}

function read(service: FakeEndpointService): FakeEndpointService {
  if (service.status === 'Creating') {
    service.readsUntilActive -= 1;
    if (service.readsUntilActive <= 0) service.status = 'Active';
  }
  return service;
}

const serviceJson = (service: FakeEndpointService) => ({
  ServiceId: service.serviceId,
  ServiceName: service.serviceName,
  ServiceStatus: service.status,
  ServiceBusinessStatus: 'Normal',
  ServiceResourceType: 'nlb',
  AutoAcceptEnabled: service.autoAccept,
  ServiceDescription: service.description,
  Tags: Object.entries(service.tags).map(([Key, Value]) => ({ Key, Value })),
});

export function privateLinkService(state: PrivateLinkState): RpcService & {
  consumerConnects(serviceName: string, ownerId: string): string;
} {
  return {
    product: 'Privatelink',
    version: '2020-04-15',
    carries: 'query',
    consumerConnects(serviceName, ownerId) {
      const service = [...state.services.values()].find((candidate) => candidate.serviceName === serviceName);
      if (service === undefined || service.status !== 'Active')
        throw new Error(`no active endpoint service ${serviceName}`);
      if (!service.users.includes(ownerId))
        throw new Error(`account ${ownerId} is not on the whitelist of ${serviceName}`);
      const endpointId = `ep-${randomBytes(8).toString('hex').slice(0, 16)}`;
      service.connections.push({ endpointId, ownerId, status: service.autoAccept ? 'Connected' : 'Pending' });
      return endpointId;
    },
    actions: {
      CreateVpcEndpointService(params) {
        checkRegion(state, params);
        if (params.get('ServiceResourceType') !== 'nlb') {
          throw new FakeApiError(400, 'IllegalParam.ServiceResourceType', 'brokerlink creates nlb endpoint services.');
        }
        const resources = params.objects('Resource').map((resource) => ({
          resourceId: resource.ResourceId ?? '',
          resourceType: resource.ResourceType ?? '',
          zoneId: resource.ZoneId ?? '',
        }));
        if (resources.length === 0) throw new FakeApiError(400, 'MissingParam.Resource', 'Resource.N is required.');
        for (const resource of resources) {
          const lb = state.nlb.loadBalancers.get(resource.resourceId);
          if (resource.resourceType !== 'nlb' || lb === undefined) {
            throw new FakeApiError(
              404,
              'EndpointServiceResourceNotFound',
              `The NLB ${resource.resourceId} does not exist.`,
            );
          }
          if (!lb.zones.some((zone) => zone.zoneId === resource.zoneId)) {
            throw new FakeApiError(
              400,
              'IllegalParam.ZoneId',
              `The NLB ${lb.loadBalancerId} has no zone ${resource.zoneId}.`,
            );
          }
        }
        const inUse = [...state.services.values()].find((service) =>
          service.resources.some((resource) => resources.some((wanted) => wanted.resourceId === resource.resourceId)),
        );
        if (inUse !== undefined) {
          throw new FakeApiError(
            400,
            'EndpointServiceResourceAlreadyUsed',
            `The NLB is already the resource of ${inUse.serviceId}.`,
          );
        }
        const tags: Record<string, string> = {};
        for (const tag of params.objects('Tag')) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
        if (params.bool('DryRun'))
          throw new FakeApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
        const serviceId = `epsrv-${randomBytes(10).toString('hex').slice(0, 20)}`;
        const service: FakeEndpointService = {
          serviceId,
          serviceName: `com.aliyuncs.privatelink.${state.regionId}.${serviceId}`,
          status: 'Creating',
          readsUntilActive: state.activateAfterReads,
          autoAccept: params.bool('AutoAcceptEnabled'),
          description: params.get('ServiceDescription') ?? '',
          resources,
          users: [],
          connections: [],
          tags,
        };
        state.services.set(serviceId, service);
        return {
          ServiceId: serviceId,
          ServiceName: service.serviceName,
          ServiceStatus: service.status,
          AutoAcceptEnabled: service.autoAccept,
        };
      },

      ListVpcEndpointServices(params) {
        checkRegion(state, params);
        const serviceId = params.get('ServiceId');
        const resourceId = params.get('ResourceId');
        const filter = params.objects('Tag');
        const matches = [...state.services.values()].filter(
          (service) =>
            (serviceId === undefined || service.serviceId === serviceId) &&
            (resourceId === undefined || service.resources.some((resource) => resource.resourceId === resourceId)) &&
            filter.every((tag) => tag.Key !== undefined && service.tags[tag.Key] === tag.Value),
        );
        const { slice, NextToken } = page(matches, params, 1000);
        return {
          Services: slice.map((service) => serviceJson(read(service))),
          ...(NextToken === undefined ? {} : { NextToken }),
        };
      },

      GetVpcEndpointServiceAttribute(params) {
        checkRegion(state, params);
        const service = read(serviceOf(state, params));
        return {
          ...serviceJson(service),
          Zones: [...new Set(service.resources.map((resource) => resource.zoneId))],
        };
      },

      UpdateVpcEndpointServiceAttribute(params) {
        checkRegion(state, params);
        const service = serviceOf(state, params);
        if (params.has('AutoAcceptEnabled')) service.autoAccept = params.bool('AutoAcceptEnabled');
        return {};
      },

      AddUserToVpcEndpointService(params) {
        checkRegion(state, params);
        const service = serviceOf(state, params);
        const userId = params.required('UserId');
        if (!/^\d{16}$/.test(userId))
          throw new FakeApiError(400, 'IllegalParam.UserId', 'UserId is a 16-digit account id.');
        if (service.status !== 'Active') {
          throw new FakeApiError(
            400,
            'EndpointServiceOperationDenied',
            `The endpoint service ${service.serviceId} is ${service.status}, not Active.`,
          );
        }
        if (!service.users.includes(userId)) service.users.push(userId);
        return {};
      },

      ListVpcEndpointServiceUsers(params) {
        checkRegion(state, params);
        const service = serviceOf(state, params);
        const { slice, NextToken } = page(service.users, params, 1000);
        return { Users: slice.map((UserId) => ({ UserId })), ...(NextToken === undefined ? {} : { NextToken }) };
      },

      ListVpcEndpointConnections(params) {
        checkRegion(state, params);
        const service = serviceOf(state, params);
        const status = params.get('ConnectionStatus');
        const matches = service.connections.filter(
          (connection) => status === undefined || connection.status === status,
        );
        const { slice, NextToken } = page(matches, params, 1000);
        return {
          Connections: slice.map((connection) => ({
            ServiceId: service.serviceId,
            EndpointId: connection.endpointId,
            EndpointOwnerId: Number(connection.ownerId),
            ConnectionStatus: connection.status,
          })),
          ...(NextToken === undefined ? {} : { NextToken }),
        };
      },

      EnableVpcEndpointConnection(params) {
        checkRegion(state, params);
        const service = serviceOf(state, params);
        const endpointId = params.required('EndpointId');
        const connection = service.connections.find((candidate) => candidate.endpointId === endpointId);
        if (connection === undefined)
          throw new FakeApiError(404, 'EndpointConnectionNotFound', `No connection ${endpointId}.`);
        connection.status = 'Connected';
        return {};
      },
    },
  };
}
