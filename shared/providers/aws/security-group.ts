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
import { awsProvider } from './ledger.ts';

/*
 * The consumer side of the NLB's security group: one TCP ingress rule per (consumer CIDR, LB port). A port is
 * "open" when every consumer CIDR may reach it (an exact rule of ours, or any broader rule someone else made).
 * An NLB without a security group (securityGroupId absent) filters nothing, so every port of the spec counts as
 * open and open/close are no-ops.
 */

/** LB ports the spec can use: every exposure's bootstrap port and broker port range. */
export function specPorts(spec: ClusterSpec): number[] {
  const ports = new Set<number>();
  for (const exposure of spec.exposures) {
    if (exposure.bootstrapPort !== undefined) ports.add(exposure.bootstrapPort);
    for (let port = exposure.brokerPorts.from; port <= exposure.brokerPorts.to; port++) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

export async function observeOpenPorts(ec2: EC2Client, spec: ClusterSpec): Promise<number[]> {
  const aws = awsProvider(spec);
  const ports = specPorts(spec);
  if (aws.securityGroupId === undefined) return ports;
  const rules = await collectPages(
    'ec2:DescribeSecurityGroupRules',
    paginateDescribeSecurityGroupRules(
      { client: ec2, pageSize: 1000 },
      { Filters: [{ Name: 'group-id', Values: [aws.securityGroupId] }] },
    ),
    (page) => page.SecurityGroupRules,
  );
  const ingress = rules.filter((rule) => rule.IsEgress !== true);
  return ports.filter((port) => aws.consumerCidrs.every((cidr) => ingress.some((rule) => allows(rule, cidr, port))));
}

function allows(rule: SecurityGroupRule, cidr: string, port: number): boolean {
  if (rule.CidrIpv4 !== cidr) return false;
  if (rule.IpProtocol === '-1') return true;
  if (rule.IpProtocol !== 'tcp' && rule.IpProtocol !== '6') return false;
  return (rule.FromPort ?? -1) <= port && port <= (rule.ToPort ?? -1);
}

function permission(cluster: string, port: number, cidrs: readonly string[]): IpPermission {
  return {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    IpRanges: cidrs.map((cidr) => ({ CidrIp: cidr, Description: `brokerlink ${cluster} port ${port}` })),
  };
}

/**
 * Adds the ingress rules for `port` from each CIDR. AWS adds a request's rules all or nothing, so when one of them
 * already exists (InvalidPermission.Duplicate) the CIDRs are retried one by one, treating Duplicate as done.
 */
export async function openPort(ec2: EC2Client, spec: ClusterSpec, port: number, cidrs: readonly string[]) {
  const groupId = awsProvider(spec).securityGroupId;
  if (groupId === undefined || cidrs.length === 0) return;
  const authorize = (list: readonly string[]) =>
    ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [permission(spec.cluster, port, list)],
      }),
    );
  await awsCall('ec2:AuthorizeSecurityGroupIngress', async () => {
    try {
      await authorize(cidrs);
    } catch (error) {
      if (!isAwsError(error, 'InvalidPermission.Duplicate')) throw error;
      if (cidrs.length === 1) return;
      for (const cidr of cidrs) {
        await authorize([cidr]).catch((inner: unknown) => {
          if (!isAwsError(inner, 'InvalidPermission.Duplicate')) throw inner;
        });
      }
    }
  });
}

/** Removes the ingress rules for `port` from each CIDR; a rule already gone (InvalidPermission.NotFound) is done. */
export async function closePort(ec2: EC2Client, spec: ClusterSpec, port: number, cidrs: readonly string[]) {
  const groupId = awsProvider(spec).securityGroupId;
  if (groupId === undefined || cidrs.length === 0) return;
  const revoke = (list: readonly string[]) =>
    ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [permission(spec.cluster, port, list)],
      }),
    );
  await awsCall('ec2:RevokeSecurityGroupIngress', async () => {
    try {
      await revoke(cidrs);
    } catch (error) {
      if (!isAwsError(error, 'InvalidPermission.NotFound')) throw error;
      if (cidrs.length === 1) return;
      for (const cidr of cidrs) {
        await revoke([cidr]).catch((inner: unknown) => {
          if (!isAwsError(inner, 'InvalidPermission.NotFound')) throw inner;
        });
      }
    }
  });
}
