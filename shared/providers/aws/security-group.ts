import {
  AuthorizeSecurityGroupIngressCommand,
  type EC2Client,
  type IpPermission,
  paginateDescribeSecurityGroupRules,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import type { ClusterSpec } from '../../spec/schema.ts';
import { awsCall, collectPages, isAwsError } from './aws-call.ts';
import { SecurityGroupRuleQuotaExceeded } from './errors.ts';
import { awsProvider } from './ledger.ts';

/*
 * Security group rules brokerlink manages.
 *
 * Consumer side — the NLB's security group (`securityGroupId`): TCP ingress on the LB ports from every consumer
 * CIDR, and from the security groups of the functions that verify through the NLB (`verifierGroupIds`, the
 * deploy's kafkaSecurityGroupIds). A port is "open" when every one of those sources may reach it (a rule of ours,
 * or any broader rule someone else made).
 *
 * Rules are RANGED: per source, brokerlink keeps one rule per contiguous block of its open ports
 * (`brokerlink <cluster> ports <from>-<to>`), not one rule per port. AWS's default quota is 60 inbound rules per
 * security group; one rule per (CIDR, port) put 49 brokers + bootstrap at 50 rules per CIDR, so a second consumer
 * CIDR failed half-way. Ranged, a cluster whose ports are contiguous uses one rule per source.
 *
 * Opening or closing port p for a source: read the group's rules; our rules for that source give the set of
 * ports we opened; add or remove p; coalesce the set into ranges; authorize the ranges that do not exist yet, then
 * revoke (by rule id) our rules that are no longer wanted — in that order, so no open port is ever closed on the
 * way. Only if that extra rule would break the quota are the old rules revoked first. A rule of ours is recognised
 * by its description; rules from earlier versions (`brokerlink <cluster> port <p>`) count as ours and are merged.
 *
 * Broker side — the brokers' security group (`brokerSecurityGroupId`, optional): TCP ingress on each exposure's
 * broker-side port from the NLB's security group. NLB instance targets see the client's IP (client IP
 * preservation), and AWS documents that a rule referencing the NLB's security group admits that traffic and the
 * health checks all the same. Without `brokerSecurityGroupId` the operator keeps that rule (docs/aws.md).
 *
 * An NLB without a security group filters nothing: every port of the spec counts as open and open/close are no-ops.
 */

export interface RuleSource {
  cidr?: string;
  groupId?: string;
}

/** LB ports the spec can use: every exposure's bootstrap port and broker port range. */
export function specPorts(spec: ClusterSpec): number[] {
  const ports = new Set<number>();
  for (const exposure of spec.exposures) {
    if (exposure.bootstrapPort !== undefined) ports.add(exposure.bootstrapPort);
    for (let port = exposure.brokerPorts.from; port <= exposure.brokerPorts.to; port++) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** Contiguous blocks of a set of ports, ascending. */
export function portRanges(ports: Iterable<number>): [number, number][] {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const port of sorted) {
    const last = ranges.at(-1);
    if (last !== undefined && last[1] === port - 1) last[1] = port;
    else ranges.push([port, port]);
  }
  return ranges;
}

export function consumerSources(spec: ClusterSpec, verifierGroupIds: readonly string[]): RuleSource[] {
  return [
    ...awsProvider(spec).consumerCidrs.map((cidr) => ({ cidr })),
    ...verifierGroupIds.map((groupId) => ({ groupId })),
  ];
}

async function ingressRules(ec2: EC2Client, groupId: string): Promise<SecurityGroupRule[]> {
  const rules = await collectPages(
    'ec2:DescribeSecurityGroupRules',
    paginateDescribeSecurityGroupRules(
      { client: ec2, pageSize: 1000 },
      { Filters: [{ Name: 'group-id', Values: [groupId] }] },
    ),
    (page) => page.SecurityGroupRules,
  );
  return rules.filter((rule) => rule.IsEgress !== true);
}

const sourceKey = (source: RuleSource) => (source.cidr !== undefined ? source.cidr : `sg:${source.groupId}`);

function ruleSource(rule: SecurityGroupRule): string | undefined {
  if (rule.CidrIpv4 !== undefined) return rule.CidrIpv4;
  const group = rule.ReferencedGroupInfo?.GroupId;
  return group === undefined ? undefined : `sg:${group}`;
}

function allows(rule: SecurityGroupRule, source: RuleSource, port: number): boolean {
  if (ruleSource(rule) !== sourceKey(source)) return false;
  if (rule.IpProtocol === '-1') return true;
  if (rule.IpProtocol !== 'tcp' && rule.IpProtocol !== '6') return false;
  return (rule.FromPort ?? -1) <= port && port <= (rule.ToPort ?? -1);
}

const isOurs = (rule: SecurityGroupRule, cluster: string) =>
  (rule.Description ?? '').startsWith(`brokerlink ${cluster} port`) &&
  (rule.IpProtocol === 'tcp' || rule.IpProtocol === '6');

export async function observeOpenPorts(
  ec2: EC2Client,
  spec: ClusterSpec,
  verifierGroupIds: readonly string[] = [],
): Promise<number[]> {
  const aws = awsProvider(spec);
  const ports = specPorts(spec);
  if (aws.securityGroupId === undefined) return ports;
  const rules = await ingressRules(ec2, aws.securityGroupId);
  const sources = consumerSources(spec, verifierGroupIds);
  return ports.filter((port) => sources.every((source) => rules.some((rule) => allows(rule, source, port))));
}

interface RuleChange {
  add: { source: RuleSource; from: number; to: number }[];
  remove: SecurityGroupRule[];
}

/** What to add and revoke so our rules for each source cover exactly `wanted(ports we opened)`. */
function changes(
  rules: SecurityGroupRule[],
  cluster: string,
  sources: readonly RuleSource[],
  wanted: (opened: Set<number>, source: RuleSource) => Set<number>,
): RuleChange {
  const change: RuleChange = { add: [], remove: [] };
  for (const source of sources) {
    const mine = rules.filter((rule) => isOurs(rule, cluster) && ruleSource(rule) === sourceKey(source));
    const opened = new Set<number>();
    for (const rule of mine) for (let p = rule.FromPort ?? 0; p <= (rule.ToPort ?? -1); p++) opened.add(p);
    const ranges = portRanges(wanted(opened, source));
    for (const [from, to] of ranges) {
      if (!mine.some((rule) => rule.FromPort === from && rule.ToPort === to)) change.add.push({ source, from, to });
    }
    for (const rule of mine) {
      if (!ranges.some(([from, to]) => rule.FromPort === from && rule.ToPort === to)) change.remove.push(rule);
    }
  }
  return change;
}

function permissions(cluster: string, additions: RuleChange['add']): IpPermission[] {
  return additions.map(({ source, from, to }) => {
    const Description = `brokerlink ${cluster} ports ${from}-${to}`;
    return {
      IpProtocol: 'tcp',
      FromPort: from,
      ToPort: to,
      ...(source.cidr !== undefined
        ? { IpRanges: [{ CidrIp: source.cidr, Description }] }
        : { UserIdGroupPairs: [{ GroupId: source.groupId, Description }] }),
    };
  });
}

async function authorize(ec2: EC2Client, groupId: string, cluster: string, additions: RuleChange['add']) {
  if (additions.length === 0) return;
  const send = (list: RuleChange['add']) =>
    ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: permissions(cluster, list) }));
  try {
    await send(additions);
  } catch (error) {
    // AWS adds a request's rules all or nothing: one that exists already (another run) → add the others one by one.
    if (!isAwsError(error, 'InvalidPermission.Duplicate')) throw error;
    for (const addition of additions) {
      await send([addition]).catch((inner: unknown) => {
        if (!isAwsError(inner, 'InvalidPermission.Duplicate')) throw inner;
      });
    }
  }
}

