/*
 * FAKE (test support): a stateful in-memory model of the EC2 calls brokerlink uses. Faithful where it matters:
 * DescribeInstances filters (tag:<key>, instance-state-name, instance-id), MaxResults 5-1000 with NextToken, one
 * reservation per instance; security group ingress rules that AuthorizeSecurityGroupIngress adds atomically
 * (one existing rule in the request → InvalidPermission.Duplicate, nothing added) and RevokeSecurityGroupIngress
 * removes atomically (one missing rule → InvalidPermission.NotFound, nothing removed), or by rule id; rules from a
 * CIDR or from another security group; the inbound-rules quota per group (60 by default,
 * RulesPerSecurityGroupLimitExceeded, all or nothing); VPC endpoint services.
 */
import type {
  AuthorizeSecurityGroupIngressCommandInput,
  CreateVpcEndpointServiceConfigurationCommandInput,
  DescribeAvailabilityZonesCommandInput,
  DescribeInstancesCommandInput,
  DescribeSecurityGroupRulesCommandInput,
  DescribeVpcEndpointServiceConfigurationsCommandInput,
  DescribeVpcEndpointServicePermissionsCommandInput,
  Filter,
  IpPermission,
  ModifyVpcEndpointServicePermissionsCommandInput,
  RevokeSecurityGroupIngressCommandInput,
} from '@aws-sdk/client-ec2';
import { awsError, type IdSource, paginate } from './fake-core.ts';
import type { FakeAwsState, FakeInstance, FakeSecurityGroupRule } from './fake-state.ts';

const err = (code: string, message: string) => awsError('ec2', code, message);

const STATE_CODES: Record<FakeInstance['state'], number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

function matchesInstance(instance: FakeInstance, filter: Filter): boolean {
  const values = filter.Values ?? [];
  const name = filter.Name ?? '';
  if (name.startsWith('tag:')) {
    const value = instance.tags[name.slice(4)];
    return value !== undefined && values.includes(value);
  }
  if (name === 'instance-state-name') return values.includes(instance.state);
  if (name === 'instance-id') return values.includes(instance.instanceId);
  throw err('InvalidParameterValue', `The filter '${name}' is not modeled by the fake`);
}

function ruleKeys(groupId: string, permissions: IpPermission[] | undefined) {
  const keys: Omit<FakeSecurityGroupRule, 'ruleId'>[] = [];
  for (const permission of permissions ?? []) {
    const base = {
      groupId,
      protocol: permission.IpProtocol ?? '',
      fromPort: permission.FromPort ?? -1,
      toPort: permission.ToPort ?? -1,
    };
    for (const range of permission.IpRanges ?? []) {
      keys.push({
        ...base,
        cidr: range.CidrIp ?? '',
        ...(range.Description === undefined ? {} : { description: range.Description }),
      });
    }
    for (const pair of permission.UserIdGroupPairs ?? []) {
      keys.push({
        ...base,
        sourceGroupId: pair.GroupId ?? '',
        ...(pair.Description === undefined ? {} : { description: pair.Description }),
      });
    }
  }
  return keys;
}

const sameRule = (a: Omit<FakeSecurityGroupRule, 'ruleId'>, b: Omit<FakeSecurityGroupRule, 'ruleId'>) =>
  a.protocol === b.protocol &&
  a.fromPort === b.fromPort &&
  a.toPort === b.toPort &&
  a.cidr === b.cidr &&
  a.sourceGroupId === b.sourceGroupId;

const peer = (rule: Omit<FakeSecurityGroupRule, 'ruleId'>) => rule.cidr ?? rule.sourceGroupId;

