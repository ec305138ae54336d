import type { ProviderProfile } from '../profile.ts';

/** Alibaba Cloud: a Network Load Balancer behind an Endpoint Service (PrivateLink). */
export const alicloudProfile: ProviderProfile<'alicloud'> = {
  kind: 'alicloud',
  bootstrap: { model: 'fan-out' },
  // 50 listeners per NLB by default, adjustable by quota request: the planner cannot see a raised quota.
  listenerQuota: { limit: 50, adjustable: true },
  firewall: {
    model: 'security-group',
    consumerCidrs: (alicloud) => (alicloud.securityGroupId === undefined ? undefined : alicloud.consumerCidrs),
  },
  nouns: {
    loadBalancer: 'network load balancer',
    mapping: 'listener',
    targetGroup: 'server group',
    firewall: 'security group',
    commandChannel: 'Cloud Assistant',
  },
};
