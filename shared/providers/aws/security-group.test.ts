import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../spec/schema.ts';
import { driven } from '../testing/drive.ts';
import { SecurityGroupRuleQuotaExceeded } from './errors.ts';
import { AwsLoadBalancer, type AwsLoadBalancerOptions } from './load-balancer.ts';
import { brokerIngressInPlace, ensureBrokerIngress, portRanges } from './security-group.ts';
import { AwsTagLedger } from './tag-ledger.ts';
import { createFakeAws } from './testing/fake-aws.ts';
import type { FakeSecurityGroupRule } from './testing/fake-state.ts';
import { awsSpec, FAKE_SECURITY_GROUP_ID } from './testing/specs.ts';

/** The NLB adapter with its tag ledger: `apply` carries a whole action out, as the step does. */
function awsLb(options: AwsLoadBalancerOptions) {
  return driven({ loadBalancer: new AwsLoadBalancer(options), ledger: new AwsTagLedger({ elbv2: options.elbv2 }) });
}

const BROKERS_GROUP = 'sg-0bbb22222';
const VERIFIER_GROUP = 'sg-0ccc33333';
const CIDRS = ['10.100.0.0/16', '10.101.0.0/16'];

function setup(options: { quota?: number; verifiers?: string[]; spec?: ClusterSpec } = {}) {
  const aws = createFakeAws({
    securityGroupIds: [FAKE_SECURITY_GROUP_ID, BROKERS_GROUP],
    ...(options.quota === undefined ? {} : { securityGroupRuleQuota: options.quota }),
  });
  const lb = awsLb({
    elbv2: aws.clients.elbv2,
    ec2: aws.clients.ec2,
    ...(options.verifiers === undefined ? {} : { verifierGroupIds: options.verifiers }),
  });
  const rules = (group = FAKE_SECURITY_GROUP_ID) =>
    aws.state.securityGroups
      .get(group)!
      .map((rule) => [rule.cidr ?? rule.sourceGroupId, rule.fromPort, rule.toPort])
      .sort((a, b) => String(a).localeCompare(String(b)));
  return { aws, lb, rules, spec: options.spec ?? awsSpec() };
}

const open = (lb: ReturnType<typeof awsLb>, spec: ClusterSpec, port: number) =>
  lb.apply(spec, { kind: 'openPort', port, cidrs: CIDRS });
const close = (lb: ReturnType<typeof awsLb>, spec: ClusterSpec, port: number) =>
  lb.apply(spec, { kind: 'closePort', port, cidrs: CIDRS });

describe('portRanges', () => {
  it('coalesces ports into contiguous ascending blocks', () => {
    expect(portRanges([9095, 9092, 9093, 9100, 9094, 9101, 9093])).toEqual([
      [9092, 9095],
      [9100, 9101],
    ]);
    expect(portRanges([])).toEqual([]);
  });
});

