/*
 * FAKE (test support): a stateful, in-memory model of the AWS calls brokerlink makes (EC2, ELBv2, SSM, Secrets
 * Manager), wired into real SDK v3 client objects with aws-sdk-client-mock `callsFake`. It exists because no AWS
 * account is reachable here. It keeps state between calls (created target groups show up in later describes),
 * pages with the real token fields, answers with the SDK's real exception classes / error codes (see
 * fake-core.ts, fake-elbv2.ts, fake-ec2.ts, fake-ssm.ts for what each service models), lets a test inject
 * throttling, and lets a test decide what an SSM command does on an instance — e.g. `runDocumentLocally` runs the
 * document with the real shell against a local directory standing in for that instance.
 *
 *   const aws = createFakeAws({ instances: brokerInstances(3, { cluster: 'orders' }), securityGroupIds: ['sg-0abc12345'] });
 *   const lb = new AwsLoadBalancer({ elbv2: aws.clients.elbv2, ec2: aws.clients.ec2 });
 *   aws.calls('elbv2')  // what was called, with inputs
 *
 * Any command the model does not know rejects with an error naming it (no silent `undefined`).
 */
import * as ec2 from '@aws-sdk/client-ec2';
import * as elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as secretsManager from '@aws-sdk/client-secrets-manager';
import * as ssm from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError, type FakeService, IdSource, type RecordedCall, THROTTLE_CODE } from './fake-core.ts';
import { makeEc2Model } from './fake-ec2.ts';
import { makeElbv2Model } from './fake-elbv2.ts';
import { type CommandHook, makeSecretsManagerModel, makeSsmModel } from './fake-ssm.ts';
import type { FakeAwsState, FakeInstance, FakeParameter } from './fake-state.ts';

export type { RecordedCall } from './fake-core.ts';
export type { CommandHook, CommandRequest } from './fake-ssm.ts';
export type * from './fake-state.ts';

export const FAKE_LOAD_BALANCER_ARN =
  'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/kafka-nlb/0123456789abcdef';
export const FAKE_VPC_ID = 'vpc-0abc12345';

export interface FakeAwsOptions {
  loadBalancerArn?: string;
  vpcId?: string;
  instances?: FakeInstance[];
  /** Zone name → zone id. Default us-west-2a/b/c → usw2-az1/2/3. */
  zones?: Record<string, string>;
  /** Zone names the NLB has subnets in (default: every zone of `zones`). */
  loadBalancerZones?: string[];
  /** Security groups that exist (empty). */
  securityGroupIds?: string[];
  /** Inbound rules per security group (default 60, AWS's default quota). */
  securityGroupRuleQuota?: number;
  /** SSM Command documents by name (what CreateDocument would have registered). */
  documents?: Record<string, unknown>;
  secrets?: Record<string, string>;
  parameters?: Record<string, string | Partial<FakeParameter>>;
  /** Page sizes the model uses at most (to force pagination in tests). */
  pageSize?: Partial<{ ec2: number; elbv2: number; ssm: number }>;
  /** What an SSM command does on an instance. Default: succeeds with empty output. */
  onCommand?: CommandHook;
  /** GetCommandInvocation answers InvocationDoesNotExist this many times after a send. Default 1. */
  invisiblePolls?: number;
  /** Then InProgress this many times. Default 1. */
  inProgressPolls?: number;
}

export interface FakeAws {
  clients: {
    ec2: ec2.EC2Client;
    elbv2: elbv2.ElasticLoadBalancingV2Client;
    ssm: ssm.SSMClient;
    secretsManager: secretsManager.SecretsManagerClient;
  };
  state: FakeAwsState;
  /** Calls so far, optionally of one service / operation. */
  calls(service?: FakeService, operation?: string): RecordedCall[];
  resetCalls(): void;
  /** The next `times` calls of `operation` fail with the service's throttling error. */
  throttle(service: FakeService, operation: string, times: number): void;
  /**
   * Runs `effect` right after the next successful call of `operation` (before the caller sees the answer): how a
   * test stages a race, e.g. another execution creating the same resource in between two calls.
   */
  afterNext(service: FakeService, operation: string, effect: (state: FakeAwsState) => void): void;
  /** The next `times` calls of `operation` fail with AWS error `code`. */
  fail(service: FakeService, operation: string, code: string, times?: number): void;
  setCommandHook(hook: CommandHook | undefined): void;
  /** Resolves when every SSM command sent so far has an outcome. */
  commandsSettled(): Promise<void>;
  restore(): void;
}

/** `count` running broker instances tagged for discovery: node ids 1..count, spread over three zones. */
export function brokerInstances(
  count: number,
  options: { cluster?: string; clusterTag?: string; nodeIdTag?: string; firstId?: number } = {},
): FakeInstance[] {
  const zones = ['us-west-2a', 'us-west-2b', 'us-west-2c'];
  return Array.from({ length: count }, (_, index) => {
    const id = (options.firstId ?? 1) + index;
    return {
      instanceId: `i-${(0x1000 + id).toString(16).padStart(17, '0')}`,
      privateIp: `10.0.${Math.floor(id / 250)}.${(id % 250) + 1}`,
      az: zones[index % zones.length]!,
      state: 'running' as const,
      launchTime: new Date('2026-01-01T00:00:00Z'),
      tags: {
        [options.clusterTag ?? 'brokerlink:cluster']: options.cluster ?? 'orders',
        [options.nodeIdTag ?? 'kafka-node-id']: String(id),
      },
    };
  });
}

