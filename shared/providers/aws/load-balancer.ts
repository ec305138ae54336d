import { isIP } from 'node:net';
import { DescribeAvailabilityZonesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type TargetGroup,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ObservedTarget, TargetHealth } from '../../model/observed.ts';
import type { LbAction, PlanTarget } from '../../model/plan.ts';
import {
  type Clock,
  type ConsumerEndpoint,
  type ConsumerRoutes,
  type LbOperation,
  type LbOperationStatus,
  type LbProgress,
  type LedgerEntry,
  type LoadBalancer,
  type ObservedPorts,
  systemClock,
} from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { awsCall, isAwsError } from './aws-call.ts';
import { addTags, assertOurs, forwardTarget, listListeners, tagsOfOne, targetGroupByName } from './elbv2-objects.ts';
import { ensureEndpointService } from './endpoint-service.ts';
import { AwsCallFailed, ListenerPortTaken, MappingNotFound, TargetGroupStillInUse, TargetInvalid } from './errors.ts';
import { awsProvider, LEDGER_TAGS, mappingTags, targetGroupName, toAwsTags } from './ledger.ts';
import { closePort, ensureBrokerIngress, observeOpenPorts, openPort } from './security-group.ts';
import { type ObservedGroup, observeTargets, type TargetObservation, targetTagEntries } from './target-observation.ts';

/*
 * LoadBalancer over an AWS Network Load Balancer. One mapping = one TCP listener (the consumer-side port)
 * forwarding to one target group of brokerlink's. The group's tags are the port ledger (tag-ledger.ts reads and
 * edits them); this adapter creates a group with its tags and keeps the `brokerlink:target` tag of a broker group
 * (the target it registered), which `ledger` target observation reads. ELBv2 changes are synchronous, so every
 * action is done when `start` returns. Every action is idempotent and adopts what an interrupted run left behind.
 *
 * observe() cost, given the ledger's entries (which already carry the target group ARNs and tags): the security
 * group rules (1 page of up to 1000) + target health (target-observation.ts: one call per group in `describe`
 * mode, a handful in `ledger` mode).
 */

export type { TargetObservation } from './target-observation.ts';

/** Above Kafka's default connections.max.idle.ms (540 s); NLB allows 60-6000. */
export const TCP_IDLE_TIMEOUT_SECONDS = 600;
/** How long a container reuses an NLB's description (DNS name, zones). */
const NLB_DESCRIBE_TTL_MS = 10 * 60_000;

interface DescribedNlb {
  dnsName: string;
  zones: { name: string; id?: string }[];
}

export interface AwsLoadBalancerOptions {
  elbv2: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
  targets?: TargetObservation;
  /** In-flight DescribeTargetHealth calls at most (default 8). */
  concurrency?: number;
  /** Picks the audit rotation in `ledger` mode. */
  clock?: Clock;
  /**
   * Security groups of the functions that verify through the NLB (the deploy's kafkaSecurityGroupIds): the NLB's
   * security group admits them on every port it opens for the consumers (security-group.ts).
   */
  verifierGroupIds?: readonly string[];
}

export class AwsLoadBalancer implements LoadBalancer {
  readonly #elbv2: ElasticLoadBalancingV2Client;
  readonly #ec2: EC2Client;
  readonly #targets: TargetObservation;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #zoneIds = new Map<string, string>();
  readonly #described = new Map<string, { at: number; value: DescribedNlb }>();
  readonly #verifierGroupIds: readonly string[];

  constructor(options: AwsLoadBalancerOptions) {
    this.#verifierGroupIds = options.verifierGroupIds ?? [];
    this.#elbv2 = options.elbv2;
    this.#ec2 = options.ec2;
    this.#targets = options.targets ?? { mode: 'describe' };
    this.#concurrency = options.concurrency ?? 8;
    this.#clock = options.clock ?? systemClock;
  }

