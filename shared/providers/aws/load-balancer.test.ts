import { describe, expect, it } from 'vitest';
import type { LbAction, PlanTarget } from '../../model/plan.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { driven } from '../testing/drive.ts';
import { AwsThrottled, ListenerPortTaken, MappingNotFound, TargetGroupNameTaken } from './errors.ts';
import { LEDGER_TAGS, targetGroupName } from './ledger.ts';
import { AwsLoadBalancer, type TargetObservation } from './load-balancer.ts';
import { AwsTagLedger } from './tag-ledger.ts';
import { brokerInstances, createFakeAws, type FakeAws, type FakeInstance } from './testing/fake-aws.ts';
import { awsSpec, FAKE_SECURITY_GROUP_ID } from './testing/specs.ts';

const spec = awsSpec();
const BROKER_PORT = 39092;

function target(instance: FakeInstance, brokerId: number): PlanTarget {
  return { brokerId, instanceId: instance.instanceId, host: instance.privateIp!, port: BROKER_PORT };
}

function setup(count: number, options: { targets?: TargetObservation; pageSize?: { elbv2?: number } } = {}) {
  const instances = brokerInstances(count);
  const aws = createFakeAws({ instances, securityGroupIds: [FAKE_SECURITY_GROUP_ID], pageSize: options.pageSize });
  const lb = driven({
    loadBalancer: new AwsLoadBalancer({
      elbv2: aws.clients.elbv2,
      ec2: aws.clients.ec2,
      ...(options.targets ? { targets: options.targets } : {}),
      clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    }),
    ledger: new AwsTagLedger({ elbv2: aws.clients.elbv2 }),
  });
  return { aws, lb, instances };
}

function provisionActions(instances: FakeInstance[]): LbAction[] {
  const targets = instances.map((instance, index) => target(instance, index + 1));
  return [
    { kind: 'createMapping', exposure: 'EXTERNAL', role: 'bootstrap', port: 9092, targets },
    ...targets.map(
      (t, index): LbAction => ({
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093 + index,
        brokerId: t.brokerId,
        targets: [t],
      }),
    ),
    ...[9092, ...targets.map((_, index) => 9093 + index)].map(
      (port): LbAction => ({ kind: 'openPort', port, cidrs: ['10.100.0.0/16', '10.101.0.0/16'] }),
    ),
  ];
}

async function applyAll(lb: ReturnType<typeof setup>['lb'], s: ClusterSpec, actions: LbAction[]) {
  for (const action of actions) await lb.apply(s, action);
}

function snapshot(aws: FakeAws) {
  return JSON.stringify({
    groups: [...aws.state.targetGroups.values()].map((tg) => ({ ...tg, targets: [...tg.targets.values()] })),
    listeners: [...aws.state.listeners.values()],
    rules: [...aws.state.securityGroups.entries()].map(([id, rules]) => [id, rules.map(({ ruleId: _, ...r }) => r)]),
  });
}

