import type { ConsumerEndpoint } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { alicloudCall } from './alicloud-call.ts';
import type { RpcProduct } from './clients.ts';
import { AlicloudEndpointServiceNotReady } from './errors.ts';
import { alicloudProvider } from './spec.ts';

/*
 * The Endpoint Service over the NLB (PrivateLink 2020-04-15; the runbook's step 2.2), idempotent:
 *  - find the service whose resource is the spec's NLB (ListVpcEndpointServices ResourceId=<nlb>), or create it:
 *    ServiceResourceType nlb, one Resource.N per zone (the spec's `zones`, else every zone of the NLB from
 *    GetLoadBalancerAttribute), AutoAcceptEnabled as the spec says (the runbook recommends No), tagged with the
 *    cluster; a service someone made for this NLB is adopted (an NLB backs one service);
 *  - keep auto-accept as the spec says (UpdateVpcEndpointServiceAttribute);
 *  - put every allowed account on the whitelist (AddUserToVpcEndpointService; only an Active service takes it —
 *    a Creating one raises AlicloudEndpointServiceNotReady, retried by the workflow until it is Active);
 *  - report the service name (what the consumer enters) and the connections waiting for acceptance.
 * Accounts on the whitelist that the spec no longer lists are reported, not removed: removing one would cut off
 * a consumer's live connection, which is a person's call.
 */

export const CLUSTER_TAG = 'brokerlink:cluster';

interface Service {
  ServiceId?: string;
  ServiceName?: string;
  ServiceStatus?: string;
  AutoAcceptEnabled?: boolean;
}

export class PrivateLinkEndpointService {
  readonly #privateLink: RpcProduct;
  readonly #nlb: RpcProduct;
  constructor(options: { privateLink: RpcProduct; nlb: RpcProduct }) {
    this.#privateLink = options.privateLink;
    this.#nlb = options.nlb;
  }

  async ensure(spec: ClusterSpec): Promise<ConsumerEndpoint | null> {
    const alicloud = alicloudProvider(spec);
    const wanted = alicloud.endpointService;
    if (wanted === undefined) return null;
    const region = alicloud.region;
    const notes: string[] = [];
    let service = await this.#find(region, alicloud.loadBalancerId);
    if (service === undefined) {
      service = await this.#create(spec);
      notes.push(`endpoint service ${service.ServiceName} created over ${alicloud.loadBalancerId}`);
    }
    const serviceId = service.ServiceId!;
    if (service.AutoAcceptEnabled !== wanted.autoAcceptConnection) {
      await this.#call('UpdateVpcEndpointServiceAttribute', {
        RegionId: region,
        ServiceId: serviceId,
        AutoAcceptEnabled: wanted.autoAcceptConnection,
      });
      notes.push(`auto-accept set to ${wanted.autoAcceptConnection ? 'on' : 'off'}, as the spec says`);
    }
    const users = await this.#users(region, serviceId);
    const missing = wanted.allowedAccounts.filter((account) => !users.includes(account));
    if (missing.length > 0) {
      if (service.ServiceStatus !== 'Active')
        throw new AlicloudEndpointServiceNotReady(serviceId, String(service.ServiceStatus));
      for (const account of missing) {
        await this.#call('AddUserToVpcEndpointService', { RegionId: region, ServiceId: serviceId, UserId: account });
      }
      notes.push(`account(s) ${missing.join(', ')} added to the service whitelist`);
    }
    const extra = users.filter((user) => !wanted.allowedAccounts.includes(user));
    if (extra.length > 0) {
      notes.push(`account(s) ${extra.join(', ')} are on the whitelist but not in the spec; brokerlink leaves them`);
    }
    const pending = await this.#pendingConnections(region, serviceId);
    for (const connection of pending) {
      notes.push(
        `connection ${connection.endpointId} from account ${connection.owner} waits for acceptance: ` +
          `aliyun privatelink EnableVpcEndpointConnection --RegionId ${region} --ServiceId ${serviceId} --EndpointId ${connection.endpointId}`,
      );
    }
    if (!wanted.autoAcceptConnection && pending.length === 0) {
      notes.push('auto-accept is off: accept the consumer’s connection once it is made (the report lists it)');
    }
    return { serviceName: service.ServiceName!, notes };
  }

  async #call(action: string, request: Record<string, string | number | boolean | undefined | object>) {
    return alicloudCall(`privatelink:${action}`, () => this.#privateLink.call(action, request as never));
  }

  async #find(region: string, loadBalancerId: string): Promise<Service | undefined> {
    const answer = await this.#call('ListVpcEndpointServices', {
      RegionId: region,
      ResourceId: loadBalancerId,
      MaxResults: 50,
    });
    return ((answer.Services ?? []) as Service[])[0];
  }

  async #zonesOf(spec: ClusterSpec): Promise<string[]> {
    const alicloud = alicloudProvider(spec);
    if (alicloud.zones !== undefined) return [...alicloud.zones];
    const answer = await alicloudCall('nlb:GetLoadBalancerAttribute', () =>
      this.#nlb.call('GetLoadBalancerAttribute', {
        RegionId: alicloud.region,
        LoadBalancerId: alicloud.loadBalancerId,
      }),
    );
    return ((answer.ZoneMappings ?? []) as { ZoneId?: string }[]).flatMap((zone) => (zone.ZoneId ? [zone.ZoneId] : []));
  }

  async #create(spec: ClusterSpec): Promise<Service> {
    const alicloud = alicloudProvider(spec);
    const zones = await this.#zonesOf(spec);
    const answer = await this.#call('CreateVpcEndpointService', {
      RegionId: alicloud.region,
      ServiceResourceType: 'nlb',
      AutoAcceptEnabled: alicloud.endpointService!.autoAcceptConnection,
      ServiceDescription: `brokerlink ${spec.cluster}: Kafka through ${alicloud.loadBalancerId}`,
      Resource: zones.map((zone) => ({ ResourceId: alicloud.loadBalancerId, ResourceType: 'nlb', ZoneId: zone })),
      Tag: [{ Key: CLUSTER_TAG, Value: spec.cluster }],
    });
    return {
      ServiceId: answer.ServiceId as string,
      ServiceName: answer.ServiceName as string,
      ServiceStatus: (answer.ServiceStatus as string | undefined) ?? 'Creating',
      AutoAcceptEnabled: alicloud.endpointService!.autoAcceptConnection,
    };
  }

  async #users(region: string, serviceId: string): Promise<string[]> {
    const users: string[] = [];
    let token: string | undefined;
    do {
      const answer = await this.#call('ListVpcEndpointServiceUsers', {
        RegionId: region,
        ServiceId: serviceId,
        MaxResults: 1000,
        ...(token === undefined ? {} : { NextToken: token }),
      });
      users.push(...((answer.Users ?? []) as { UserId?: string | number }[]).map((user) => String(user.UserId)));
      token = (answer.NextToken as string | undefined) || undefined;
    } while (token !== undefined);
    return users;
  }

  async #pendingConnections(region: string, serviceId: string): Promise<{ endpointId: string; owner: string }[]> {
    const answer = await this.#call('ListVpcEndpointConnections', {
      RegionId: region,
      ServiceId: serviceId,
      ConnectionStatus: 'Pending',
      MaxResults: 1000,
    });
    return ((answer.Connections ?? []) as { EndpointId?: string; EndpointOwnerId?: number | string }[]).map((c) => ({
      endpointId: String(c.EndpointId),
      owner: String(c.EndpointOwnerId),
    }));
  }
}