async function revoke(ec2: EC2Client, groupId: string, rules: SecurityGroupRule[]) {
  const ids = rules.map((rule) => rule.SecurityGroupRuleId).filter((id): id is string => id !== undefined);
  if (ids.length === 0) return;
  try {
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ids }));
  } catch (error) {
    // One of them is gone already (another run, or by hand): revoke the rest one by one.
    if (!isAwsError(error, 'InvalidSecurityGroupRuleId.NotFound', 'InvalidPermission.NotFound')) throw error;
    for (const id of ids) {
      await ec2
        .send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [id] }))
        .catch((inner: unknown) => {
          if (!isAwsError(inner, 'InvalidSecurityGroupRuleId.NotFound', 'InvalidPermission.NotFound')) throw inner;
        });
    }
  }
}

/** Applies a change: authorize first (no open port closes on the way), unless that extra rule breaks the quota. */
async function applyChange(ec2: EC2Client, groupId: string, cluster: string, change: RuleChange, existing: number) {
  await awsCall('ec2:AuthorizeSecurityGroupIngress', async () => {
    try {
      await authorize(ec2, groupId, cluster, change.add);
    } catch (error) {
      if (!isAwsError(error, 'RulesPerSecurityGroupLimitExceeded')) throw error;
      await revoke(ec2, groupId, change.remove);
      try {
        await authorize(ec2, groupId, cluster, change.add);
      } catch (inner) {
        if (!isAwsError(inner, 'RulesPerSecurityGroupLimitExceeded')) throw inner;
        throw new SecurityGroupRuleQuotaExceeded(groupId, existing - change.remove.length + change.add.length, {
          cause: inner,
        });
      }
      change.remove = [];
    }
  });
  await awsCall('ec2:RevokeSecurityGroupIngress', () => revoke(ec2, groupId, change.remove));
}