describe('consumer ingress on the NLB security group: ranged rules', () => {
  it('keeps one rule per CIDR for contiguous ports: 49 brokers + bootstrap for two CIDRs is 2 rules, within the quota of 60', async () => {
    const { lb, rules, spec } = setup();
    for (let port = 9092; port <= 9141; port++) await open(lb, spec, port);
    expect(rules()).toEqual([
      ['10.100.0.0/16', 9092, 9141],
      ['10.101.0.0/16', 9092, 9141],
    ]);
    expect((await lb.observe(spec)).openPorts).toHaveLength(50);
  });

  it('the same 50 ports as one rule per (CIDR, port) run into the quota half-way for the second CIDR (the old layout)', async () => {
    const { aws, spec } = setup();
    const perPort = async (cidr: string, port: number) =>
      aws.clients.ec2.send(
        new (await import('@aws-sdk/client-ec2')).AuthorizeSecurityGroupIngressCommand({
          GroupId: spec.provider.aws!.securityGroupId!,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: cidr }] }],
        }),
      );
    const outcomes: string[] = [];
    for (const cidr of CIDRS) {
      for (let port = 9092; port <= 9141; port++) {
        outcomes.push(
          await perPort(cidr, port).then(
            () => 'ok',
            (error: Error) => error.name,
          ),
        );
      }
    }
    expect(outcomes.indexOf('RulesPerSecurityGroupLimitExceeded')).toBe(60);
  });

  it('closing a port in the middle splits the block, closing an end shrinks it, and never leaves an open port unadmitted on the way', async () => {
    const { aws, lb, rules, spec } = setup();
    for (let port = 9092; port <= 9096; port++) await open(lb, spec, port);
    await close(lb, spec, 9094);
    expect(rules()).toEqual([
      ['10.100.0.0/16', 9092, 9093],
      ['10.100.0.0/16', 9095, 9096],
      ['10.101.0.0/16', 9092, 9093],
      ['10.101.0.0/16', 9095, 9096],
    ]);
    // The new blocks were authorized before the old one was revoked.
    const calls = aws.calls('ec2').map((call) => call.operation);
    expect(calls.lastIndexOf('AuthorizeSecurityGroupIngress')).toBeLessThan(
      calls.lastIndexOf('RevokeSecurityGroupIngress'),
    );
    await close(lb, spec, 9096);
    await open(lb, spec, 9094);
    expect(rules()).toEqual([
      ['10.100.0.0/16', 9092, 9095],
      ['10.101.0.0/16', 9092, 9095],
    ]);
    expect((await lb.observe(spec)).openPorts).toEqual([9092, 9093, 9094, 9095]);
  });

  it('merges the per-port rules of earlier versions into ranges, and leaves rules it does not own alone', async () => {
    const { aws, lb, rules, spec } = setup();
    const legacy = (ruleId: string, cidr: string, port: number, description: string): FakeSecurityGroupRule => ({
      ruleId,
      groupId: FAKE_SECURITY_GROUP_ID,
      protocol: 'tcp',
      fromPort: port,
      toPort: port,
      cidr,
      description,
    });
    aws.state.securityGroups.set(FAKE_SECURITY_GROUP_ID, [
      legacy('sgr-1', CIDRS[0]!, 9092, 'brokerlink orders port 9092'),
      legacy('sgr-2', CIDRS[1]!, 9092, 'brokerlink orders port 9092'),
      legacy('sgr-3', '192.168.0.0/24', 9093, 'bastion, by hand'),
    ]);
    await open(lb, spec, 9093);
    expect(rules()).toEqual([
      ['10.100.0.0/16', 9092, 9093],
      ['10.101.0.0/16', 9092, 9093],
      ['192.168.0.0/24', 9093, 9093],
    ]);
  });

  it('admits the verifying functions’ security group on every consumer port, and counts a port open only with it', async () => {
    const { aws, lb, rules, spec } = setup({ verifiers: [VERIFIER_GROUP] });
    for (const port of [9092, 9093]) await open(lb, spec, port);
    expect(rules()).toEqual([
      ['10.100.0.0/16', 9092, 9093],
      ['10.101.0.0/16', 9092, 9093],
      [VERIFIER_GROUP, 9092, 9093],
    ]);
    expect((await lb.observe(spec)).openPorts).toEqual([9092, 9093]);
    const group = aws.state.securityGroups.get(FAKE_SECURITY_GROUP_ID)!;
    group.splice(
      group.findIndex((rule) => rule.sourceGroupId === VERIFIER_GROUP),
      1,
    );
    expect((await lb.observe(spec)).openPorts).toEqual([]);
  });

  it('fails with SecurityGroupRuleQuotaExceeded, naming the group, when even ranged rules do not fit', async () => {
    const { lb, spec } = setup({ quota: 4 });
    await open(lb, spec, 9092);
    await open(lb, spec, 9094); // a second block per CIDR: 4 rules
    const error = await open(lb, spec, 9096).catch((e: Error) => e);
    expect(error).toBeInstanceOf(SecurityGroupRuleQuotaExceeded);
    expect((error as Error).message).toContain(FAKE_SECURITY_GROUP_ID);
  });
});

describe('broker-side ingress (brokerSecurityGroupId)', () => {
  const managed = () =>
    awsSpec({
      provider: { aws: { ...awsSpec().provider.aws!, brokerSecurityGroupId: BROKERS_GROUP } },
    });

  it('admits the broker-side port from the NLB security group once, and is a no-op afterwards', async () => {
    const spec = managed();
    const { aws, rules } = setup({ spec });
    expect(await brokerIngressInPlace(aws.clients.ec2, spec)).toBe(false);
    await ensureBrokerIngress(aws.clients.ec2, spec);
    await ensureBrokerIngress(aws.clients.ec2, spec);
    expect(rules(BROKERS_GROUP)).toEqual([[FAKE_SECURITY_GROUP_ID, 39092, 39092]]);
    expect(await brokerIngressInPlace(aws.clients.ec2, spec)).toBe(true);
    expect(aws.calls('ec2', 'AuthorizeSecurityGroupIngress')).toHaveLength(1);
  });

  it('is ensured with the bootstrap mapping, and not touched when the spec does not name the brokers’ group', async () => {
    const spec = managed();
    const { lb, rules } = setup({ spec });
    await lb.apply(spec, { kind: 'createMapping', exposure: 'EXTERNAL', role: 'bootstrap', port: 9092, targets: [] });
    expect(rules(BROKERS_GROUP)).toEqual([[FAKE_SECURITY_GROUP_ID, 39092, 39092]]);

    const plain = setup();
    await plain.lb.apply(plain.spec, {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'bootstrap',
      port: 9092,
      targets: [],
    });
    expect(plain.rules(BROKERS_GROUP)).toEqual([]);
  });

  it('a spec naming the brokers’ group without the NLB’s group is refused, naming the field', async () => {
    const { parseSpec } = await import('../../spec/validate.ts');
    const input = awsSpec();
    expect(() =>
      parseSpec({
        ...input,
        provider: { aws: { ...input.provider.aws!, securityGroupId: undefined, brokerSecurityGroupId: BROKERS_GROUP } },
      }),
    ).toThrow(/brokerSecurityGroupId.*securityGroupId/s);
  });
});
