/*
 * Test support: "an AWS" for the parity suite (../parity.test.ts) — the same adapter scenarios run against two
 * independent implementations through real, unmocked SDK clients over HTTP:
 *  - `fake`: the stateful model of this folder, served in AWS's wire protocols by ./http-front.ts;
 *  - `moto`: moto_server (./moto-server.ts), which nobody here wrote.
 * Each backend seeds the same world (a VPC with a subnet in three zones, an internal NLB with a security group, a
 * second security group for the brokers) its own way — the fake by arranging its state, moto through its API — and
 * launches broker instances with tags. Where moto lacks a behaviour AWS documents, `gaps` says so and the suite
 * works around it (docs/aws-adapters.md lists every difference).
 */
import * as ec2 from '@aws-sdk/client-ec2';
import * as elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createFakeAws, FAKE_LOAD_BALANCER_ARN, FAKE_VPC_ID, type FakeAws } from './fake-aws.ts';
import { fakeAwsServices, type HttpFront, serveOverHttp } from './http-front.ts';
import type { MotoServer } from './moto-server.ts';

export const ZONES = ['us-west-2a', 'us-west-2b', 'us-west-2c'] as const;

/** What moto does not do as AWS documents it (each one is worked around where a scenario needs it). */
export type MotoGap =
  /** CreateTargetGroup with identical settings answers DuplicateTargetGroupName instead of returning the group. */
  | 'target-group-create-not-idempotent'
  /** CreateListener on a port that has a listener creates a second one instead of returning it / DuplicateListener. */
  | 'listener-create-not-idempotent'
  /** CreateLoadBalancer Type=network gets an `loadbalancer/app/` ARN instead of `loadbalancer/net/`. */
  | 'nlb-arn-says-app'
  /** DescribeInstanceInformation is not implemented (answers an HTML page). */
  | 'no-instance-information'
  /** RegisterTargets accepts an instance id that does not exist. */
  | 'unknown-target-registered'
  /** DescribeTags > 20 ARNs, > 50 listeners per NLB, Standard parameters > 4 KB: all accepted. */
  | 'quotas-not-enforced'
  /** DescribeSecurityGroupRules leaves out the Description of a rule whose source is a security group. */
  | 'group-rule-description-dropped';

export interface AwsClients {
  ec2: ec2.EC2Client;
  elbv2: elbv2.ElasticLoadBalancingV2Client;
  ssm: SSMClient;
  secretsManager: SecretsManagerClient;
}

export interface World {
  vpcId: string;
  loadBalancerArn: string;
  /** The NLB's security group (consumer ingress). */
  securityGroupId: string;
  /** The brokers' security group. */
  brokerSecurityGroupId: string;
}

export interface LaunchedInstance {
  instanceId: string;
  privateIp: string;
  az: string;
}

export interface AwsBackend {
  name: 'fake' | 'moto';
  clients: AwsClients;
  world: World;
  gaps: ReadonlySet<MotoGap>;
  launch(instance: { az: string; tags: Record<string, string> }): Promise<LaunchedInstance>;
  stop(instanceId: string): Promise<void>;
  close(): Promise<void>;
}

function clientsFor(endpoint: string): AwsClients {
  const config = {
    region: 'us-west-2',
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 2,
  };
  return {
    ec2: new ec2.EC2Client(config),
    elbv2: new elbv2.ElasticLoadBalancingV2Client(config),
    ssm: new SSMClient(config),
    secretsManager: new SecretsManagerClient(config),
  };
}

/** The fake model behind its HTTP front. `fake` is exposed for tests that need to look inside. */
export async function fakeBackend(): Promise<AwsBackend & { fake: FakeAws }> {
  const world: World = {
    vpcId: FAKE_VPC_ID,
    loadBalancerArn: FAKE_LOAD_BALANCER_ARN,
    securityGroupId: 'sg-0abc12345',
    brokerSecurityGroupId: 'sg-0bbb22222',
  };
  const fake = createFakeAws({ securityGroupIds: [world.securityGroupId, world.brokerSecurityGroupId] });
  let front: HttpFront | undefined;
  try {
    front = await serveOverHttp(fakeAwsServices(fake));
  } catch (error) {
    fake.restore();
    throw error;
  }
  let launched = 0;
  return {
    name: 'fake',
    fake,
    clients: clientsFor(front.endpoint),
    world,
    gaps: new Set(),
    launch: async ({ az, tags }) => {
      launched += 1;
      const instanceId = `i-${(0xa000 + launched).toString(16).padStart(17, '0')}`;
      const privateIp = `10.0.${ZONES.indexOf(az as (typeof ZONES)[number])}.${10 + launched}`;
      fake.state.instances.push({ instanceId, privateIp, az, state: 'running', tags });
      return { instanceId, privateIp, az };
    },
    stop: async (instanceId) => {
      const instance = fake.state.instances.find((candidate) => candidate.instanceId === instanceId);
      if (instance !== undefined) instance.state = 'stopped';
    },
    close: async () => {
      await front?.close();
      fake.restore();
    },
  };
}

/** A fresh account on a running moto server (reset first), seeded through moto's API. */
export async function motoBackend(server: MotoServer): Promise<AwsBackend> {
  await server.reset();
  const clients = clientsFor(server.endpoint);
  const vpc = await clients.ec2.send(new ec2.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnets = new Map<string, string>();
  for (const [index, az] of ZONES.entries()) {
    const subnet = await clients.ec2.send(
      new ec2.CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${index}.0/24`, AvailabilityZone: az }),
    );
    subnets.set(az, subnet.Subnet!.SubnetId!);
  }
  const group = async (name: string) =>
    (
      await clients.ec2.send(
        new ec2.CreateSecurityGroupCommand({ GroupName: name, Description: `brokerlink test ${name}`, VpcId: vpcId }),
      )
    ).GroupId!;
  const securityGroupId = await group('kafka-nlb');
  const brokerSecurityGroupId = await group('kafka-brokers');
  const nlb = await clients.elbv2.send(
    new elbv2.CreateLoadBalancerCommand({
      Name: 'kafka-nlb',
      Type: 'network',
      Scheme: 'internal',
      Subnets: [...subnets.values()],
      SecurityGroups: [securityGroupId],
    }),
  );
  const world: World = {
    vpcId,
    loadBalancerArn: nlb.LoadBalancers![0]!.LoadBalancerArn!,
    securityGroupId,
    brokerSecurityGroupId,
  };
  return {
    name: 'moto',
    clients,
    world,
    gaps: new Set<MotoGap>([
      'target-group-create-not-idempotent',
      'listener-create-not-idempotent',
      'nlb-arn-says-app',
      'no-instance-information',
      'unknown-target-registered',
      'quotas-not-enforced',
      'group-rule-description-dropped',
    ]),
    launch: async ({ az, tags }) => {
      const answer = await clients.ec2.send(
        new ec2.RunInstancesCommand({
          ImageId: 'ami-12c6146b',
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnets.get(az),
          SecurityGroupIds: [brokerSecurityGroupId],
          TagSpecifications: [
            { ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
          ],
        }),
      );
      const instance = answer.Instances![0]!;
      return { instanceId: instance.InstanceId!, privateIp: instance.PrivateIpAddress!, az };
    },
    stop: async (instanceId) => {
      await clients.ec2.send(new ec2.StopInstancesCommand({ InstanceIds: [instanceId] }));
    },
    close: async () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
