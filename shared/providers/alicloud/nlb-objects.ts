import type { ClusterSpec } from '../../spec/schema.ts';
import { alicloudCall, isAlicloudError, mapAlicloudError } from './alicloud-call.ts';
import type { RpcProduct, RpcRequest } from './clients.ts';
import { AlicloudListenerQuotaExceeded, AlicloudResourceBusy } from './errors.ts';
import { alicloudProvider } from './spec.ts';

/*
 * The NLB 2022-04-30 objects brokerlink keeps, read and changed through the OpenAPI client (form body, as the NLB
 * SDKs send it). One mapping = one TCP listener on the consumer port → one server group of type Instance
 * (`brokerlink-<cluster>-<exposure>-<port>`), tagged with the port ledger (./nlb-ledger.ts). Every change is an
 * asynchronous job: the call returns a JobId that GetJobStatus reports Processing, then Succeeded or Failed; a
 * resource a job is changing refuses other changes with Conflict.Lock (→ AlicloudResourceBusy, retried).
 */

export const LEDGER_TAGS = {
  cluster: 'brokerlink:cluster',
  exposure: 'brokerlink:exposure',
  role: 'brokerlink:role',
  port: 'brokerlink:port',
  brokerId: 'brokerlink:broker-id',
  retiredAt: 'brokerlink:retired-at',
} as const;

export interface NlbServer {
  serverId: string;
  port: number;
  status: string;
}

export interface NlbServerGroup {
  serverGroupId: string;
  name: string;
  status: string;
  tags: Record<string, string>;
}

export interface NlbListener {
  listenerId: string;
  port: number;
  serverGroupId: string;
  status: string;
}