/** Opens LB `port` on the NLB's security group for every consumer CIDR and verifier group (ranged rules). */
export async function openPort(
  ec2: EC2Client,
  spec: ClusterSpec,
  port: number,
  cidrs: readonly string[],
  verifierGroupIds: readonly string[] = [],
) {
  const groupId = awsProvider(spec).securityGroupId;
  const sources = [...cidrs.map((cidr) => ({ cidr })), ...verifierGroupIds.map((id) => ({ groupId: id }))];
  if (groupId === undefined || sources.length === 0) return;
  const rules = await ingressRules(ec2, groupId);
  const change = changes(rules, spec.cluster, sources, (opened, source) => {
    // Someone else's rule admits it already: nothing of ours needed for this port.
    if (!opened.has(port) && rules.some((rule) => allows(rule, source, port))) return opened;
    return new Set([...opened, port]);
  });
  await applyChange(ec2, groupId, spec.cluster, change, rules.length);
}

/** Closes LB `port` for every consumer CIDR and verifier group; a port none of our rules covers is closed already. */
export async function closePort(
  ec2: EC2Client,
  spec: ClusterSpec,
  port: number,
  cidrs: readonly string[],
  verifierGroupIds: readonly string[] = [],
) {
  const groupId = awsProvider(spec).securityGroupId;
  const sources = [...cidrs.map((cidr) => ({ cidr })), ...verifierGroupIds.map((id) => ({ groupId: id }))];
  if (groupId === undefined || sources.length === 0) return;
  const rules = await ingressRules(ec2, groupId);
  const change = changes(rules, spec.cluster, sources, (opened) => new Set([...opened].filter((p) => p !== port)));
  await applyChange(ec2, groupId, spec.cluster, change, rules.length);
}

/**
 * Broker side: the brokers' security group admits each exposure's broker-side port from the NLB's security group.
 * Idempotent; nothing to do without `brokerSecurityGroupId`. Ports brokerlink opened there that no exposure uses
 * any more are revoked.
 */
export async function ensureBrokerIngress(ec2: EC2Client, spec: ClusterSpec): Promise<void> {
  const aws = awsProvider(spec);
  if (aws.brokerSecurityGroupId === undefined || aws.securityGroupId === undefined) return;
  const wanted = new Set(spec.exposures.map((exposure) => exposure.brokerPort));
  const rules = await ingressRules(ec2, aws.brokerSecurityGroupId);
  const change = changes(rules, spec.cluster, [{ groupId: aws.securityGroupId }], () => wanted);
  if (change.add.length === 0 && change.remove.length === 0) return;
  await applyChange(ec2, aws.brokerSecurityGroupId, spec.cluster, change, rules.length);
}

/** Whether the brokers' security group admits every broker-side port from the NLB's group (true when unmanaged). */
export async function brokerIngressInPlace(ec2: EC2Client, spec: ClusterSpec): Promise<boolean> {
  const aws = awsProvider(spec);
  if (aws.brokerSecurityGroupId === undefined || aws.securityGroupId === undefined) return true;
  const rules = await ingressRules(ec2, aws.brokerSecurityGroupId);
  const source = { groupId: aws.securityGroupId };
  return spec.exposures.every((exposure) => rules.some((rule) => allows(rule, source, exposure.brokerPort)));
}