export function createFakeAws(options: FakeAwsOptions = {}): FakeAws {
  const loadBalancerArn = options.loadBalancerArn ?? FAKE_LOAD_BALANCER_ARN;
  const arnParts = loadBalancerArn.split(':');
  const zones = options.zones ?? { 'us-west-2a': 'usw2-az1', 'us-west-2b': 'usw2-az2', 'us-west-2c': 'usw2-az3' };
  const state: FakeAwsState = {
    region: arnParts[3] ?? 'us-west-2',
    accountId: arnParts[4] ?? '123456789012',
    loadBalancer: {
      arn: loadBalancerArn,
      vpcId: options.vpcId ?? FAKE_VPC_ID,
      zones: options.loadBalancerZones ?? Object.keys(zones),
    },
    instances: options.instances ?? [],
    zones,
    targetGroups: new Map(),
    listeners: new Map(),
    securityGroups: new Map((options.securityGroupIds ?? []).map((id) => [id, []])),
    securityGroupRuleQuota: options.securityGroupRuleQuota ?? 60,
    parameters: new Map(),
    documents: new Map(Object.entries(options.documents ?? {})),
    invocations: new Map(),
    secrets: new Map(Object.entries(options.secrets ?? {})),
    endpointServices: new Map(),
    faults: [],
    calls: [],
  };
  for (const [name, value] of Object.entries(options.parameters ?? {})) {
    const given = typeof value === 'string' ? { value } : value;
    state.parameters.set(name, {
      name,
      value: given.value ?? '',
      type: given.type ?? 'String',
      version: given.version ?? 1,
      tier: given.tier ?? 'Standard',
      lastModified: given.lastModified ?? new Date(),
    });
  }

  const ids = new IdSource();
  const pageSize = { ec2: 1000, elbv2: 400, ssm: 10, ...options.pageSize };
  let hook = options.onCommand;
  const afterHooks: { service: FakeService; operation: string; effect: (state: FakeAwsState) => void }[] = [];
  const models = {
    ec2: makeEc2Model(state, ids, pageSize),
    elbv2: makeElbv2Model(state, ids, pageSize),
    ssm: makeSsmModel(state, ids, {
      pageSize,
      onCommand: () => hook,
      invisiblePolls: options.invisiblePolls ?? 1,
      inProgressPolls: options.inProgressPolls ?? 1,
    }),
    secretsManager: makeSecretsManagerModel(state),
  };
  const credentials = { accessKeyId: 'FAKEKEY', secretAccessKey: 'FAKESECRET' };
  const config = { region: state.region, credentials };
  const clients = {
    ec2: new ec2.EC2Client(config),
    elbv2: new elbv2.ElasticLoadBalancingV2Client(config),
    ssm: new ssm.SSMClient(config),
    secretsManager: new secretsManager.SecretsManagerClient(config),
  };
  const modules: Record<FakeService, Record<string, unknown>> = { ec2, elbv2, ssm, secretsManager };
  const mocks = (Object.keys(clients) as FakeService[]).map((service) => {
    const mock = mockClient(clients[service] as ec2.EC2Client);
    mock.onAnyCommand().callsFake(() => {
      throw new Error(`fake AWS: a ${service} command the fake does not model was sent`);
    });
    const model = models[service] as Record<string, (input: never) => unknown>;
    for (const [operation, handler] of Object.entries(model)) {
      const command = modules[service][`${operation}Command`];
      if (typeof command !== 'function') throw new Error(`fake AWS: no SDK command ${service}:${operation}Command`);
      mock.on(command as typeof ec2.DescribeInstancesCommand).callsFake(async (input: Record<string, unknown>) => {
        const call: RecordedCall = { service, operation, input: structuredClone(input) };
        state.calls.push(call);
        try {
          const fault = state.faults.find((f) => f.service === service && f.operation === operation && f.remaining > 0);
          if (fault !== undefined) {
            fault.remaining -= 1;
            throw awsError(service, fault.code, `injected ${fault.code}`);
          }
          const output = structuredClone(handler(structuredClone(input) as never));
          const after = afterHooks.findIndex((h) => h.service === service && h.operation === operation);
          if (after >= 0) afterHooks.splice(after, 1)[0]!.effect(state);
          return output;
        } catch (error) {
          call.error = (error as Error).name;
          throw error;
        }
      });
    }
    return mock;
  });

  return {
    clients,
    state,
    calls: (service, operation) =>
      state.calls.filter(
        (call) =>
          (service === undefined || call.service === service) &&
          (operation === undefined || call.operation === operation),
      ),
    resetCalls: () => {
      state.calls.length = 0;
    },
    throttle: (service, operation, times) => {
      state.faults.push({ service, operation, remaining: times, code: THROTTLE_CODE[service] });
    },
    afterNext: (service, operation, effect) => {
      afterHooks.push({ service, operation, effect });
    },
    fail: (service, operation, code, times = 1) => {
      state.faults.push({ service, operation, remaining: times, code });
    },
    setCommandHook: (next) => {
      hook = next;
    },
    commandsSettled: async () => {
      await Promise.all(
        [...state.invocations.values()].filter((i) => i.undelivered !== true).map((invocation) => invocation.outcome),
      );
      await new Promise((resolve) => setImmediate(resolve));
    },
    restore: () => {
      for (const mock of mocks) mock.restore();
    },
  };
}
