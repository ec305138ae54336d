import * as ecsNamespace from '@alicloud/ecs20140526';
import type { DiscoveredBroker } from '../../model/observed.ts';
import type { BrokerDiscovery } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { ownValue } from '../../util/own.ts';
import { quoted } from '../../util/printable.ts';
import { alicloudCall } from './alicloud-call.ts';
import type { EcsClient } from './clients.ts';
import { commonJs } from './commonjs.ts';
import { AlicloudBrokerInstanceInvalid, AlicloudDuplicateNodeId } from './errors.ts';
import { alicloudProvider } from './spec.ts';

const { DescribeInstancesRequest, DescribeInstancesRequestTag } = commonJs(ecsNamespace);

/*
 * Broker discovery on ECS: DescribeInstances in the spec's region and VPC, filtered by the spec's tags
 * (`Tag.N.Key/Value`, every tag must match), every status (Pending, Starting, Running, Stopping, Stopped → pending,
 * pending, running, stopping, stopped). The planner decides what a state means (shared/plan/enrolment.ts): a
 * mapped broker that is not running keeps its ports and is reported down — never pushed to, restarted or
 * deregistered —, a new one is left out until it runs. One instance per node id: a running instance beats
 * non-running ones (the usual replacement), a tie in the best state is refused. Paged with NextToken, 100 per page. The node id is the `nodeIdTag` tag; the host is the instance's VPC private address; the
 * zone is the instance's ZoneId (Alibaba zone ids, e.g. ap-southeast-1a, are what the endpoint service and the
 * advertised pattern's <az> use, so az and azId are the same value).
 */

const MAX_NODE_ID = 2147483647;

type DiscoveredState = 'pending' | 'running' | 'stopping' | 'stopped';
const ECS_STATES: Readonly<Record<string, DiscoveredState>> = {
  Pending: 'pending',
  Starting: 'pending',
  Running: 'running',
  Stopping: 'stopping',
  Stopped: 'stopped',
};
const STATE_RANK: Record<DiscoveredState, number> = { running: 0, pending: 1, stopping: 2, stopped: 3 };
const PAGE_SIZE = 100;

export interface EcsDiscoveryOptions {
  ecs: EcsClient;
  /** DescribeInstances page size (1-100). */
  pageSize?: number;
}

type EcsInstance = {
  instanceId?: string;
  status?: string;
  zoneId?: string;
  vpcAttributes?: { vpcId?: string; privateIpAddress?: { ipAddress?: string[] } };
  tags?: { tag?: { tagKey?: string; tagValue?: string }[] };
};

export class EcsBrokerDiscovery implements BrokerDiscovery {
  readonly #ecs: EcsClient;
  readonly #pageSize: number;

  constructor(options: EcsDiscoveryOptions) {
    this.#ecs = options.ecs;
    this.#pageSize = options.pageSize ?? PAGE_SIZE;
  }

  async discoverBrokers(spec: ClusterSpec): Promise<DiscoveredBroker[]> {
    const selector = spec.brokers.discover;
    if (selector === undefined) return (spec.brokers.static ?? []).map((broker) => ({ ...broker }));
    const alicloud = alicloudProvider(spec);
    const instances = await this.#instances(alicloud.region, alicloud.vpcId, selector.tags);
    const invalid: { instanceId: string; reason: string }[] = [];
    const byId = new Map<number, (DiscoveredBroker & { state: DiscoveredState })[]>();
    for (const instance of instances) {
      const parsed = parseInstance(instance, selector.nodeIdTag);
      if ('reason' in parsed) invalid.push(parsed);
      else byId.set(parsed.id, [...(byId.get(parsed.id) ?? []), parsed]);
    }
    if (invalid.length > 0) throw new AlicloudBrokerInstanceInvalid(selector.nodeIdTag, invalid);
    const chosen: DiscoveredBroker[] = [];
    for (const [id, group] of byId) {
      const sorted = [...group].sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state]);
      const best = sorted[0]!;
      const tied = sorted.filter((broker) => broker.state === best.state);
      if (tied.length > 1) {
        throw new AlicloudDuplicateNodeId(
          id,
          tied.map((broker) => broker.instanceId!),
          best.state,
        );
      }
      chosen.push(best);
    }
    return chosen.sort((a, b) => a.id - b.id);
  }

  async #instances(region: string, vpcId: string, tags: Readonly<Record<string, string>>): Promise<EcsInstance[]> {
    const out: EcsInstance[] = [];
    let nextToken: string | undefined;
    do {
      const request = new DescribeInstancesRequest({
        regionId: region,
        vpcId,
        maxResults: this.#pageSize,
        tag: Object.entries(tags).map(([key, value]) => new DescribeInstancesRequestTag({ key, value })),
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      const answer = await alicloudCall('ecs:DescribeInstances', () => this.#ecs.describeInstances(request));
      out.push(...((answer.body?.instances?.instance ?? []) as EcsInstance[]));
      nextToken = answer.body?.nextToken || undefined;
    } while (nextToken !== undefined);
    return out;
  }
}

function parseInstance(
  instance: EcsInstance,
  nodeIdTag: string,
): (DiscoveredBroker & { state: DiscoveredState }) | { instanceId: string; reason: string } {
  const instanceId = instance.instanceId ?? '(no instance id)';
  const tags: Record<string, string> = {};
  for (const tag of instance.tags?.tag ?? []) if (tag.tagKey !== undefined) tags[tag.tagKey] = tag.tagValue ?? '';
  const raw = ownValue(tags, nodeIdTag);
  if (raw === undefined) return { instanceId, reason: `no "${nodeIdTag}" tag` };
  if (!/^(?:0|[1-9]\d{0,9})$/.test(raw.trim()) || Number(raw.trim()) > MAX_NODE_ID) {
    return { instanceId, reason: `"${nodeIdTag}" is ${quoted(raw)}, not a Kafka node id (0-${MAX_NODE_ID})` };
  }
  const host = instance.vpcAttributes?.privateIpAddress?.ipAddress?.[0];
  if (host === undefined || host === '') return { instanceId, reason: 'no VPC private IP address' };
  const state = ownValue(ECS_STATES, instance.status ?? '');
  if (state === undefined) return { instanceId, reason: `unexpected status ${quoted(String(instance.status))}` };
  const zone = instance.zoneId;
  return {
    id: Number(raw.trim()),
    host,
    instanceId,
    state,
    ...(zone === undefined || zone === '' ? {} : { az: zone, azId: zone }),
  };
}
