import * as ecsNamespace from '@alicloud/ecs20140526';
import type { ClusterSpec } from '../../spec/schema.ts';
import { alicloudCall, isAlicloudError, mapAlicloudError } from './alicloud-call.ts';
import type { EcsClient } from './clients.ts';
import { commonJs } from './commonjs.ts';
import { AlicloudSecurityGroupQuotaExceeded } from './errors.ts';
import { alicloudProvider } from './spec.ts';

const ecs = commonJs(ecsNamespace);

/*
 * The consumer ports on the NLB's security group (`provider.alicloud.securityGroupId`): TCP ingress on the LB ports
 * from every consumer CIDR. A port is open when every CIDR may reach it (a rule of ours, or anyone's broader rule:
 * TCP or ALL, Accept, covering the port).
 *
 * Rules are RANGED, as on AWS: per CIDR, one rule per contiguous block of the ports brokerlink opened
 * (`brokerlink <cluster> ports <from>-<to>`), so 48 brokers + bootstrap take one rule per CIDR, not 49, against the
 * security group's quota (200 rules by default). Opening or closing a port: read the rules, take the ports our
 * rules for that CIDR cover, add or remove the port, coalesce, authorize the new ranges, then revoke our rules no
 * longer wanted — in that order, so no open port closes on the way; only if the extra rule would break the quota
 * (AuthorizationLimitExceed) are the old ones revoked first. Revocation is by the rule's content (Permissions.N),
 * which ECS accepts for a rule that is gone already, so a re-run is harmless.
 *
 * Without `securityGroupId` brokerlink does not manage consumer ports: every port of the spec counts as open.
 */

interface Rule {
  ipProtocol: string;
  from: number;
  to: number;
  cidr: string;
  policy: string;
  description: string;
}