export function makeEc2Model(state: FakeAwsState, ids: IdSource, pageSize: { ec2: number }) {
  function requireGroup(groupId: string | undefined): FakeSecurityGroupRule[] {
    const rules = groupId === undefined ? undefined : state.securityGroups.get(groupId);
    if (rules === undefined) throw err('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
    return rules;
  }

  return {
    DescribeInstances(input: DescribeInstancesCommandInput) {
      if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) {
        throw err('InvalidParameterValue', 'MaxResults must be between 5 and 1000');
      }
      const matching = state.instances.filter((instance) =>
        (input.Filters ?? []).every((filter) => matchesInstance(instance, filter)),
      );
      const { page, next } = paginate(
        'ec2',
        matching,
        input.NextToken,
        Math.min(input.MaxResults ?? 1000, pageSize.ec2),
      );
      return {
        Reservations: page.map((instance) => ({
          ReservationId: `r-${instance.instanceId.slice(2)}`,
          Instances: [
            {
              InstanceId: instance.instanceId,
              PrivateIpAddress: instance.privateIp,
              Placement: { AvailabilityZone: instance.az },
              State: { Name: instance.state, Code: STATE_CODES[instance.state] },
              ...(instance.launchTime === undefined ? {} : { LaunchTime: instance.launchTime }),
              Tags: Object.entries(instance.tags).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        })),
        NextToken: next,
      };
    },

    DescribeAvailabilityZones(input: DescribeAvailabilityZonesCommandInput) {
      const names = input.ZoneNames ?? Object.keys(state.zones);
      return {
        AvailabilityZones: names.map((name) => {
          const id = state.zones[name];
          if (id === undefined) throw err('InvalidParameterValue', `Invalid availability zone: [${name}]`);
          return { ZoneName: name, ZoneId: id, RegionName: state.region, State: 'available' as const };
        }),
      };
    },

    DescribeSecurityGroupRules(input: DescribeSecurityGroupRulesCommandInput) {
      const groupFilter = input.Filters?.find((filter) => filter.Name === 'group-id');
      const groups = groupFilter?.Values ?? [...state.securityGroups.keys()];
      const rules = groups.flatMap((groupId) => state.securityGroups.get(groupId) ?? []);
      const size = Math.min(input.MaxResults ?? 1000, pageSize.ec2);
      const { page, next } = paginate('ec2', rules, input.NextToken, size);
      return {
        SecurityGroupRules: page.map((rule) => ({
          SecurityGroupRuleId: rule.ruleId,
          GroupId: rule.groupId,
          IsEgress: false,
          IpProtocol: rule.protocol,
          FromPort: rule.fromPort,
          ToPort: rule.toPort,
          ...(rule.cidr === undefined ? {} : { CidrIpv4: rule.cidr }),
          ...(rule.sourceGroupId === undefined ? {} : { ReferencedGroupInfo: { GroupId: rule.sourceGroupId } }),
          Description: rule.description,
        })),
        NextToken: next,
      };
    },

    AuthorizeSecurityGroupIngress(input: AuthorizeSecurityGroupIngressCommandInput) {
      const rules = requireGroup(input.GroupId);
      const wanted = ruleKeys(input.GroupId ?? '', input.IpPermissions);
      const duplicate = wanted.find((rule) => rules.some((existing) => sameRule(existing, rule)));
      if (duplicate !== undefined) {
        throw err(
          'InvalidPermission.Duplicate',
          `the specified rule "peer: ${peer(duplicate)}, TCP, from port: ${duplicate.fromPort}, to port: ${duplicate.toPort}, ALLOW" already exists`,
        );
      }
      // All or nothing, like every other check of this request.
      if (rules.length + wanted.length > state.securityGroupRuleQuota) {
        throw err(
          'RulesPerSecurityGroupLimitExceeded',
          `The maximum number of rules per security group has been reached (${state.securityGroupRuleQuota}).`,
        );
      }
      const added = wanted.map((rule) => ({ ...rule, ruleId: `sgr-${ids.next(17)}` }));
      rules.push(...added);
      return {
        Return: true,
        SecurityGroupRules: added.map((rule) => ({ SecurityGroupRuleId: rule.ruleId, GroupId: rule.groupId })),
      };
    },

    RevokeSecurityGroupIngress(input: RevokeSecurityGroupIngressCommandInput) {
      const rules = requireGroup(input.GroupId);
      if (input.SecurityGroupRuleIds !== undefined && input.SecurityGroupRuleIds.length > 0) {
        const unknown = input.SecurityGroupRuleIds.find((id) => !rules.some((rule) => rule.ruleId === id));
        if (unknown !== undefined) {
          throw err('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${unknown}' does not exist`);
        }
        const kept = rules.filter((rule) => !input.SecurityGroupRuleIds!.includes(rule.ruleId));
        rules.splice(0, rules.length, ...kept);
        return { Return: true };
      }
      const unwanted = ruleKeys(input.GroupId ?? '', input.IpPermissions);
      const missing = unwanted.find((rule) => !rules.some((existing) => sameRule(existing, rule)));
      if (missing !== undefined) {
        throw err(
          'InvalidPermission.NotFound',
          `The specified rule does not exist in this security group (${peer(missing)} ${missing.fromPort})`,
        );
      }
      const kept = rules.filter((existing) => !unwanted.some((rule) => sameRule(existing, rule)));
      rules.splice(0, rules.length, ...kept);
      return { Return: true };
    },

    DescribeVpcEndpointServiceConfigurations(input: DescribeVpcEndpointServiceConfigurationsCommandInput) {
      let services = [...state.endpointServices.values()];
      for (const filter of input.Filters ?? []) {
        if (filter.Name?.startsWith('tag:')) {
          const key = filter.Name.slice(4);
          services = services.filter((s) => s.tags[key] !== undefined && (filter.Values ?? []).includes(s.tags[key]));
        } else if (filter.Name === 'service-id') {
          services = services.filter((s) => (filter.Values ?? []).includes(s.serviceId));
        } else {
          throw err('InvalidParameterValue', `The filter '${filter.Name}' is not modeled by the fake`);
        }
      }
      const { page, next } = paginate(
        'ec2',
        services,
        input.NextToken,
        Math.min(input.MaxResults ?? 1000, pageSize.ec2),
      );
      return {
        ServiceConfigurations: page.map((s) => ({
          ServiceId: s.serviceId,
          ServiceName: s.serviceName,
          NetworkLoadBalancerArns: s.loadBalancerArns,
          AcceptanceRequired: s.acceptanceRequired,
          ServiceState: 'Available' as const,
          Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
        })),
        NextToken: next,
      };
    },

    CreateVpcEndpointServiceConfiguration(input: CreateVpcEndpointServiceConfigurationCommandInput) {
      const lbs = input.NetworkLoadBalancerArns ?? [];
      const sameToken = [...state.endpointServices.values()].find(
        (s) => input.ClientToken !== undefined && s.clientToken === input.ClientToken,
      );
      if (sameToken !== undefined) {
        // Idempotent retry (same ClientToken): the service made by the first request.
        return {
          ServiceConfiguration: {
            ServiceId: sameToken.serviceId,
            ServiceName: sameToken.serviceName,
            NetworkLoadBalancerArns: sameToken.loadBalancerArns,
            AcceptanceRequired: sameToken.acceptanceRequired,
          },
          ClientToken: input.ClientToken,
        };
      }
      const inUse = [...state.endpointServices.values()].find((s) => s.loadBalancerArns.some((a) => lbs.includes(a)));
      if (inUse !== undefined) {
        throw err('InvalidParameter', `load balancer is already associated with service ${inUse.serviceId}`);
      }
      const serviceId = `vpce-svc-${ids.next(17)}`;
      const tags: Record<string, string> = {};
      for (const spec of input.TagSpecifications ?? []) {
        for (const tag of spec.Tags ?? []) tags[tag.Key ?? ''] = tag.Value ?? '';
      }
      const service = {
        serviceId,
        serviceName: `com.amazonaws.vpce.${state.region}.${serviceId}`,
        loadBalancerArns: lbs,
        acceptanceRequired: input.AcceptanceRequired ?? true,
        allowedPrincipals: new Set<string>(),
        tags,
        ...(input.ClientToken === undefined ? {} : { clientToken: input.ClientToken }),
      };
      state.endpointServices.set(serviceId, service);
      return {
        ServiceConfiguration: {
          ServiceId: serviceId,
          ServiceName: service.serviceName,
          NetworkLoadBalancerArns: lbs,
          AcceptanceRequired: service.acceptanceRequired,
        },
      };
    },

    DescribeVpcEndpointServicePermissions(input: DescribeVpcEndpointServicePermissionsCommandInput) {
      const service = state.endpointServices.get(input.ServiceId ?? '');
      if (service === undefined) throw err('InvalidVpcEndpointServiceId.NotFound', `${input.ServiceId} not found`);
      return { AllowedPrincipals: [...service.allowedPrincipals].map((Principal) => ({ Principal })) };
    },

    ModifyVpcEndpointServicePermissions(input: ModifyVpcEndpointServicePermissionsCommandInput) {
      const service = state.endpointServices.get(input.ServiceId ?? '');
      if (service === undefined) throw err('InvalidVpcEndpointServiceId.NotFound', `${input.ServiceId} not found`);
      for (const principal of input.AddAllowedPrincipals ?? []) service.allowedPrincipals.add(principal);
      for (const principal of input.RemoveAllowedPrincipals ?? []) service.allowedPrincipals.delete(principal);
      return { ReturnValue: true };
    },
  };
}
