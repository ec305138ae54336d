/*
 * FAKE (test support): the Alibaba Cloud endpoints brokerlink's real SDK clients call, in one stateful process
 * model behind one signed RPC gateway (rpc-server.ts) — ECS with Cloud Assistant (fake-ecs.ts, running commands
 * with bash through cloud-assistant-agent.ts), NLB (fake-nlb.ts), PrivateLink (fake-privatelink.ts) and KMS
 * (fake-kms.ts). The documented rules and quotas are enforced there; each file says which.
 *
 *   const fake = await startFakeAlibaba({ instances, mountPoint });
 *   const clients = createAlicloudClients(fake.clientOptions);
 *   …
 *   await fake.close();
 */
import type { AlicloudClientOptions } from '../clients.ts';
import { createCloudAssistantAgent } from './cloud-assistant-agent.ts';
import { type EcsState, ecsService, type FakeInstance, SECURITY_GROUP_RULE_QUOTA } from './fake-ecs.ts';
import { kmsService } from './fake-kms.ts';
import { DEFAULT_LISTENER_QUOTA, type FakeLoadBalancer, type NlbState, nlbService } from './fake-nlb.ts';
import { type PrivateLinkState, privateLinkService } from './fake-privatelink.ts';
import {
  FAKE_ACCESS_KEY_ID,
  FAKE_ACCESS_KEY_SECRET,
  type FakeGateway,
  type RpcService,
  startFakeGateway,
} from './rpc-server.ts';

export const FAKE_REGION = 'ap-southeast-1';
export const FAKE_VPC_ID = 'vpc-t4nfx2vcqazc862e9fg06';
export const FAKE_NLB_ID = 'nlb-o21d6wyjknamw8hjxb';
export const FAKE_SECURITY_GROUP_ID = 'sg-t4n0kafkabrokers';
export const FAKE_ZONES = [
  { zoneId: 'ap-southeast-1a', vSwitchId: 'vsw-t4nbrokera' },
  { zoneId: 'ap-southeast-1b', vSwitchId: 'vsw-t4nbrokerb' },
  { zoneId: 'ap-southeast-1c', vSwitchId: 'vsw-t4nbrokerc' },
] as const;

export interface FakeAlibabaOptions {
  instances?: FakeInstance[];
  /** Where instance folders are mounted for Cloud Assistant commands (see cloud-assistant-agent.ts). */
  mountPoint?: string;
  /** GetJobStatus polls until an NLB job reports Succeeded (default 2). */
  jobPolls?: number;
  listenerQuota?: number;
  ruleQuota?: number;
  secrets?: Record<string, string>;
  agentEnv?: NodeJS.ProcessEnv;
  /** Services added to the gateway (CloudFlow in the test bed). */
  extraServices?: RpcService[];
}

export interface FakeAlibaba {
  gateway: FakeGateway;
  ecs: EcsState;
  nlb: NlbState;
  privateLink: PrivateLinkState;
  secrets: Map<string, string>;
  /** Options for `createAlicloudClients` that point the real clients at this fake. */
  clientOptions: AlicloudClientOptions;
  /** The consumer (e.g. TiDB Cloud) creates an endpoint to the service; returns its endpoint id. */
  consumerConnects(serviceName: string, accountId: string): string;
  close(): Promise<void>;
}

export async function startFakeAlibaba(options: FakeAlibabaOptions = {}): Promise<FakeAlibaba> {
  const agent = createCloudAssistantAgent({ mountPoint: options.mountPoint ?? '/nonexistent-mount-point' });
  const ecs: EcsState = {
    regionId: FAKE_REGION,
    instances: new Map((options.instances ?? []).map((instance) => [instance.instanceId, instance])),
    securityGroups: new Map([[FAKE_SECURITY_GROUP_ID, { vpcId: FAKE_VPC_ID, rules: [] }]]),
    invocations: new Map(),
    ruleQuota: options.ruleQuota ?? SECURITY_GROUP_RULE_QUOTA,
    agent,
    ...(options.agentEnv === undefined ? {} : { agentEnv: options.agentEnv }),
  };
  const loadBalancer: FakeLoadBalancer = {
    loadBalancerId: FAKE_NLB_ID,
    vpcId: FAKE_VPC_ID,
    dnsName: `${FAKE_NLB_ID}.${FAKE_REGION}.nlb.aliyuncsslbintl.com`,
    zones: FAKE_ZONES.map((zone) => ({ ...zone })),
    crossZoneEnabled: true,
  };
  const nlb: NlbState = {
    regionId: FAKE_REGION,
    loadBalancers: new Map([[FAKE_NLB_ID, loadBalancer]]),
    serverGroups: new Map(),
    listeners: new Map(),
    jobs: new Map(),
    jobPolls: options.jobPolls ?? 2,
    listenerQuota: options.listenerQuota ?? DEFAULT_LISTENER_QUOTA,
    ecs,
  };
  const privateLink: PrivateLinkState = { regionId: FAKE_REGION, services: new Map(), activateAfterReads: 2, nlb };
  const secrets = new Map(Object.entries(options.secrets ?? {}));
  const pl = privateLinkService(privateLink);
  const gateway = await startFakeGateway([
    ecsService(ecs),
    nlbService(nlb),
    pl,
    kmsService(secrets),
    ...(options.extraServices ?? []),
  ]);
  return {
    gateway,
    ecs,
    nlb,
    privateLink,
    secrets,
    clientOptions: {
      region: FAKE_REGION,
      endpoint: gateway.endpoint,
      protocol: 'http',
      credentials: { accessKeyId: FAKE_ACCESS_KEY_ID, accessKeySecret: FAKE_ACCESS_KEY_SECRET },
    },
    consumerConnects: (serviceName, accountId) => pl.consumerConnects(serviceName, accountId),
    async close() {
      agent.stopAll();
      await gateway.close();
    },
  };
}