  /** The NLB's DNS name (what the provider side dials to verify through the load balancer); cached per ARN. */
  async ensureConsumerEndpoint(spec: ClusterSpec): Promise<ConsumerEndpoint | null> {
    if (awsProvider(spec).endpointService === undefined) return null;
    const result = await ensureEndpointService(this.#ec2, spec);
    const notes = [
      ...(result.created ? [`created endpoint service ${result.serviceId}`] : []),
      ...(result.addedPrincipals.length > 0 ? [`allowed ${result.addedPrincipals.join(', ')}`] : []),
      ...(result.extraPrincipals.length > 0
        ? [`also allowed, not in the spec (left as they are): ${result.extraPrincipals.join(', ')}`]
        : []),
      ...(result.acceptanceDrift ? ['AcceptanceRequired differs from the spec (not changed automatically)'] : []),
    ];
    return { serviceName: result.serviceName, notes };
  }

  async consumerAddress(spec: ClusterSpec): Promise<string> {
    return (await this.#describeLoadBalancer(spec)).dnsName;
  }

  /**
   * The NLB's zonal DNS names (`<zone name>.<DNS name>`, one per zone it has a subnet in). Cross-zone load
   * balancing is off by default on an NLB: a node routes only to targets in its own zone, so a broker port, whose
   * one target is in one zone, answers through the regional name only when DNS happens to give that zone's node.
   * Verification dials each broker port through its broker's zone and each bootstrap port through every zone —
   * the way a consumer's per-zone endpoint reaches them (docs/aws.md, "Zones").
   */
  async consumerRoutes(spec: ClusterSpec): Promise<ConsumerRoutes> {
    const { dnsName, zones } = await this.#describeLoadBalancer(spec);
    const byZone: Record<string, string> = {};
    for (const zone of zones) {
      const address = `${zone.name}.${dnsName}`;
      byZone[zone.name] = address;
      if (zone.id !== undefined) byZone[zone.id] = address;
    }
    return { bootstrap: zones.map((zone) => `${zone.name}.${dnsName}`), byZone };
  }

  /**
   * DescribeLoadBalancers: the DNS name and the zones, names and ids. Kept for NLB_DESCRIBE_TTL_MS per container
   * (an NLB's subnets change rarely, and a no-drift check should not pay for it every time); zone ids for the
   * container's life (fixed per account).
   */
  async #describeLoadBalancer(spec: ClusterSpec): Promise<DescribedNlb> {
    const arn = awsProvider(spec).loadBalancerArn;
    const cached = this.#described.get(arn);
    const now = this.#clock.now().getTime();
    if (cached !== undefined && now - cached.at < NLB_DESCRIBE_TTL_MS) return cached.value;
    const answer = await awsCall('elbv2:DescribeLoadBalancers', () =>
      this.#elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] })),
    );
    const lb = answer.LoadBalancers?.[0];
    const dnsName = lb?.DNSName;
    if (dnsName === undefined) {
      throw new AwsCallFailed('elbv2:DescribeLoadBalancers', 'NoDnsName', `load balancer ${arn} has no DNS name`);
    }
    const names = (lb?.AvailabilityZones ?? []).flatMap((zone) => (zone.ZoneName === undefined ? [] : [zone.ZoneName]));
    const missing = names.filter((name) => !this.#zoneIds.has(name));
    if (missing.length > 0) {
      const zones = await awsCall('ec2:DescribeAvailabilityZones', () =>
        this.#ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: missing })),
      );
      for (const zone of zones.AvailabilityZones ?? []) {
        if (zone.ZoneName !== undefined && zone.ZoneId !== undefined) this.#zoneIds.set(zone.ZoneName, zone.ZoneId);
      }
    }
    const zones = names.map((name) => {
      const id = this.#zoneIds.get(name);
      return id === undefined ? { name } : { name, id };
    });
    const value = { dnsName, zones };
    this.#described.set(arn, { at: now, value });
    return value;
  }

  async observe(spec: ClusterSpec, ledger: readonly LedgerEntry[]): Promise<ObservedPorts> {
    const groups = await this.#groupsOf(spec, ledger);
    const [targets, openPorts, described] = await Promise.all([
      observeTargets(
        groups.map((g) => g.group),
        {
          mode: this.#targets,
          describe: (arn) => this.#describeHealth(arn),
          concurrency: this.#concurrency,
          now: this.#clock.now(),
        },
      ),
      observeOpenPorts(this.#ec2, spec, this.#verifierGroupIds),
      this.#describeLoadBalancer(spec),
    ]);
    const ports = groups.map(({ group, listenerArn }) => ({
      port: group.port,
      targets: targets.get(group.targetGroupArn) ?? [],
      resourceIds: { targetGroupArn: group.targetGroupArn, ...(listenerArn === undefined ? {} : { listenerArn }) },
    }));
    // The zones the NLB serves, by id and name (brokers carry one or the other): the planner refuses a broker in
    // any other zone, which no consumer could reach.
    const zones = described.zones.flatMap((zone) => (zone.id === undefined ? [zone.name] : [zone.id, zone.name]));
    return { ports, openPorts, zones };
  }

  /** The target group of every entry: from what the AWS ledger read with it, else found by its deterministic name. */
  async #groupsOf(
    spec: ClusterSpec,
    ledger: readonly LedgerEntry[],
  ): Promise<{ group: ObservedGroup; listenerArn: string | undefined }[]> {
    const groups: { group: ObservedGroup; listenerArn: string | undefined }[] = [];
    for (const entry of ledger) {
      const data = entry.adapterData ?? {};
      const targetGroupArn =
        data['targetGroupArn'] ??
        (await targetGroupByName(this.#elbv2, targetGroupName(spec.cluster, entry.exposure, entry.port)))
          ?.TargetGroupArn;
      if (targetGroupArn === undefined) continue; // no group: the load balancer does not serve this port
      groups.push({
        group: {
          targetGroupArn,
          port: entry.port,
          role: entry.role,
          targetTag: data['target'],
          retired: entry.retiredAt !== undefined,
        },
        listenerArn: data['listenerArn'],
      });
    }
    return groups;
  }

  async #describeHealth(targetGroupArn: string): Promise<ObservedTarget[]> {
    const answer = await awsCall('elbv2:DescribeTargetHealth', () =>
      this.#elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    );
    return (answer.TargetHealthDescriptions ?? []).flatMap(toObservedTarget);
  }

  // ------------------------------------------------------------------ apply

  async start(spec: ClusterSpec, action: LbAction): Promise<LbProgress> {
    await this.#apply(spec, action);
    return { state: 'done' };
  }

  /** ELBv2 changes are synchronous: `start` never returns an operation, so there is none to poll. */
  async poll(_spec: ClusterSpec, operation: LbOperation): Promise<LbOperationStatus> {
    throw new AwsCallFailed(
      'elbv2:poll',
      'NoSuchOperation',
      `the AWS load balancer starts no operations to poll (got ${JSON.stringify(operation)})`,
    );
  }

  async #apply(spec: ClusterSpec, action: LbAction): Promise<void> {
    switch (action.kind) {
      case 'createMapping':
        return this.#createMapping(spec, action);
      case 'registerTargets':
        return this.#registerTargets(spec, action.exposure, action.role, action.port, action.targets);
      case 'deregisterTargets':
        return this.#deregisterTargets(spec, action);
      case 'retireMapping':
        return this.#retire(spec, action);
      case 'reviveMapping':
        // Nothing to change on the load balancer: the ledger clears the retirement, and the broker's target
        // comes back through a registerTargets action of the plan.
        return;
      case 'deleteMapping':
        return this.#delete(spec, action);
      case 'openPort':
        return openPort(this.#ec2, spec, action.port, action.cidrs, this.#verifierGroupIds);
      case 'closePort':
        return closePort(this.#ec2, spec, action.port, action.cidrs, this.#verifierGroupIds);
    }
  }

  async #createMapping(spec: ClusterSpec, action: Extract<LbAction, { kind: 'createMapping' }>) {
    const aws = awsProvider(spec);
    const exposure = spec.exposures.find((e) => e.listener === action.exposure);
    const targetPort = exposure?.brokerPort ?? action.targets[0]?.port;
    if (targetPort === undefined) {
      throw new TargetInvalid(
        `createMapping: exposure ${action.exposure} is not in the spec and the action has no targets`,
      );
    }
    const name = targetGroupName(spec.cluster, action.exposure, action.port);
    const targetType =
      action.targets.length > 0
        ? action.targets.every((t) => t.instanceId !== undefined)
          ? 'instance'
          : 'ip'
        : spec.brokers.discover !== undefined
          ? 'instance'
          : 'ip';
    const tags = mappingTags(spec.cluster, action.exposure, action.role, action.port, action.brokerId);
    if (action.role === 'broker') tags[LEDGER_TAGS.target] = '';

    const created = await awsCall('elbv2:CreateTargetGroup', async () => {
      try {
        return await this.#elbv2.send(
          new CreateTargetGroupCommand({
            Name: name,
            Protocol: 'TCP',
            Port: targetPort,
            VpcId: aws.vpcId,
            TargetType: targetType,
            HealthCheckEnabled: true,
            HealthCheckProtocol: 'TCP',
            Tags: toAwsTags(tags),
          }),
        );
      } catch (error) {
        if (!isAwsError(error, 'DuplicateTargetGroupName')) throw error;
        return undefined; // exists with other settings: adopted below if it is ours
      }
    });
    const group = created?.TargetGroups?.[0] ?? (await targetGroupByName(this.#elbv2, name));
    if (group?.TargetGroupArn === undefined) throw new MappingNotFound(action.exposure, action.port, 'createMapping');
    const arn = group.TargetGroupArn;
    // Identical settings return an existing group without applying our tags: check whose it is (the ledger's
    // assign then repairs the tags of an adopted group).
    const existingTags = await tagsOfOne(this.#elbv2, arn);
    assertOurs(name, existingTags, tags);

    await this.#setAttributes(spec, action, arn);
    await this.#register(group, action.targets, action.role === 'broker' ? existingTags : undefined);
    await this.#ensureListener(spec, action.port, arn);
    if (action.role === 'bootstrap') await ensureBrokerIngress(this.#ec2, spec);
  }

  /**
   * Target group attributes set at creation:
   *  - cross-zone load balancing. Bootstrap groups: on, so every zone's node reaches every broker (a zone without a
   *    broker still answers bootstrap). Broker groups: on only when the exposure's advertised pattern is one name
   *    for all zones — the consumer's traffic for a broker may then enter in any zone; with a pattern per zone it
   *    enters in the broker's own zone and stays there (no cross-zone traffic);
   *  - the TCP idle timeout, 600 s instead of the NLB's 350 s: Kafka clients keep idle connections for
   *    `connections.max.idle.ms` = 540 s by default, and an NLB drops an idle flow silently (the client sees a reset).
   */
  async #setAttributes(spec: ClusterSpec, action: Extract<LbAction, { kind: 'createMapping' }>, arn: string) {
    const exposure = spec.exposures.find((e) => e.listener === action.exposure);
    const oneName = typeof exposure?.advertisedListenerPattern === 'string';
    const attributes = [{ Key: 'tcp.idle_timeout.seconds', Value: String(TCP_IDLE_TIMEOUT_SECONDS) }];
    if (action.role === 'bootstrap' || oneName) {
      attributes.push({ Key: 'load_balancing.cross_zone.enabled', Value: 'true' });
    }
    await awsCall('elbv2:ModifyTargetGroupAttributes', () =>
      this.#elbv2.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: attributes })),
    );
  }

  async #ensureListener(spec: ClusterSpec, port: number, targetGroupArn: string, attempt = 1): Promise<void> {
    const aws = awsProvider(spec);
    const forward = [{ Type: 'forward' as const, TargetGroupArn: targetGroupArn }];
    const duplicate = await awsCall('elbv2:CreateListener', async () => {
      try {
        await this.#elbv2.send(
          new CreateListenerCommand({
            LoadBalancerArn: aws.loadBalancerArn,
            Protocol: 'TCP',
            Port: port,
            DefaultActions: forward,
            Tags: toAwsTags({ [LEDGER_TAGS.cluster]: spec.cluster, [LEDGER_TAGS.port]: String(port) }),
          }),
        );
        return false;
      } catch (error) {
        if (!isAwsError(error, 'DuplicateListener')) throw error;
        return true;
      }
    });
    if (!duplicate) return;
    // A listener exists on the port with other settings: ours pointing elsewhere (fix it) or someone else's (stop).
    const listener = (await listListeners(this.#elbv2, spec)).find((l) => l.Port === port);
    if (listener?.ListenerArn === undefined) {
      // Deleted between the two calls (another execution): try again, a bounded number of times.
      if (attempt < 3) return this.#ensureListener(spec, port, targetGroupArn, attempt + 1);
      throw new AwsCallFailed('elbv2:CreateListener', 'DuplicateListener', `port ${port} keeps changing; retry later`);
    }
    const current = forwardTarget(listener);
    if (current === targetGroupArn && listener.Protocol === 'TCP') return;
    const currentTags = current === undefined ? {} : await tagsOfOne(this.#elbv2, current);
    if (currentTags[LEDGER_TAGS.cluster] !== spec.cluster) {
      throw new ListenerPortTaken(
        port,
        listener.ListenerArn,
        current === undefined ? 'it does not forward to a target group' : `it forwards to ${current}`,
      );
    }
    await awsCall('elbv2:ModifyListener', () =>
      this.#elbv2.send(
        new ModifyListenerCommand({ ListenerArn: listener.ListenerArn, Protocol: 'TCP', DefaultActions: forward }),
      ),
    );
  }

  async #registerTargets(
    spec: ClusterSpec,
    exposure: string,
    role: 'broker' | 'bootstrap',
    port: number,
    targets: PlanTarget[],
  ) {
    const group = await this.#requireGroup(spec, exposure, port, 'registerTargets');
    if (role === 'bootstrap') await ensureBrokerIngress(this.#ec2, spec);
    const tags = role === 'broker' ? await tagsOfOne(this.#elbv2, group.TargetGroupArn!) : undefined;
    await this.#register(group, targets, tags);
  }

  /** RegisterTargets (idempotent in AWS); for a broker mapping also keeps the `brokerlink:target` ledger tag. */
  async #register(group: TargetGroup, targets: PlanTarget[], brokerTags: Record<string, string> | undefined) {
    if (targets.length === 0) return;
    const arn = group.TargetGroupArn!;
    const awsTargets = targets.map((target) => ({ Id: targetId(group, target), Port: target.port }));
    await awsCall('elbv2:RegisterTargets', () =>
      this.#elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: awsTargets })),
    );
    if (brokerTags !== undefined) {
      const ledger = [
        ...new Set([
          ...targetTagEntries(brokerTags[LEDGER_TAGS.target]),
          ...awsTargets.map((t) => `${t.Id}:${t.Port}`),
        ]),
      ]
        .sort()
        .join(' ');
      if (brokerTags[LEDGER_TAGS.target] !== ledger) await addTags(this.#elbv2, arn, { [LEDGER_TAGS.target]: ledger });
    }
  }

  async #deregisterTargets(spec: ClusterSpec, action: Extract<LbAction, { kind: 'deregisterTargets' }>) {
    const group = await this.#requireGroup(spec, action.exposure, action.port, 'deregisterTargets');
    const arn = group.TargetGroupArn!;
    await this.#deregister(arn, action.targets);
    if (action.role === 'broker') {
      const tags = await tagsOfOne(this.#elbv2, arn);
      const gone = new Set(action.targets.map((t) => `${t.id}:${t.port}`));
      const ledger = targetTagEntries(tags[LEDGER_TAGS.target])
        .filter((entry) => !gone.has(entry))
        .join(' ');
      if (tags[LEDGER_TAGS.target] !== ledger) await addTags(this.#elbv2, arn, { [LEDGER_TAGS.target]: ledger });
    }
  }

  async #deregister(arn: string, targets: readonly { id: string; port: number }[]) {
    if (targets.length === 0) return;
    await awsCall('elbv2:DeregisterTargets', async () => {
      try {
        await this.#elbv2.send(
          new DeregisterTargetsCommand({
            TargetGroupArn: arn,
            Targets: targets.map((t) => ({ Id: t.id, Port: t.port })),
          }),
        );
      } catch (error) {
        // A terminated instance is already gone from the group: nothing left to deregister.
        if (!isAwsError(error, 'InvalidTarget')) throw error;
      }
    });
  }

  /** Deregisters every target; the ledger stamps the retirement. */
  async #retire(spec: ClusterSpec, action: Extract<LbAction, { kind: 'retireMapping' }>) {
    const group = await this.#requireGroup(spec, action.exposure, action.port, 'retireMapping');
    const arn = group.TargetGroupArn!;
    await this.#deregister(arn, await this.#describeHealth(arn));
    const tags = await tagsOfOne(this.#elbv2, arn);
    if (tags[LEDGER_TAGS.target] !== '') await addTags(this.#elbv2, arn, { [LEDGER_TAGS.target]: '' });
  }

  async #delete(spec: ClusterSpec, action: Extract<LbAction, { kind: 'deleteMapping' }>) {
    const name = targetGroupName(spec.cluster, action.exposure, action.port);
    const listener = (await listListeners(this.#elbv2, spec)).find((l) => l.Port === action.port);
    if (listener?.ListenerArn !== undefined) {
      const forwarded = forwardTarget(listener);
      const tags = forwarded === undefined ? {} : await tagsOfOne(this.#elbv2, forwarded);
      if (tags[LEDGER_TAGS.cluster] !== spec.cluster || tags[LEDGER_TAGS.port] !== String(action.port)) {
        throw new ListenerPortTaken(
          action.port,
          listener.ListenerArn,
          'refusing to delete a listener brokerlink does not own',
        );
      }
      await awsCall('elbv2:DeleteListener', async () => {
        try {
          await this.#elbv2.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn }));
        } catch (error) {
          if (!isAwsError(error, 'ListenerNotFound')) throw error;
        }
      });
    }
    const group = await targetGroupByName(this.#elbv2, name);
    if (group?.TargetGroupArn === undefined) return;
    const arn = group.TargetGroupArn;
    const tags = await tagsOfOne(this.#elbv2, arn);
    assertOurs(name, tags, mappingTags(spec.cluster, action.exposure, 'broker', action.port, undefined));
    await awsCall('elbv2:DeleteTargetGroup', async () => {
      try {
        await this.#elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
      } catch (error) {
        // Right after DeleteListener, ELBv2 can still see the listener (eventual consistency): try again later.
        if (isAwsError(error, 'ResourceInUse')) throw new TargetGroupStillInUse(name, { cause: error });
        throw error;
      }
    });
  }

  // ------------------------------------------------------------------ helpers

  async #requireGroup(spec: ClusterSpec, exposure: string, port: number, what: string): Promise<TargetGroup> {
    const group = await targetGroupByName(this.#elbv2, targetGroupName(spec.cluster, exposure, port));
    if (group?.TargetGroupArn === undefined) throw new MappingNotFound(exposure, port, what);
    return group;
  }
}

function targetId(group: TargetGroup, target: PlanTarget): string {
  if (group.TargetType === 'instance') {
    if (target.instanceId === undefined) {
      throw new TargetInvalid(
        `broker ${target.brokerId} has no instance id, but target group ${group.TargetGroupName} registers instances`,
      );
    }
    return target.instanceId;
  }
  if (isIP(target.host) !== 4) {
    throw new TargetInvalid(
      `broker ${target.brokerId} host "${target.host}" is not an IPv4 address: target group ${group.TargetGroupName} registers IP targets (give brokers.static an IP, or an instanceId)`,
    );
  }
  return target.host;
}

const HEALTH: Record<string, TargetHealth> = {
  initial: 'initial',
  healthy: 'healthy',
  unhealthy: 'unhealthy',
  'unhealthy.draining': 'draining',
  draining: 'draining',
  unused: 'unused',
};

function toObservedTarget(description: TargetHealthDescription): ObservedTarget[] {
  const id = description.Target?.Id;
  const port = description.Target?.Port;
  if (id === undefined || port === undefined) return [];
  return [{ id, port, health: HEALTH[description.TargetHealth?.State ?? ''] ?? 'unknown' }];
}
