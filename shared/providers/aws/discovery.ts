import {
  DescribeAvailabilityZonesCommand,
  type EC2Client,
  type Instance,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import { paginateDescribeInstanceInformation, type SSMClient } from '@aws-sdk/client-ssm';
import type { DiscoveredBroker } from '../../model/observed.ts';
import { MAX_NODE_ID } from '../../model/schemas.ts';
import { type BrokerDiscovery, type Clock, systemClock } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { ownValue } from '../../util/own.ts';
import { quoted } from '../../util/printable.ts';
import { awsCall, chunk, collectPages } from './aws-call.ts';
import { BrokerInstanceInvalid, DuplicateBrokerNodeId, type InvalidBrokerInstance } from './errors.ts';
import { fromAwsTags } from './ledger.ts';

/*
 * Broker discovery on EC2: DescribeInstances filtered by the spec's tags and by the live-ish states, paginated
 * with the SDK paginator; node id from the spec's `nodeIdTag`; AZ name → AZ ID through one
 * DescribeAvailabilityZones call (the mapping is fixed per account, so it is cached for the adapter's lifetime
 * and only refreshed when a zone name is not known yet).
 */

const DISCOVERED_STATES = ['pending', 'running', 'stopping', 'stopped'] as const;
type DiscoveredState = (typeof DISCOVERED_STATES)[number];
/** Preference when several instances claim one node id and none (or one) of them runs. */
const STATE_RANK: Record<DiscoveredState, number> = { running: 0, pending: 1, stopping: 2, stopped: 3 };

export interface Ec2DiscoveryOptions {
  ec2: EC2Client;
  /**
   * With SSM: the agent status of each running broker launched within `agentWindowMinutes` (default 30; an agent
   * registers a minute or two after boot) becomes `commandReady` (DescribeInstanceInformation, 50 per call), so a
   * just-launched instance is enrolled once its agent is Online instead of failing on InvalidInstanceId. Older
   * instances are not asked about (a no-drift check stays at its handful of calls). Without SSM: left unset.
   */
  ssm?: SSMClient;
  agentWindowMinutes?: number;
  clock?: Clock;
  /** DescribeInstances page size (5-1000). */
  pageSize?: number;
}

export class Ec2BrokerDiscovery implements BrokerDiscovery {
  readonly #ec2: EC2Client;
  readonly #ssm: SSMClient | undefined;
  readonly #agentWindowMs: number;
  readonly #clock: Clock;
  readonly #pageSize: number;
  readonly #zoneIds = new Map<string, string>();

  constructor(options: Ec2DiscoveryOptions) {
    this.#ec2 = options.ec2;
    this.#ssm = options.ssm;
    this.#agentWindowMs = (options.agentWindowMinutes ?? 30) * 60_000;
    this.#clock = options.clock ?? systemClock;
    this.#pageSize = options.pageSize ?? 1000;
  }

  async discoverBrokers(spec: ClusterSpec): Promise<DiscoveredBroker[]> {
    const selector = spec.brokers.discover;
    if (selector === undefined) {
      return (spec.brokers.static ?? []).map((broker) => ({ ...broker }));
    }
    const filters = [
      ...Object.entries(selector.tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
      { Name: 'instance-state-name', Values: [...DISCOVERED_STATES] },
    ];
    const reservations = await collectPages(
      'ec2:DescribeInstances',
      paginateDescribeInstances({ client: this.#ec2, pageSize: this.#pageSize }, { Filters: filters }),
      (page) => page.Reservations,
    );
    const instances = reservations.flatMap((reservation) => reservation.Instances ?? []);

    const invalid: InvalidBrokerInstance[] = [];
    const candidates: (DiscoveredBroker & { instanceId: string; state: DiscoveredState; launchedAt?: Date })[] = [];
    for (const instance of instances) {
      const parsed = parseInstance(instance, selector.nodeIdTag);
      if ('reason' in parsed) invalid.push(parsed);
      else candidates.push(parsed);
    }
    if (invalid.length > 0) throw new BrokerInstanceInvalid(selector.nodeIdTag, invalid);

    const chosen = pickOnePerNodeId(candidates);
    await this.#resolveZoneIds(chosen.map((broker) => broker.az).filter((az) => az !== undefined));
    const now = this.#clock.now().getTime();
    const recent = chosen.filter(
      (broker) =>
        broker.state === 'running' &&
        (broker.launchedAt === undefined || now - broker.launchedAt.getTime() < this.#agentWindowMs),
    );
    const online = await this.#onlineAgents(recent.map((broker) => broker.instanceId));
    return chosen
      .map((broker) => {
        const azId = broker.az === undefined ? undefined : this.#zoneIds.get(broker.az);
        const withZone = azId === undefined ? broker : { ...broker, azId };
        const { launchedAt: _launchedAt, ...discovered } = withZone;
        return online === undefined || !recent.includes(broker)
          ? discovered
          : { ...discovered, commandReady: online.has(broker.instanceId) };
      })
      .sort((a, b) => a.id - b.id);
  }

  /** Instance ids whose SSM agent is Online (undefined without an SSM client). */
  async #onlineAgents(instanceIds: string[]): Promise<Set<string> | undefined> {
    if (this.#ssm === undefined) return undefined;
    const online = new Set<string>();
    for (const batch of chunk(instanceIds, 50)) {
      const pages = paginateDescribeInstanceInformation(
        { client: this.#ssm, pageSize: 50 },
        { Filters: [{ Key: 'InstanceIds', Values: batch }] },
      );
      const infos = await collectPages(
        'ssm:DescribeInstanceInformation',
        pages,
        (page) => page.InstanceInformationList,
      );
      for (const info of infos) {
        if (info.InstanceId !== undefined && info.PingStatus === 'Online') online.add(info.InstanceId);
      }
    }
    return online;
  }

  async #resolveZoneIds(zoneNames: string[]): Promise<void> {
    const missing = [...new Set(zoneNames)].filter((name) => !this.#zoneIds.has(name));
    if (missing.length === 0) return;
    const answer = await awsCall('ec2:DescribeAvailabilityZones', () =>
      this.#ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: missing })),
    );
    for (const zone of answer.AvailabilityZones ?? []) {
      if (zone.ZoneName !== undefined && zone.ZoneId !== undefined) this.#zoneIds.set(zone.ZoneName, zone.ZoneId);
    }
  }
}

function parseInstance(
  instance: Instance,
  nodeIdTag: string,
): (DiscoveredBroker & { instanceId: string; state: DiscoveredState; launchedAt?: Date }) | InvalidBrokerInstance {
  const instanceId = instance.InstanceId ?? '(no instance id)';
  const tags = fromAwsTags(instance.Tags);
  const raw = ownValue(tags, nodeIdTag);
  if (raw === undefined) return { instanceId, reason: `no "${nodeIdTag}" tag` };
  if (!/^(?:0|[1-9]\d{0,9})$/.test(raw.trim()) || Number(raw.trim()) > MAX_NODE_ID) {
    return { instanceId, reason: `"${nodeIdTag}" is ${quoted(raw)}, not a Kafka node id (0-${MAX_NODE_ID})` };
  }
  const host = instance.PrivateIpAddress;
  if (host === undefined || host === '') return { instanceId, reason: 'no private IP address' };
  const state = instance.State?.Name as DiscoveredState | undefined;
  if (state === undefined || !DISCOVERED_STATES.includes(state)) {
    return { instanceId, reason: `unexpected state ${String(state)}` };
  }
  const az = instance.Placement?.AvailabilityZone;
  return {
    id: Number(raw.trim()),
    host,
    instanceId,
    state,
    ...(az === undefined ? {} : { az }),
    ...(instance.LaunchTime === undefined ? {} : { launchedAt: instance.LaunchTime }),
  };
}

/**
 * One instance per node id. Two running instances with one id is an error (which one is the broker?). A running
 * instance beats non-running ones (the usual replacement: old instance stopped, new one running). Without a running
 * one, the best state wins; a tie in the best state is an error too.
 */
function pickOnePerNodeId<T extends { id: number; instanceId: string; state: DiscoveredState }>(brokers: T[]): T[] {
  const byId = new Map<number, T[]>();
  for (const broker of brokers) byId.set(broker.id, [...(byId.get(broker.id) ?? []), broker]);
  const chosen: T[] = [];
  for (const [id, group] of byId) {
    const sorted = [...group].sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state]);
    const best = sorted[0]!;
    const tied = sorted.filter((broker) => broker.state === best.state);
    if (tied.length > 1) {
      throw new DuplicateBrokerNodeId(
        id,
        tied.map((broker) => broker.instanceId),
        `${tied.length} instances in state ${best.state}`,
      );
    }
    chosen.push(best);
  }
  return chosen;
}
