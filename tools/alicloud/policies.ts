/*
 * The RAM roles and policies brokerlink's deploy creates on Alibaba Cloud, least privilege:
 *
 *  - brokerlink-fc (trusted by fc.aliyuncs.com): what the functions do, and nothing else. Reads that RAM cannot
 *    scope by resource (Describe*, List*, GetJobStatus) are granted on the region; every change is scoped to the
 *    deployed NLBs, their server groups and listeners, the NLB security groups, the state bucket's prefix, the
 *    `brokerlink/` secrets, and brokerlink's own flows.
 *  - Cloud Assistant RunCommand runs a script as root on the instance: it is ROOT-EQUIVALENT on every instance it may
 *    target. So it is granted only on instances carrying the cluster tag with one of the deployed clusters' names
 *    (condition acs:ResourceTag/brokerlink:cluster), and only with brokerlink's own command text reaching them (the
 *    text is fixed per version; shared/providers/alicloud/cloud-assistant-script.ts). Whoever can tag an instance
 *    `brokerlink:cluster=<cluster>` can therefore let brokerlink's functions run that fixed command there: guard the
 *    tag (a RAM policy denying ecs:TagResources on that key to everyone but the operators) — docs/alicloud.md.
 *  - brokerlink-flow (trusted by fnf.aliyuncs.com): invoke brokerlink's functions; start brokerlink-provision (drift
 *    repair).
 */

export interface PolicyScope {
  region: string;
  accountId: string;
  bucket: string;
  prefix: string;
  clusters: readonly string[];
  loadBalancerIds: readonly string[];
  securityGroupIds: readonly string[];
}

export interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  Version: '1';
  Statement: Statement[];
}

export const FUNCTION_ROLE = 'brokerlink-fc';
export const FLOW_ROLE = 'brokerlink-flow';
export const FUNCTION_POLICY = 'brokerlink-fc-policy';
export const FLOW_POLICY = 'brokerlink-flow-policy';

export function trustPolicy(service: 'fc.aliyuncs.com' | 'fnf.aliyuncs.com'): PolicyDocument {
  return {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole'], Principal: { Service: [service] } } as never],
  };
}

export function functionPolicy(scope: PolicyScope): PolicyDocument {
  const { region, accountId: uid } = scope;
  const ecs = (resource: string) => `acs:ecs:${region}:${uid}:${resource}`;
  const nlb = (resource: string) => `acs:nlb:${region}:${uid}:${resource}`;
  return {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'ecs:DescribeInstances',
          'ecs:DescribeSecurityGroupAttribute',
          'ecs:DescribeInvocationResults',
          'nlb:ListServerGroups',
          'nlb:ListServerGroupServers',
          'nlb:ListListeners',
          'nlb:GetLoadBalancerAttribute',
          'nlb:GetJobStatus',
          'privatelink:ListVpcEndpointServices',
          'privatelink:ListVpcEndpointServiceUsers',
          'privatelink:ListVpcEndpointConnections',
        ],
        Resource: [`acs:*:${region}:${uid}:*`],
      },
      {
        Effect: 'Allow',
        Action: ['ecs:AuthorizeSecurityGroup', 'ecs:RevokeSecurityGroup'],
        Resource: scope.securityGroupIds.map((id) => ecs(`securitygroup/${id}`)),
      },
      {
        // Root-equivalent on the target: only instances tagged for a deployed cluster (see the module comment).
        Effect: 'Allow',
        Action: ['ecs:RunCommand'],
        Resource: [ecs('instance/*')],
        Condition: { StringEquals: { 'acs:ResourceTag/brokerlink:cluster': [...scope.clusters] } },
      },
      {
        // RunCommand also names the (one-off) command it creates.
        Effect: 'Allow',
        Action: ['ecs:RunCommand'],
        Resource: [ecs('command/*')],
      },
      {
        Effect: 'Allow',
        Action: [
          'nlb:CreateServerGroup',
          'nlb:DeleteServerGroup',
          'nlb:AddServersToServerGroup',
          'nlb:RemoveServersFromServerGroup',
          'nlb:TagResources',
          'nlb:UntagResources',
        ],
        Resource: [nlb('servergroup/*')],
      },
      {
        Effect: 'Allow',
        Action: ['nlb:CreateListener', 'nlb:DeleteListener'],
        Resource: [...scope.loadBalancerIds.map((id) => nlb(`loadbalancer/${id}`)), nlb('listener/*')],
      },
      {
        Effect: 'Allow',
        Action: [
          'privatelink:CreateVpcEndpointService',
          'privatelink:UpdateVpcEndpointServiceAttribute',
          'privatelink:AddUserToVpcEndpointService',
        ],
        Resource: [
          `acs:privatelink:${region}:${uid}:vpcendpointservice/*`,
          ...scope.loadBalancerIds.map((id) => nlb(`loadbalancer/${id}`)),
        ],
      },
      {
        Effect: 'Allow',
        Action: ['oss:GetObject', 'oss:PutObject', 'oss:DeleteObject'],
        Resource: [`acs:oss:*:${uid}:${scope.bucket}/${scope.prefix}*`],
      },
      {
        Effect: 'Allow',
        Action: ['oss:ListObjects'],
        Resource: [`acs:oss:*:${uid}:${scope.bucket}`],
      },
      {
        Effect: 'Allow',
        Action: ['kms:GetSecretValue'],
        Resource: [`acs:kms:${region}:${uid}:secret/brokerlink/*`],
      },
      {
        Effect: 'Allow',
        Action: ['fnf:StartExecution'],
        Resource: [`acs:fnf:${region}:${uid}:flow/brokerlink-*`],
      },
      {
        // The lock's holder check: has the provision execution holding the lock ended (oss-lock.ts)?
        Effect: 'Allow',
        Action: ['fnf:DescribeExecution'],
        Resource: [`acs:fnf:${region}:${uid}:flow/brokerlink-provision/execution/*`],
      },
    ],
  };
}

export function flowPolicy(scope: Pick<PolicyScope, 'region' | 'accountId'>): PolicyDocument {
  const { region, accountId: uid } = scope;
  return {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: ['fc:InvokeFunction'], Resource: [`acs:fc:${region}:${uid}:functions/brokerlink-*`] },
      {
        Effect: 'Allow',
        Action: ['fnf:StartExecution'],
        Resource: [`acs:fnf:${region}:${uid}:flow/brokerlink-provision`],
      },
    ],
  };
}
