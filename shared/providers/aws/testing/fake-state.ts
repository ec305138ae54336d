/*
 * FAKE (test support): the state of the in-memory AWS model (see ./fake-aws.ts). Plain data, so a test can
 * arrange it (add an instance, deregister a target "by hand", expire a lock) and assert on it directly.
 */
import type { InjectedFault, RecordedCall } from './fake-core.ts';

export type FakeInstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

export interface FakeInstance {
  instanceId: string;
  privateIp?: string;
  /** Zone name, e.g. us-west-2a. */
  az: string;
  state: FakeInstanceState;
  tags: Record<string, string>;
  /**
   * The SSM agent: `online` (default for a running instance), `connection-lost` (registered, not pinging: e.g. the
   * instance is stopped), or `unregistered` (just booted, the agent has not registered yet: SendCommand answers
   * InvalidInstanceId and DescribeInstanceInformation does not list it).
   */
  agent?: 'online' | 'connection-lost' | 'unregistered';
  /** DescribeInstances' LaunchTime (discovery asks SSM about the agents of recently launched instances only). */
  launchTime?: Date;
}

export interface FakeTarget {
  id: string;
  port: number;
  health: 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';
}

export interface FakeTargetGroup {
  arn: string;
  name: string;
  protocol: string;
  port: number;
  vpcId: string;
  targetType: 'instance' | 'ip';
  healthCheckProtocol: string;
  tags: Record<string, string>;
  /** Keyed by `<id>:<port>`. */
  targets: Map<string, FakeTarget>;
  /** Target group attributes set with ModifyTargetGroupAttributes (e.g. load_balancing.cross_zone.enabled). */
  attributes?: Record<string, string>;
}

export interface FakeListener {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  targetGroupArn: string;
  tags: Record<string, string>;
}

export interface FakeSecurityGroupRule {
  ruleId: string;
  groupId: string;
  protocol: string;
  fromPort: number;
  toPort: number;
  /** The source: an IPv4 CIDR, or another security group (a group-referencing rule). */
  cidr?: string;
  sourceGroupId?: string;
  description?: string;
}

export interface FakeParameter {
  name: string;
  value: string;
  type: 'String' | 'StringList' | 'SecureString';
  version: number;
  tier: 'Standard' | 'Advanced' | 'Intelligent-Tiering';
  lastModified: Date;
}

export interface FakeCommandOutcome {
  status: 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
  stdout?: string;
  stderr?: string;
  /** Defaults to 0 for Success, 1 for Failed, -1 otherwise (SSM's ResponseCode). */
  exitCode?: number;
}

export interface FakeInvocation {
  commandId: string;
  instanceId: string;
  documentName: string;
  parameters: Record<string, string>;
  /** GetCommandInvocation answers InvocationDoesNotExist this many more times (eventual consistency). */
  pollsUntilVisible: number;
  /** Then InProgress this many more times. */
  pollsInProgress: number;
  /** Settles when the hook decided the outcome; until then the invocation stays InProgress. */
  outcome: Promise<FakeCommandOutcome>;
  settled?: FakeCommandOutcome;
  /** Sent to an instance that is not running (or whose agent lost its connection): stays Pending. */
  undelivered?: boolean;
}

export interface FakeEndpointService {
  serviceId: string;
  serviceName: string;
  loadBalancerArns: string[];
  acceptanceRequired: boolean;
  allowedPrincipals: Set<string>;
  tags: Record<string, string>;
  clientToken?: string;
}

export interface FakeAwsState {
  region: string;
  accountId: string;
  /** The NLB: its zones are the zone names of its subnets (its nodes; cross-zone off, each routes in its zone). */
  loadBalancer: { arn: string; vpcId: string; zones: string[] };
  instances: FakeInstance[];
  /** Zone name → zone id (us-west-2a → usw2-az1). */
  zones: Record<string, string>;
  targetGroups: Map<string, FakeTargetGroup>;
  listeners: Map<string, FakeListener>;
  /** Inbound rules per security group. */
  securityGroups: Map<string, FakeSecurityGroupRule[]>;
  /** Inbound rules a security group may hold (AWS default quota: 60, adjustable). */
  securityGroupRuleQuota: number;
  parameters: Map<string, FakeParameter>;
  /** SSM Command documents SendCommand accepts (name → document content). */
  documents: Map<string, unknown>;
  invocations: Map<string, FakeInvocation>;
  secrets: Map<string, string>;
  endpointServices: Map<string, FakeEndpointService>;
  faults: InjectedFault[];
  calls: RecordedCall[];
}
