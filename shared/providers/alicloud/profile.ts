import type { ProviderProfile } from '../profile.ts';

/** Alibaba Cloud: a Network Load Balancer behind an Endpoint Service (PrivateLink). */
export const alicloudProfile: ProviderProfile<'alicloud'> = {
  kind: 'alicloud',
  bootstrap: { model: 'fan-out' },
  // 50 listeners per NLB by default, adjustable by quota request; the spec's `listenerQuota` says what this
  // account has (default 50), and the planner holds the spec to it.
  listenerQuota: { limit: 50, adjustable: true, stated: (alicloud) => alicloud.listenerQuota },
  firewall: {
    model: 'security-group',
    consumerCidrs: (alicloud) => (alicloud.securityGroupId === undefined ? undefined : alicloud.consumerCidrs),
  },
  // tools/alicloud lets the functions run Cloud Assistant commands only on instances carrying this tag (RAM
  // condition acs:ResourceTag/brokerlink:cluster): RunCommand is root on the instance.
  commandScope: {
    tag: 'brokerlink:cluster',
    tagCommand:
      'aliyun ecs TagResources --RegionId <region> --ResourceType instance --ResourceId.1 <instance-id> --Tag.1.Key brokerlink:cluster --Tag.1.Value <cluster>',
  },
  nouns: {
    loadBalancer: 'network load balancer',
    mapping: 'listener',
    targetGroup: 'server group',
    firewall: 'security group',
    commandChannel: 'Cloud Assistant',
  },
};
