import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  ModifyListenerCommand,
  paginateDescribeListeners,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  type TargetGroup,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ObservedLoadBalancer, ObservedMapping, ObservedTarget, TargetHealth } from '../../model/observed.ts';
import type { LbAction, PlanTarget } from '../../model/plan.ts';
import { type Clock, type ConsumerEndpoint, type LoadBalancer, systemClock } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { mapLimit } from '../../util/map-limit.ts';
import { awsCall, chunk, collectPages, isAwsError } from './aws-call.ts';
import { ensureEndpointService } from './endpoint-service.ts';
import { AwsCallFailed, ListenerPortTaken, MappingNotFound, TargetGroupNameTaken, TargetInvalid } from './errors.ts';
import { awsProvider, fromAwsTags, LEDGER_TAGS, mappingTags, targetGroupName, toAwsTags } from './ledger.ts';
import { closePort, ensureBrokerIngress, observeOpenPorts, openPort } from './security-group.ts';

/*
 * LoadBalancer over an AWS Network Load Balancer. One mapping = one TCP listener (the consumer-side port)
 * forwarding to one target group of brokerlink's, whose tags are the ledger (cluster, exposure, role, broker id,
 * retired-at). Every apply is idempotent and adopts what an interrupted earlier run left behind.
 *
 * observe() cost. Listeners (1 page of up to 400: an NLB has at most 50) + DescribeTags (20 ARNs per call) +
 * the security group rules (1 page of up to 1000) + target health. DescribeTargetHealth has no batch form (one call
 * per target group), so two modes:
 *  - `describe` (default): every owned target group is described — exact, 1 + ⌈n/20⌉ + n + 1 calls for n mappings.
 *  - `ledger`: a broker mapping's registered target is read from its `brokerlink:target` tag (kept by apply);
 *    health comes from the bootstrap target group (which holds every broker), so one DescribeTargetHealth per
 *    bootstrap mapping. Target groups whose ledger is missing or looks wrong (the tagged target is absent from the
 *    bootstrap group) are described, plus `auditPerObserve` more in rotation so hand-made changes are still found
 *    within ⌈n / auditPerObserve⌉ runs. For 48 brokers that is ≤ 12 calls per no-drift check.
 */

export type TargetObservation = { mode: 'describe' } | { mode: 'ledger'; auditPerObserve?: number };

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

interface OwnedGroup {
  listener: Listener;
  port: number;
  targetGroupArn: string;
  tags: Record<string, string>;
}

const DEFAULT_AUDIT = 4;