describe('AwsLoadBalancer.apply createMapping', () => {
  it('creates a TCP target group with ledger tags, registers the instance and adds a TCP forward listener', async () => {
    const { aws, lb, instances } = setup(1);
    const t = target(instances[0]!, 1);
    await lb.apply(spec, {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9093,
      brokerId: 1,
      targets: [t],
    });

    const [create] = aws.calls('elbv2', 'CreateTargetGroup');
    expect(create?.input).toMatchObject({
      Name: 'bl-orders-external-9093',
      Protocol: 'TCP',
      Port: BROKER_PORT,
      VpcId: 'vpc-0abc12345',
      TargetType: 'instance',
      HealthCheckProtocol: 'TCP',
    });
    expect(create?.input['Tags']).toEqual(
      expect.arrayContaining([
        { Key: 'brokerlink:cluster', Value: 'orders' },
        { Key: 'brokerlink:exposure', Value: 'EXTERNAL' },
        { Key: 'brokerlink:role', Value: 'broker' },
        { Key: 'brokerlink:broker-id', Value: '1' },
        { Key: 'brokerlink:port', Value: '9093' },
      ]),
    );
    const tgArn = [...aws.state.targetGroups.values()][0]!.arn;
    expect(aws.calls('elbv2', 'RegisterTargets')[0]?.input).toEqual({
      TargetGroupArn: tgArn,
      Targets: [{ Id: instances[0]!.instanceId, Port: BROKER_PORT }],
    });
    expect(aws.calls('elbv2', 'CreateListener')[0]?.input).toMatchObject({
      LoadBalancerArn: spec.provider.aws!.loadBalancerArn,
      Protocol: 'TCP',
      Port: 9093,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
    });
    const observed = await lb.observe(spec);
    expect(observed.mappings).toEqual([
      {
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093,
        brokerId: 1,
        targets: [{ id: instances[0]!.instanceId, port: BROKER_PORT, health: 'healthy' }],
        resourceIds: { targetGroupArn: tgArn, listenerArn: [...aws.state.listeners.keys()][0] },
      },
    ]);
  });

  it('uses ip targets when a broker has no instance id', async () => {
    const { aws, lb } = setup(0);
    const t: PlanTarget = { brokerId: 5, host: '10.0.9.5', port: BROKER_PORT };
    await lb.apply(spec, {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9097,
      brokerId: 5,
      targets: [t],
    });
    expect(aws.calls('elbv2', 'CreateTargetGroup')[0]?.input['TargetType']).toBe('ip');
    expect(aws.calls('elbv2', 'RegisterTargets')[0]?.input['Targets']).toEqual([{ Id: '10.0.9.5', Port: BROKER_PORT }]);
  });

  it('keeps names within 32 characters of AWS charset and distinct per port for long cluster names', () => {
    const a = targetGroupName('a-very-long-cluster-name-x', 'EXTERNAL_SECONDARY', 9093);
    const b = targetGroupName('a-very-long-cluster-name-x', 'EXTERNAL_SECONDARY', 9094);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(32);
      expect(name).toMatch(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/);
    }
    expect(a).not.toBe(b);
    expect(targetGroupName('orders', 'EXTERNAL', 9093)).toBe('bl-orders-external-9093');
  });

  it('applying every provisioning action twice leaves the same resources, with no duplicates', async () => {
    const { aws, lb, instances } = setup(3);
    const actions = provisionActions(instances);
    await applyAll(lb, spec, actions);
    const once = snapshot(aws);
    await applyAll(lb, spec, actions);
    expect(snapshot(aws)).toBe(once);
    expect(aws.state.targetGroups.size).toBe(4);
    expect(aws.state.listeners.size).toBe(4);
    // Ranged rules: one per consumer CIDR for the contiguous ports 9092-9095 (security-group.ts).
    expect(
      aws.state.securityGroups.get(FAKE_SECURITY_GROUP_ID)!.map((rule) => [rule.cidr, rule.fromPort, rule.toPort]),
    ).toEqual([
      ['10.100.0.0/16', 9092, 9095],
      ['10.101.0.0/16', 9092, 9095],
    ]);
  });

  it('adopts its own target group after losing a create race (DuplicateTargetGroupName)', async () => {
    const { aws, lb, instances } = setup(1);
    const t = target(instances[0]!, 1);
    const action: LbAction = {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9093,
      brokerId: 1,
      targets: [t],
    };
    await lb.apply(spec, action);
    // Another execution changed a setting of the group since (so CreateTargetGroup is no longer a no-op).
    const group = [...aws.state.targetGroups.values()][0]!;
    group.healthCheckProtocol = 'HTTP';
    group.targets.clear();
    aws.state.listeners.clear();
    await lb.apply(spec, action);
    expect(aws.calls('elbv2', 'CreateTargetGroup').map((c) => c.error)).toEqual([
      undefined,
      'DuplicateTargetGroupNameException',
    ]);
    expect(aws.state.targetGroups.size).toBe(1);
    expect(group.targets.size).toBe(1);
    expect([...aws.state.listeners.values()].map((l) => [l.port, l.targetGroupArn])).toEqual([[9093, group.arn]]);
  });

  it('re-points its own listener whose target group was replaced instead of failing on DuplicateListener', async () => {
    const { aws, lb, instances } = setup(1);
    const action: LbAction = {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9093,
      brokerId: 1,
      targets: [target(instances[0]!, 1)],
    };
    await lb.apply(spec, action);
    const listener = [...aws.state.listeners.values()][0]!;
    const old = [...aws.state.targetGroups.values()][0]!;
    // Someone renamed our group; our deterministic name is free again and a new group is made for the port.
    old.name = 'bl-orders-renamed';
    await lb.apply(spec, action);
    const fresh = [...aws.state.targetGroups.values()].find((tg) => tg.name === 'bl-orders-external-9093')!;
    expect(listener.targetGroupArn).toBe(fresh.arn);
    expect(aws.calls('elbv2', 'CreateListener').map((c) => c.error)).toEqual([undefined, 'DuplicateListenerException']);
    expect(aws.calls('elbv2', 'ModifyListener')).toHaveLength(1);
    expect(aws.state.listeners.size).toBe(1);
  });

  it('refuses a port whose listener belongs to someone else, naming the listener', async () => {
    const { aws, lb, instances } = setup(1);
    aws.state.targetGroups.set('arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/theirs/1', {
      arn: 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/theirs/1',
      name: 'theirs',
      protocol: 'TCP',
      port: 443,
      vpcId: 'vpc-0abc12345',
      targetType: 'ip',
      healthCheckProtocol: 'TCP',
      tags: { team: 'web' },
      targets: new Map(),
    });
    aws.state.listeners.set('listener-theirs', {
      arn: 'listener-theirs',
      loadBalancerArn: spec.provider.aws!.loadBalancerArn,
      port: 9093,
      protocol: 'TCP',
      targetGroupArn: 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/theirs/1',
      tags: {},
    });
    const error = await lb
      .apply(spec, {
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093,
        brokerId: 1,
        targets: [target(instances[0]!, 1)],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenerPortTaken);
    expect((error as ListenerPortTaken).listenerArn).toBe('listener-theirs');
    expect(aws.state.listeners.get('listener-theirs')?.targetGroupArn).toContain('theirs');
  });

  it('refuses to adopt a target group with its name that another cluster owns', async () => {
    const { aws, lb, instances } = setup(1);
    await lb.apply(spec, {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9093,
      brokerId: 1,
      targets: [target(instances[0]!, 1)],
    });
    const group = [...aws.state.targetGroups.values()][0]!;
    group.tags[LEDGER_TAGS.cluster] = 'payments';
    const error = await lb
      .apply(spec, {
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093,
        brokerId: 1,
        targets: [target(instances[0]!, 1)],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetGroupNameTaken);
  });
});

describe('AwsLoadBalancer.apply on existing mappings', () => {
  it('retires (deregister + retired-at), keeps the first retirement time, revives and deletes idempotently', async () => {
    const { aws, lb, instances } = setup(2);
    await applyAll(lb, spec, provisionActions(instances));
    const group = [...aws.state.targetGroups.values()].find((tg) => tg.name === 'bl-orders-external-9094')!;

    await lb.apply(spec, {
      kind: 'retireMapping',
      exposure: 'EXTERNAL',
      port: 9094,
      brokerId: 2,
      retiredAt: '2026-01-01T00:00:00.000Z',
    });
    await lb.apply(spec, {
      kind: 'retireMapping',
      exposure: 'EXTERNAL',
      port: 9094,
      brokerId: 2,
      retiredAt: '2026-01-02T00:00:00.000Z',
    });
    expect(group.targets.size).toBe(0);
    expect(group.tags[LEDGER_TAGS.retiredAt]).toBe('2026-01-01T00:00:00.000Z');
    const retired = (await lb.observe(spec)).mappings.find((m) => m.port === 9094);
    expect(retired).toMatchObject({ brokerId: 2, retiredAt: '2026-01-01T00:00:00.000Z', targets: [] });

    await lb.apply(spec, { kind: 'reviveMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 });
    await lb.apply(spec, { kind: 'reviveMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 });
    expect(group.tags[LEDGER_TAGS.retiredAt]).toBeUndefined();

    await lb.apply(spec, { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 });
    await lb.apply(spec, { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 });
    expect(aws.state.targetGroups.has(group.arn)).toBe(false);
    expect([...aws.state.listeners.values()].map((l) => l.port).sort()).toEqual([9092, 9093]);
  });

  it('registers and deregisters targets, twice each, without duplicates or errors', async () => {
    const { aws, lb, instances } = setup(2);
    await applyAll(lb, spec, provisionActions(instances));
    const bootstrap = [...aws.state.targetGroups.values()].find((tg) => tg.name === 'bl-orders-external-9092')!;
    const gone = { id: instances[1]!.instanceId, port: BROKER_PORT };
    for (let i = 0; i < 2; i++) {
      await lb.apply(spec, {
        kind: 'deregisterTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [gone],
      });
    }
    expect([...bootstrap.targets.keys()]).toEqual([`${instances[0]!.instanceId}:${BROKER_PORT}`]);
    for (let i = 0; i < 2; i++) {
      await lb.apply(spec, {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [target(instances[1]!, 2)],
      });
    }
    expect(bootstrap.targets.size).toBe(2);
  });

  it('says the plan is stale when an action names a mapping that does not exist', async () => {
    const { lb, instances } = setup(1);
    const error = await lb
      .apply(spec, {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9100,
        targets: [target(instances[0]!, 1)],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingNotFound);
  });

  it('refuses to delete a listener on the port that is not its own', async () => {
    const { aws, lb } = setup(0);
    aws.state.targetGroups.set('tg-theirs', {
      arn: 'tg-theirs',
      name: 'theirs',
      protocol: 'TCP',
      port: 443,
      vpcId: 'vpc-0abc12345',
      targetType: 'ip',
      healthCheckProtocol: 'TCP',
      tags: {},
      targets: new Map(),
    });
    aws.state.listeners.set('listener-theirs', {
      arn: 'listener-theirs',
      loadBalancerArn: spec.provider.aws!.loadBalancerArn,
      port: 9093,
      protocol: 'TCP',
      targetGroupArn: 'tg-theirs',
      tags: {},
    });
    await expect(lb.apply(spec, { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9093 })).rejects.toBeInstanceOf(
      ListenerPortTaken,
    );
    expect(aws.state.listeners.size).toBe(1);
  });
});

describe('AwsLoadBalancer security group ports', () => {
  it('opens a port for every consumer CIDR with a description, tolerating rules that already exist', async () => {
    const { aws, lb } = setup(0);
    await lb.apply(spec, { kind: 'openPort', port: 9093, cidrs: ['10.100.0.0/16'] });
    await lb.apply(spec, { kind: 'openPort', port: 9093, cidrs: ['10.100.0.0/16', '10.101.0.0/16'] });
    const rules = aws.state.securityGroups.get(FAKE_SECURITY_GROUP_ID)!;
    expect(rules.map((r) => [r.protocol, r.fromPort, r.toPort, r.cidr, r.description])).toEqual([
      ['tcp', 9093, 9093, '10.100.0.0/16', 'brokerlink orders ports 9093-9093'],
      ['tcp', 9093, 9093, '10.101.0.0/16', 'brokerlink orders ports 9093-9093'],
    ]);
    expect((await lb.observe(spec)).openPorts).toEqual([9093]);
  });

  it('counts a port as open only when every consumer CIDR may reach it, including through broad rules', async () => {
    const { aws, lb } = setup(0);
    aws.state.securityGroups.set(FAKE_SECURITY_GROUP_ID, [
      {
        ruleId: 'sgr-1',
        groupId: FAKE_SECURITY_GROUP_ID,
        protocol: 'tcp',
        fromPort: 9092,
        toPort: 9095,
        cidr: '10.100.0.0/16',
      },
      {
        ruleId: 'sgr-2',
        groupId: FAKE_SECURITY_GROUP_ID,
        protocol: '-1',
        fromPort: -1,
        toPort: -1,
        cidr: '10.101.0.0/16',
      },
      {
        ruleId: 'sgr-3',
        groupId: FAKE_SECURITY_GROUP_ID,
        protocol: 'tcp',
        fromPort: 9096,
        toPort: 9096,
        cidr: '10.100.0.0/16',
      },
    ]);
    expect((await lb.observe(spec)).openPorts).toEqual([9092, 9093, 9094, 9095, 9096]);
    aws.state.securityGroups.get(FAKE_SECURITY_GROUP_ID)!.splice(1, 1);
    expect((await lb.observe(spec)).openPorts).toEqual([]);
  });

  it('closes a port for every CIDR, treating rules already gone as closed', async () => {
    const { aws, lb } = setup(0);
    await lb.apply(spec, { kind: 'openPort', port: 9093, cidrs: ['10.100.0.0/16', '10.101.0.0/16'] });
    aws.state.securityGroups.get(FAKE_SECURITY_GROUP_ID)!.splice(0, 1);
    await lb.apply(spec, { kind: 'closePort', port: 9093, cidrs: ['10.100.0.0/16', '10.101.0.0/16'] });
    await lb.apply(spec, { kind: 'closePort', port: 9093, cidrs: ['10.100.0.0/16', '10.101.0.0/16'] });
    expect(aws.state.securityGroups.get(FAKE_SECURITY_GROUP_ID)).toEqual([]);
  });

  it('treats every spec port as open and changes nothing when the NLB has no security group', async () => {
    const { aws, lb } = setup(0);
    const noSg = awsSpec({
      provider: { aws: { ...spec.provider.aws!, securityGroupId: undefined } },
    });
    await lb.apply(noSg, { kind: 'openPort', port: 9093, cidrs: ['10.100.0.0/16'] });
    expect(aws.calls('ec2')).toHaveLength(0);
    expect((await lb.observe(noSg)).openPorts).toHaveLength(50);
  });
});

describe('AwsLoadBalancer.observe', () => {
  it('reads every listener through pagination and ignores listeners of other owners', async () => {
    const { aws, lb, instances } = setup(12, { pageSize: { elbv2: 5 } });
    await applyAll(lb, spec, provisionActions(instances));
    aws.state.targetGroups.set('tg-theirs', {
      arn: 'tg-theirs',
      name: 'theirs',
      protocol: 'TCP',
      port: 443,
      vpcId: 'vpc-0abc12345',
      targetType: 'ip',
      healthCheckProtocol: 'TCP',
      tags: { [LEDGER_TAGS.cluster]: 'payments' },
      targets: new Map(),
    });
    aws.state.listeners.set('listener-theirs', {
      arn: 'listener-theirs',
      loadBalancerArn: spec.provider.aws!.loadBalancerArn,
      port: 443,
      protocol: 'TCP',
      targetGroupArn: 'tg-theirs',
      tags: {},
    });
    aws.resetCalls();
    const observed = await lb.observe(spec);
    expect(observed.mappings.map((m) => m.port)).toEqual(Array.from({ length: 13 }, (_, i) => 9092 + i));
    expect(aws.calls('elbv2', 'DescribeListeners')).toHaveLength(3);
    expect(observed.mappings[0]?.targets).toHaveLength(12);
  });

  it('returns the NLB DNS name as the consumer address, asking AWS once', async () => {
    const { aws, lb } = setup(0);
    expect(await lb.loadBalancer.consumerAddress(spec)).toBe('kafka-nlb-0123456789abcdef.elb.us-west-2.amazonaws.com');
    await lb.loadBalancer.consumerAddress(spec);
    expect(aws.calls('elbv2', 'DescribeLoadBalancers')).toHaveLength(1);
  });

  it('maps throttling left after the SDK retries to AwsThrottled', async () => {
    const { aws, lb, instances } = setup(2);
    await applyAll(lb, spec, provisionActions(instances));
    aws.throttle('elbv2', 'DescribeTags', 1);
    await expect(lb.observe(spec)).rejects.toBeInstanceOf(AwsThrottled);
    expect((await lb.observe(spec)).mappings).toHaveLength(3);
  });
});

describe('AwsLoadBalancer.observe cost for 48 brokers', () => {
  async function provisioned(targets: TargetObservation) {
    const ctx = setup(48, { targets });
    await applyAll(ctx.lb, spec, provisionActions(ctx.instances));
    ctx.aws.resetCalls();
    return ctx;
  }

  it('describe mode reads every target group: 1 listener page + 3 tag batches + 49 health + 1 rule page + the NLB and its zone ids (cached per container)', async () => {
    const { aws, lb } = await provisioned({ mode: 'describe' });
    const observed = await lb.observe(spec);
    expect(observed.mappings).toHaveLength(49);
    expect(observed.openPorts).toHaveLength(49);
    expect(observed.zones).toEqual(['usw2-az1', 'us-west-2a', 'usw2-az2', 'us-west-2b', 'usw2-az3', 'us-west-2c']);
    expect(aws.calls()).toHaveLength(56);
    aws.resetCalls();
    await lb.observe(spec);
    // Zone ids are fixed per account and the NLB's description is kept for 10 minutes: a warm container pays neither.
    expect(aws.calls()).toHaveLength(54);
  });

  it('ledger mode stays within 12 calls and reports the same mappings as describe mode', async () => {
    const exact = await provisioned({ mode: 'describe' });
    const cheap = await provisioned({ mode: 'ledger', auditPerObserve: 4 });
    const observed = await cheap.lb.observe(spec);
    const calls = cheap.aws.calls().length;
    expect(calls).toBeLessThanOrEqual(12);
    expect(calls).toBe(12);
    const strip = (o: typeof observed) => o.mappings.map(({ resourceIds: _, ...m }) => m);
    expect(strip(observed)).toEqual(strip(await exact.lb.observe(spec)));
  });

  it('ledger mode finds a target removed by hand, at the latest when the audit rotation reaches it', async () => {
    const { aws } = await provisioned({ mode: 'ledger', auditPerObserve: 4 });
    const group = [...aws.state.targetGroups.values()].find((tg) => tg.name === 'bl-orders-external-9120')!;
    group.targets.clear();
    let minute = 0;
    const rotating = driven({
      loadBalancer: new AwsLoadBalancer({
        elbv2: aws.clients.elbv2,
        ec2: aws.clients.ec2,
        targets: { mode: 'ledger', auditPerObserve: 4 },
        clock: { now: () => new Date(Date.UTC(2026, 0, 1, 0, minute)) },
      }),
      ledger: new AwsTagLedger({ elbv2: aws.clients.elbv2 }),
    });
    let found = -1;
    for (; minute < 12 && found < 0; minute++) {
      const mapping = (await rotating.observe(spec)).mappings.find((m) => m.port === 9120);
      if (mapping?.targets.length === 0) found = minute;
    }
    expect(found).toBeGreaterThanOrEqual(0);
  });

  it('ledger mode describes a broker group at once when its target is missing from the bootstrap group', async () => {
    const { aws, lb, instances } = await provisioned({ mode: 'ledger', auditPerObserve: 0 });
    const bootstrap = [...aws.state.targetGroups.values()].find((tg) => tg.name === 'bl-orders-external-9092')!;
    bootstrap.targets.delete(`${instances[9]!.instanceId}:${BROKER_PORT}`);
    const broker = [...aws.state.targetGroups.values()].find((tg) => tg.name === 'bl-orders-external-9102')!;
    broker.targets.clear();
    const observed = await lb.observe(spec);
    expect(observed.mappings.find((m) => m.port === 9102)?.targets).toEqual([]);
    expect(aws.calls('elbv2', 'DescribeTargetHealth')).toHaveLength(2);
  });
});