/** Server group names: 2-128 characters, starting with a letter; brokerlink's are unique per cluster and port. */
export function serverGroupName(cluster: string, exposure: string, port: number): string {
  return `brokerlink-${cluster}-${exposure}-${port}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 128);
}

export function mappingTags(
  cluster: string,
  exposure: string,
  role: 'broker' | 'bootstrap',
  port: number,
  brokerId?: number,
): Record<string, string> {
  return {
    [LEDGER_TAGS.cluster]: cluster,
    [LEDGER_TAGS.exposure]: exposure,
    [LEDGER_TAGS.role]: role,
    [LEDGER_TAGS.port]: String(port),
    ...(brokerId === undefined ? {} : { [LEDGER_TAGS.brokerId]: String(brokerId) }),
  };
}

const serverOf = (server: Record<string, unknown>): NlbServer => ({
  serverId: String(server.ServerId),
  port: Number(server.Port),
  status: String(server.Status),
});

const tagsOf = (list: unknown): Record<string, string> =>
  Object.fromEntries(
    ((list ?? []) as { Key?: string; Value?: string }[]).flatMap((tag) =>
      tag.Key ? [[tag.Key, tag.Value ?? '']] : [],
    ),
  );

export class NlbObjects {
  readonly #nlb: RpcProduct;
  constructor(nlb: RpcProduct) {
    this.#nlb = nlb;
  }

  /** One call, mapped: Conflict.Lock is a busy resource (retried), a full NLB its listener quota. */
  async call(action: string, request: RpcRequest): Promise<Record<string, unknown>> {
    try {
      return await this.#nlb.call(action, request);
    } catch (error) {
      if (isAlicloudError(error, 'Conflict.Lock')) {
        throw new AlicloudResourceBusy(`nlb:${action}: the resource is being changed by another job`, { cause: error });
      }
      if (isAlicloudError(error, 'QuotaExceeded.ListenersNum')) {
        throw new AlicloudListenerQuotaExceeded(`nlb:${action}: ${(error as Error).message}`, { cause: error });
      }
      throw mapAlicloudError(`nlb:${action}`, error);
    }
  }

  async #paged<T>(action: string, request: RpcRequest, key: string): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    do {
      const answer = await this.call(action, { ...request, MaxResults: 100, ...(token ? { NextToken: token } : {}) });
      out.push(...((answer[key] ?? []) as T[]));
      token = (answer.NextToken as string | undefined) || undefined;
    } while (token !== undefined);
    return out;
  }

  /** The cluster's server groups (by their cluster tag), with their tags: one call per 100 groups. */
  async serverGroups(spec: ClusterSpec): Promise<NlbServerGroup[]> {
    const groups = await this.#paged<Record<string, unknown>>(
      'ListServerGroups',
      { RegionId: alicloudProvider(spec).region, Tag: [{ Key: LEDGER_TAGS.cluster, Value: spec.cluster }] },
      'ServerGroups',
    );
    return groups.map((group) => ({
      serverGroupId: String(group.ServerGroupId),
      name: String(group.ServerGroupName),
      status: String(group.ServerGroupStatus),
      tags: tagsOf(group.Tags),
    }));
  }

  async serverGroupNamed(spec: ClusterSpec, name: string): Promise<NlbServerGroup | undefined> {
    const answer = await this.call('ListServerGroups', {
      RegionId: alicloudProvider(spec).region,
      ServerGroupNames: [name],
      MaxResults: 10,
    });
    const group = ((answer.ServerGroups ?? []) as Record<string, unknown>[])[0];
    return group === undefined
      ? undefined
      : {
          serverGroupId: String(group.ServerGroupId),
          name: String(group.ServerGroupName),
          status: String(group.ServerGroupStatus),
          tags: tagsOf(group.Tags),
        };
  }

  async serverGroupById(spec: ClusterSpec, serverGroupId: string): Promise<NlbServerGroup | undefined> {
    const answer = await this.call('ListServerGroups', {
      RegionId: alicloudProvider(spec).region,
      ServerGroupIds: [serverGroupId],
      MaxResults: 10,
    });
    const group = ((answer.ServerGroups ?? []) as Record<string, unknown>[])[0];
    return group === undefined
      ? undefined
      : {
          serverGroupId: String(group.ServerGroupId),
          name: String(group.ServerGroupName),
          status: String(group.ServerGroupStatus),
          tags: tagsOf(group.Tags),
        };
  }

  async servers(spec: ClusterSpec, serverGroupId: string): Promise<NlbServer[]> {
    const servers = await this.#paged<Record<string, unknown>>(
      'ListServerGroupServers',
      { RegionId: alicloudProvider(spec).region, ServerGroupId: serverGroupId },
      'Servers',
    );
    return servers.map(serverOf);
  }

  /**
   * The servers of many server groups at once. ListServerGroupServers takes an optional ServerGroupId: without it,
   * it lists the servers of every server group in the region, each naming its group, 100 per page. That is one call
   * for a dedicated account's 48-broker cluster instead of one per group; in an account with many other groups it
   * could be more, so after `regionPageBudget` pages (default: a quarter of the groups asked for, at least 1) with
   * more to come it falls back to one listing per group — never much worse than asking group by group.
   */
  async serversByGroup(
    spec: ClusterSpec,
    serverGroupIds: readonly string[],
    regionPageBudget = Math.max(1, Math.floor(serverGroupIds.length / 4)),
  ): Promise<Map<string, NlbServer[]>> {
    const byGroup = new Map<string, NlbServer[]>(serverGroupIds.map((id) => [id, []]));
    if (serverGroupIds.length === 0) return byGroup;
    if (serverGroupIds.length > 1) {
      let token: string | undefined;
      let pages = 0;
      do {
        const answer = await this.call('ListServerGroupServers', {
          RegionId: alicloudProvider(spec).region,
          MaxResults: 100,
          ...(token ? { NextToken: token } : {}),
        });
        pages += 1;
        for (const server of (answer.Servers ?? []) as Record<string, unknown>[]) {
          byGroup.get(String(server.ServerGroupId))?.push(serverOf(server));
        }
        token = (answer.NextToken as string | undefined) || undefined;
      } while (token !== undefined && pages < regionPageBudget);
      if (token === undefined) return byGroup;
    }
    for (const id of serverGroupIds) byGroup.set(id, await this.servers(spec, id));
    return byGroup;
  }

  /** The NLB's listeners (at most 50 by default: one page). */
  async listeners(spec: ClusterSpec): Promise<NlbListener[]> {
    const alicloud = alicloudProvider(spec);
    const listeners = await this.#paged<Record<string, unknown>>(
      'ListListeners',
      { RegionId: alicloud.region, LoadBalancerIds: [alicloud.loadBalancerId] },
      'Listeners',
    );
    return listeners.map((listener) => ({
      listenerId: String(listener.ListenerId),
      port: Number(listener.ListenerPort),
      serverGroupId: String(listener.ServerGroupId),
      status: String(listener.ListenerStatus),
    }));
  }

  async tag(spec: ClusterSpec, serverGroupId: string, tags: Record<string, string>): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    await this.call('TagResources', {
      RegionId: alicloudProvider(spec).region,
      ResourceType: 'servergroup',
      ResourceId: [serverGroupId],
      Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    });
  }

  async untag(spec: ClusterSpec, serverGroupId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.call('UntagResources', {
      RegionId: alicloudProvider(spec).region,
      ResourceType: 'servergroup',
      ResourceId: [serverGroupId],
      TagKey: keys,
    });
  }

  async jobStatus(jobId: string): Promise<string> {
    const answer = await alicloudCall('nlb:GetJobStatus', () => this.#nlb.call('GetJobStatus', { JobId: jobId }));
    return String(answer.Status);
  }

  async dnsName(spec: ClusterSpec): Promise<string> {
    return (await this.attribute(spec)).dnsName;
  }

  /**
   * GetLoadBalancerAttribute: the DNS name, whether cross-zone load balancing is on (CrossZoneEnabled, on unless
   * turned off), and per zone its private IPv4 address (ZoneMappings[].LoadBalancerAddresses[].PrivateIPv4Address).
   */
  async attribute(spec: ClusterSpec): Promise<NlbAttribute> {
    const alicloud = alicloudProvider(spec);
    const answer = await this.call('GetLoadBalancerAttribute', {
      RegionId: alicloud.region,
      LoadBalancerId: alicloud.loadBalancerId,
    });
    const mappings = Array.isArray(answer.ZoneMappings) ? (answer.ZoneMappings as Record<string, unknown>[]) : [];
    return {
      dnsName: String(answer.DNSName),
      crossZoneEnabled: answer.CrossZoneEnabled !== false && answer.CrossZoneEnabled !== 'false',
      zones: mappings.map((mapping) => {
        const addresses = Array.isArray(mapping.LoadBalancerAddresses)
          ? (mapping.LoadBalancerAddresses as Record<string, unknown>[])
          : [];
        const address = addresses.find((entry) => typeof entry.PrivateIPv4Address === 'string')?.PrivateIPv4Address;
        return {
          zoneId: String(mapping.ZoneId),
          ...(typeof address === 'string' ? { privateIPv4Address: address } : {}),
        };
      }),
    };
  }
}

export interface NlbAttribute {
  dnsName: string;
  crossZoneEnabled: boolean;
  zones: { zoneId: string; privateIPv4Address?: string }[];
}
