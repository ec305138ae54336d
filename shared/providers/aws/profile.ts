import type { ProviderProfile } from '../profile.ts';

/** AWS: an internal Network Load Balancer behind a VPC endpoint service (PrivateLink). */
export const awsProfile: ProviderProfile<'aws'> = {
  kind: 'aws',
  bootstrap: { model: 'fan-out' },
  // 50 listeners per NLB, not raisable: 49 brokers + 1 bootstrap per exposure on one NLB.
  listenerQuota: { limit: 50, adjustable: false },
  firewall: {
    model: 'security-group',
    // Without a security group in the spec, brokerlink does not manage consumer ports at all.
    consumerCidrs: (aws) => (aws.securityGroupId === undefined ? undefined : aws.consumerCidrs),
  },
  // serverless.yml lets the functions send SSM commands only to instances carrying this tag (BROKERLINK_CLUSTER_TAG).
  commandScope: {
    tag: 'brokerlink:cluster',
    tagCommand: 'aws ec2 create-tags --resources <instance-id> --tags Key=brokerlink:cluster,Value=<cluster>',
  },
  // Target groups register instance ids (target type instance) or IPv4 addresses (type ip): nothing else.
  targets: 'instance-or-ipv4',
  nouns: {
    loadBalancer: 'network load balancer',
    mapping: 'listener',
    targetGroup: 'target group',
    firewall: 'security group',
    commandChannel: 'SSM Run Command',
  },
};