export function specPorts(spec: ClusterSpec): number[] {
  const ports = new Set<number>();
  for (const exposure of spec.exposures) {
    if (exposure.bootstrapPort !== undefined) ports.add(exposure.bootstrapPort);
    for (let port = exposure.brokerPorts.from; port <= exposure.brokerPorts.to; port++) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

export function portRanges(ports: Iterable<number>): [number, number][] {
  const ranges: [number, number][] = [];
  for (const port of [...new Set(ports)].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last !== undefined && last[1] === port - 1) last[1] = port;
    else ranges.push([port, port]);
  }
  return ranges;
}

const ours = (rule: Rule, cluster: string) =>
  rule.description.startsWith(`brokerlink ${cluster} port`) && rule.ipProtocol === 'tcp';

const allows = (rule: Rule, cidr: string, port: number) =>
  rule.cidr === cidr &&
  rule.policy === 'accept' &&
  (rule.ipProtocol === 'all' || (rule.ipProtocol === 'tcp' && rule.from <= port && port <= rule.to));

export class EcsSecurityGroupPorts {
  readonly #ecs: EcsClient;
  constructor(options: { ecs: EcsClient }) {
    this.#ecs = options.ecs;
  }

  async #rules(region: string, groupId: string): Promise<Rule[]> {
    const answer = await alicloudCall('ecs:DescribeSecurityGroupAttribute', () =>
      this.#ecs.describeSecurityGroupAttribute(
        new ecs.DescribeSecurityGroupAttributeRequest({
          regionId: region,
          securityGroupId: groupId,
          direction: 'ingress',
        }),
      ),
    );
    return (answer.body?.permissions?.permission ?? []).flatMap((p) => {
      const [from, to] = (p.portRange ?? '').split('/').map(Number);
      if ((p.direction ?? 'ingress') !== 'ingress' || from === undefined || to === undefined) return [];
      return [
        {
          ipProtocol: (p.ipProtocol ?? '').toLowerCase(),
          from,
          to,
          cidr: p.sourceCidrIp ?? '',
          policy: (p.policy ?? 'accept').toLowerCase(),
          description: p.description ?? '',
        },
      ];
    });
  }

  /** Spec ports every consumer CIDR can reach now. */
  async openPorts(spec: ClusterSpec): Promise<number[]> {
    const alicloud = alicloudProvider(spec);
    const ports = specPorts(spec);
    if (alicloud.securityGroupId === undefined) return ports;
    const rules = await this.#rules(alicloud.region, alicloud.securityGroupId);
    return ports.filter((port) =>
      alicloud.consumerCidrs.every((cidr) => rules.some((rule) => allows(rule, cidr, port))),
    );
  }

  async open(spec: ClusterSpec, port: number, cidrs: readonly string[]): Promise<void> {
    await this.#change(spec, cidrs, (opened, cidr, rules) => {
      // Someone else's rule admits it already: nothing of ours is needed for this port.
      if (!opened.has(port) && rules.some((rule) => !ours(rule, spec.cluster) && allows(rule, cidr, port)))
        return opened;
      return new Set([...opened, port]);
    });
  }

  async close(spec: ClusterSpec, port: number, cidrs: readonly string[]): Promise<void> {
    await this.#change(spec, cidrs, (opened) => new Set([...opened].filter((p) => p !== port)));
  }

  async #change(
    spec: ClusterSpec,
    cidrs: readonly string[],
    wanted: (opened: Set<number>, cidr: string, rules: Rule[]) => Set<number>,
  ): Promise<void> {
    const alicloud = alicloudProvider(spec);
    const groupId = alicloud.securityGroupId;
    if (groupId === undefined || cidrs.length === 0) return;
    const rules = await this.#rules(alicloud.region, groupId);
    const add: Rule[] = [];
    const remove: Rule[] = [];
    for (const cidr of cidrs) {
      const mine = rules.filter((rule) => ours(rule, spec.cluster) && rule.cidr === cidr);
      const opened = new Set<number>();
      for (const rule of mine) for (let p = rule.from; p <= rule.to; p++) opened.add(p);
      const ranges = portRanges(wanted(opened, cidr, rules));
      for (const [from, to] of ranges) {
        if (!mine.some((rule) => rule.from === from && rule.to === to)) {
          add.push({
            ipProtocol: 'tcp',
            from,
            to,
            cidr,
            policy: 'accept',
            description: `brokerlink ${spec.cluster} ports ${from}-${to}`,
          });
        }
      }
      for (const rule of mine)
        if (!ranges.some(([from, to]) => rule.from === from && rule.to === to)) remove.push(rule);
    }
    try {
      await this.#authorize(alicloud.region, groupId, add);
    } catch (error) {
      if (!isAlicloudError(error, 'AuthorizationLimitExceed'))
        throw mapAlicloudError('ecs:AuthorizeSecurityGroup', error);
      await this.#revoke(alicloud.region, groupId, remove);
      try {
        await this.#authorize(alicloud.region, groupId, add);
      } catch (inner) {
        if (!isAlicloudError(inner, 'AuthorizationLimitExceed'))
          throw mapAlicloudError('ecs:AuthorizeSecurityGroup', inner);
        throw new AlicloudSecurityGroupQuotaExceeded(groupId, rules.length - remove.length + add.length, {
          cause: inner,
        });
      }
      return;
    }
    await this.#revoke(alicloud.region, groupId, remove);
  }

  async #authorize(region: string, groupId: string, rules: Rule[]): Promise<void> {
    if (rules.length === 0) return;
    const request = new ecs.AuthorizeSecurityGroupRequest({
      regionId: region,
      securityGroupId: groupId,
      permissions: rules.map(
        (rule) =>
          new ecs.AuthorizeSecurityGroupRequestPermissions({
            ipProtocol: 'TCP',
            portRange: `${rule.from}/${rule.to}`,
            sourceCidrIp: rule.cidr,
            policy: 'accept',
            description: rule.description,
          }),
      ),
    });
    try {
      await this.#ecs.authorizeSecurityGroup(request);
    } catch (error) {
      // A rule that exists already (another run): add the others one by one.
      if (!isAlicloudError(error, 'InvalidPermission.Duplicate') || rules.length === 1) {
        if (isAlicloudError(error, 'InvalidPermission.Duplicate')) return;
        throw error;
      }
      for (const rule of rules) await this.#authorize(region, groupId, [rule]);
    }
  }

  async #revoke(region: string, groupId: string, rules: Rule[]): Promise<void> {
    if (rules.length === 0) return;
    await alicloudCall('ecs:RevokeSecurityGroup', () =>
      this.#ecs.revokeSecurityGroup(
        new ecs.RevokeSecurityGroupRequest({
          regionId: region,
          securityGroupId: groupId,
          permissions: rules.map(
            (rule) =>
              new ecs.RevokeSecurityGroupRequestPermissions({
                ipProtocol: 'TCP',
                portRange: `${rule.from}/${rule.to}`,
                sourceCidrIp: rule.cidr,
                policy: 'accept',
              }),
          ),
        }),
      ),
    );
  }
}