export class AwsLoadBalancer implements LoadBalancer {
  readonly #elbv2: ElasticLoadBalancingV2Client;
  readonly #ec2: EC2Client;
  readonly #targets: TargetObservation;
  readonly #concurrency: number;
  readonly #clock: Clock;
  readonly #dnsNames = new Map<string, string>();
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
    const arn = awsProvider(spec).loadBalancerArn;
    const known = this.#dnsNames.get(arn);
    if (known !== undefined) return known;
    const answer = await awsCall('elbv2:DescribeLoadBalancers', () =>
      this.#elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] })),
    );
    const dnsName = answer.LoadBalancers?.[0]?.DNSName;
    if (dnsName === undefined) {
      throw new AwsCallFailed('elbv2:DescribeLoadBalancers', 'NoDnsName', `load balancer ${arn} has no DNS name`);
    }
    this.#dnsNames.set(arn, dnsName);
    return dnsName;
  }

  // ------------------------------------------------------------------ observe

  async observe(spec: ClusterSpec): Promise<ObservedLoadBalancer> {
    const [listeners, openPorts] = await Promise.all([
      this.#listeners(spec),
      observeOpenPorts(this.#ec2, spec, this.#verifierGroupIds),
    ]);
    const forwarded = listeners.flatMap((listener) => {
      const arn = forwardTarget(listener);
      return arn === undefined || listener.Port === undefined
        ? []
        : [{ listener, port: listener.Port, targetGroupArn: arn }];
    });
    const tags = await this.#tagsOf([...new Set(forwarded.map((f) => f.targetGroupArn))]);
    const owned: OwnedGroup[] = forwarded
      .map((f) => ({ ...f, tags: tags.get(f.targetGroupArn) ?? {} }))
      .filter((group) => group.tags[LEDGER_TAGS.cluster] === spec.cluster);

    const targets = await this.#observeTargets(owned);
    const mappings = owned
      .map((group) => toMapping(group, targets.get(group.targetGroupArn) ?? []))
      .filter((mapping) => mapping !== undefined)
      .sort((a, b) => a.port - b.port);
    return { mappings, openPorts };
  }

  async #listeners(spec: ClusterSpec): Promise<Listener[]> {
    return collectPages(
      'elbv2:DescribeListeners',
      paginateDescribeListeners(
        { client: this.#elbv2, pageSize: 400 },
        { LoadBalancerArn: awsProvider(spec).loadBalancerArn },
      ),
      (page) => page.Listeners,
    );
  }

  async #tagsOf(arns: string[]): Promise<Map<string, Record<string, string>>> {
    const result = new Map<string, Record<string, string>>();
    const batches = await mapLimit(chunk(arns, 20), this.#concurrency, (batch) =>
      awsCall('elbv2:DescribeTags', () => this.#elbv2.send(new DescribeTagsCommand({ ResourceArns: batch }))),
    );
    for (const answer of batches) {
      for (const description of answer.TagDescriptions ?? []) {
        if (description.ResourceArn !== undefined) result.set(description.ResourceArn, fromAwsTags(description.Tags));
      }
    }
    return result;
  }

  async #describeHealth(targetGroupArn: string): Promise<ObservedTarget[]> {
    const answer = await awsCall('elbv2:DescribeTargetHealth', () =>
      this.#elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    );
    return (answer.TargetHealthDescriptions ?? []).flatMap(toObservedTarget);
  }

  async #observeTargets(owned: OwnedGroup[]): Promise<Map<string, ObservedTarget[]>> {
    const result = new Map<string, ObservedTarget[]>();
    const describeAll = async (groups: OwnedGroup[]) => {
      const answers = await mapLimit(groups, this.#concurrency, (g) => this.#describeHealth(g.targetGroupArn));
      groups.forEach((group, index) => {
        result.set(group.targetGroupArn, answers[index]!);
      });
    };
    if (this.#targets.mode === 'describe') {
      await describeAll(owned);
      return result;
    }

    const bootstrap = owned.filter((g) => g.tags[LEDGER_TAGS.role] === 'bootstrap');
    const brokers = owned.filter((g) => g.tags[LEDGER_TAGS.role] !== 'bootstrap');
    await describeAll(bootstrap);
    const healthByTarget = new Map<string, TargetHealth | undefined>();
    for (const group of bootstrap) {
      for (const target of result.get(group.targetGroupArn) ?? []) {
        healthByTarget.set(`${target.id}:${target.port}`, target.health);
      }
    }

    // Described for sure: no ledger yet, an active mapping with no target, or a target the bootstrap group lacks.
    const needed = new Set<OwnedGroup>();
    for (const group of brokers) {
      const ledger = group.tags[LEDGER_TAGS.target];
      const entries = ledgerEntries(ledger);
      const retired = group.tags[LEDGER_TAGS.retiredAt] !== undefined;
      if (ledger === undefined || (entries.length === 0 && !retired)) needed.add(group);
      else if (bootstrap.length > 0 && entries.some((entry) => !healthByTarget.has(entry))) needed.add(group);
    }
    const audit = Math.min(this.#targets.auditPerObserve ?? DEFAULT_AUDIT, brokers.length);
    if (audit > 0) {
      const ordered = [...brokers].sort((a, b) => a.port - b.port);
      const start = (Math.floor(this.#clock.now().getTime() / 60_000) * audit) % ordered.length;
      for (let i = 0; i < audit; i++) needed.add(ordered[(start + i) % ordered.length]!);
    }
    await describeAll([...needed]);
    for (const group of brokers) {
      if (result.has(group.targetGroupArn)) continue;
      const entries = ledgerEntries(group.tags[LEDGER_TAGS.target]);
      result.set(
        group.targetGroupArn,
        entries.map((entry) => fromLedger(entry, healthByTarget.get(entry))),
      );
    }
    return result;
  }

  // ------------------------------------------------------------------ apply

  async apply(spec: ClusterSpec, action: LbAction): Promise<void> {
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
        return this.#revive(spec, action);
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
    const group = created?.TargetGroups?.[0] ?? (await this.#targetGroupByName(name));
    if (group?.TargetGroupArn === undefined) throw new MappingNotFound(action.exposure, action.port, 'createMapping');
    const arn = group.TargetGroupArn;
    // Identical settings return an existing group without applying our tags: check whose it is.
    const existingTags = (await this.#tagsOf([arn])).get(arn) ?? {};
    assertOurs(name, existingTags, tags);
    const missing = Object.fromEntries(
      Object.entries(tags).filter(([key]) => existingTags[key] === undefined && key !== LEDGER_TAGS.target),
    );
    if (Object.keys(missing).length > 0) await this.#addTags(arn, missing);

    await this.#register(group, action.targets, action.role === 'broker' ? existingTags : undefined);
    await this.#ensureListener(spec, action.port, arn);
    if (action.role === 'bootstrap') await ensureBrokerIngress(this.#ec2, spec);
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
    const listener = (await this.#listeners(spec)).find((l) => l.Port === port);
    if (listener?.ListenerArn === undefined) {
      // Deleted between the two calls (another execution): try again, a bounded number of times.
      if (attempt < 3) return this.#ensureListener(spec, port, targetGroupArn, attempt + 1);
      throw new AwsCallFailed('elbv2:CreateListener', 'DuplicateListener', `port ${port} keeps changing; retry later`);
    }
    const current = forwardTarget(listener);
    if (current === targetGroupArn && listener.Protocol === 'TCP') return;
    const currentTags = current === undefined ? {} : ((await this.#tagsOf([current])).get(current) ?? {});
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
    const tags =
      role === 'broker' ? ((await this.#tagsOf([group.TargetGroupArn!])).get(group.TargetGroupArn!) ?? {}) : undefined;
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
        ...new Set([...ledgerEntries(brokerTags[LEDGER_TAGS.target]), ...awsTargets.map((t) => `${t.Id}:${t.Port}`)]),
      ]
        .sort()
        .join(' ');
      if (brokerTags[LEDGER_TAGS.target] !== ledger) await this.#addTags(arn, { [LEDGER_TAGS.target]: ledger });
    }
  }

  async #deregisterTargets(spec: ClusterSpec, action: Extract<LbAction, { kind: 'deregisterTargets' }>) {
    const group = await this.#requireGroup(spec, action.exposure, action.port, 'deregisterTargets');
    const arn = group.TargetGroupArn!;
    await this.#deregister(arn, action.targets);
    if (action.role === 'broker') {
      const tags = (await this.#tagsOf([arn])).get(arn) ?? {};
      const gone = new Set(action.targets.map((t) => `${t.id}:${t.port}`));
      const ledger = ledgerEntries(tags[LEDGER_TAGS.target])
        .filter((entry) => !gone.has(entry))
        .join(' ');
      if (tags[LEDGER_TAGS.target] !== ledger) await this.#addTags(arn, { [LEDGER_TAGS.target]: ledger });
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

  async #retire(spec: ClusterSpec, action: Extract<LbAction, { kind: 'retireMapping' }>) {
    const group = await this.#requireGroup(spec, action.exposure, action.port, 'retireMapping');
    const arn = group.TargetGroupArn!;
    const registered = await this.#describeHealth(arn);
    await this.#deregister(arn, registered);
    const tags = (await this.#tagsOf([arn])).get(arn) ?? {};
    const update: Record<string, string> = {};
    // The first retirement starts the cool-down; retiring again keeps that time.
    if (tags[LEDGER_TAGS.retiredAt] === undefined) update[LEDGER_TAGS.retiredAt] = action.retiredAt;
    if (tags[LEDGER_TAGS.target] !== '') update[LEDGER_TAGS.target] = '';
    if (Object.keys(update).length > 0) await this.#addTags(arn, update);
  }

  /** Clears the retirement stamp. The broker's target comes back through a registerTargets action of the plan. */
  async #revive(spec: ClusterSpec, action: Extract<LbAction, { kind: 'reviveMapping' }>) {
    const group = await this.#requireGroup(spec, action.exposure, action.port, 'reviveMapping');
    const arn = group.TargetGroupArn!;
    await awsCall('elbv2:RemoveTags', () =>
      this.#elbv2.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: [LEDGER_TAGS.retiredAt] })),
    );
  }

  async #delete(spec: ClusterSpec, action: Extract<LbAction, { kind: 'deleteMapping' }>) {
    const name = targetGroupName(spec.cluster, action.exposure, action.port);
    const listener = (await this.#listeners(spec)).find((l) => l.Port === action.port);
    if (listener?.ListenerArn !== undefined) {
      const forwarded = forwardTarget(listener);
      const tags = forwarded === undefined ? {} : ((await this.#tagsOf([forwarded])).get(forwarded) ?? {});
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
    const group = await this.#targetGroupByName(name);
    if (group?.TargetGroupArn === undefined) return;
    const arn = group.TargetGroupArn;
    const tags = (await this.#tagsOf([arn])).get(arn) ?? {};
    assertOurs(name, tags, mappingTags(spec.cluster, action.exposure, 'broker', action.port, undefined));
    await awsCall('elbv2:DeleteTargetGroup', () =>
      this.#elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })),
    );
  }

  // ------------------------------------------------------------------ helpers

  async #targetGroupByName(name: string): Promise<TargetGroup | undefined> {
    return awsCall('elbv2:DescribeTargetGroups', async () => {
      try {
        const answer = await this.#elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] }));
        return answer.TargetGroups?.[0];
      } catch (error) {
        if (isAwsError(error, 'TargetGroupNotFound')) return undefined;
        throw error;
      }
    });
  }

  async #requireGroup(spec: ClusterSpec, exposure: string, port: number, what: string): Promise<TargetGroup> {
    const group = await this.#targetGroupByName(targetGroupName(spec.cluster, exposure, port));
    if (group?.TargetGroupArn === undefined) throw new MappingNotFound(exposure, port, what);
    return group;
  }

  async #addTags(arn: string, tags: Record<string, string>) {
    await awsCall('elbv2:AddTags', () =>
      this.#elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: toAwsTags(tags) })),
    );
  }
}

function forwardTarget(listener: Listener): string | undefined {
  const action = listener.DefaultActions?.find((a) => a.Type === 'forward');
  return action?.TargetGroupArn ?? action?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
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
  return target.host;
}

/** The group with our deterministic name must carry this cluster's ledger (same cluster, same port). */
function assertOurs(name: string, existing: Record<string, string>, wanted: Record<string, string>) {
  const cluster = existing[LEDGER_TAGS.cluster];
  const port = existing[LEDGER_TAGS.port];
  if (cluster !== wanted[LEDGER_TAGS.cluster] || (port !== undefined && port !== wanted[LEDGER_TAGS.port])) {
    throw new TargetGroupNameTaken(name, `its tags say cluster=${cluster ?? '(none)'} port=${port ?? '(none)'}`);
  }
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

/** `<id>:<port>` entries, space-separated (ELBv2 tag values allow letters, digits, spaces and _ . : / = + - @). */
function ledgerEntries(ledger: string | undefined): string[] {
  return (ledger ?? '').split(' ').filter((entry) => entry !== '');
}

function fromLedger(entry: string, health: TargetHealth | undefined): ObservedTarget {
  const separator = entry.lastIndexOf(':');
  const target: ObservedTarget = { id: entry.slice(0, separator), port: Number(entry.slice(separator + 1)) };
  return health === undefined ? target : { ...target, health };
}

function toMapping(group: OwnedGroup, targets: ObservedTarget[]): ObservedMapping | undefined {
  const role = group.tags[LEDGER_TAGS.role];
  const exposure = group.tags[LEDGER_TAGS.exposure];
  if ((role !== 'broker' && role !== 'bootstrap') || exposure === undefined) return undefined;
  const brokerId = group.tags[LEDGER_TAGS.brokerId];
  const retiredAt = group.tags[LEDGER_TAGS.retiredAt];
  return {
    exposure,
    role,
    port: group.port,
    ...(brokerId === undefined || !/^\d+$/.test(brokerId) ? {} : { brokerId: Number(brokerId) }),
    targets: [...targets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.port - b.port)),
    ...(retiredAt === undefined || retiredAt === '' ? {} : { retiredAt }),
    resourceIds: {
      targetGroupArn: group.targetGroupArn,
      ...(group.listener.ListenerArn ? { listenerArn: group.listener.ListenerArn } : {}),
    },
  };
}
