import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  CreateTargetGroupCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DuplicateTargetGroupNameException,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerInstances, createFakeAws, FAKE_VPC_ID, type FakeAws } from './fake-aws.ts';
import { fakeAwsServices, type HttpFront, serveOverHttp } from './http-front.ts';

let front: HttpFront | undefined;
let aws: FakeAws | undefined;
afterEach(async () => {
  await front?.close();
  aws?.restore();
  front = undefined;
  aws = undefined;
});

async function start() {
  aws = createFakeAws({ instances: brokerInstances(3), secrets: { 'brokerlink/orders/kafka': '{"password":"pw"}' } });
  front = await serveOverHttp(fakeAwsServices(aws));
  // Real, unmocked clients: the SDK's serializers, HTTP, the SDK's deserializers and error classes.
  const config = {
    region: 'us-west-2',
    endpoint: front.endpoint,
    credentials: { accessKeyId: 'FAKEKEY', secretAccessKey: 'FAKESECRET' },
    maxAttempts: 1,
  };
  return {
    ec2: new EC2Client(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    ssm: new SSMClient(config),
    secrets: new SecretsManagerClient(config),
  };
}

describe('fake AWS over HTTP (real SDK clients on the wire)', () => {
  it('decodes EC2 filters and lists, and answers what the fake model answers in-process', async () => {
    const { ec2 } = await start();
    const input = {
      Filters: [
        { Name: 'tag:brokerlink:cluster', Values: ['orders'] },
        { Name: 'instance-state-name', Values: ['running', 'pending'] },
      ],
    };
    const wire = await ec2.send(new DescribeInstancesCommand(input));
    const direct = await aws!.clients.ec2.send(new DescribeInstancesCommand(input));
    expect(wire.Reservations).toEqual(direct.Reservations);
    expect(wire.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(3);
    expect(aws!.calls('ec2', 'DescribeInstances')[0]!.input).toEqual(input);
    expect(front!.requests).toEqual(['ec2:DescribeInstances']);
  });

  it('round-trips ELBv2 calls, tags and the modeled exception class of a query error', async () => {
    const { elbv2 } = await start();
    const group = {
      Name: 'bl-orders-external-9093',
      Protocol: 'TCP' as const,
      Port: 39092,
      VpcId: FAKE_VPC_ID,
      TargetType: 'instance' as const,
      Tags: [{ Key: 'brokerlink:cluster', Value: 'orders' }],
    };
    const created = await elbv2.send(new CreateTargetGroupCommand(group));
    const arn = created.TargetGroups![0]!.TargetGroupArn!;
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: 'i-00000000000001001' }] }));
    await elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: 'brokerlink:port', Value: '9093' }] }));
    const tags = await elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
    expect(tags.TagDescriptions?.[0]?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'brokerlink:cluster', Value: 'orders' },
        { Key: 'brokerlink:port', Value: '9093' },
      ]),
    );
    const described = await elbv2.send(new DescribeTargetGroupsCommand({ Names: [group.Name] }));
    expect(described.TargetGroups?.[0]).toMatchObject({ TargetGroupArn: arn, Port: 39092, Protocol: 'TCP' });
    const error = await elbv2.send(new CreateTargetGroupCommand({ ...group, Port: 9999 })).catch((e) => e);
    expect(error).toBeInstanceOf(DuplicateTargetGroupNameException);
  });

  it('round-trips SSM JSON calls with dates and the modeled exception class', async () => {
    const { ssm } = await start();
    await ssm.send(new PutParameterCommand({ Name: '/brokerlink/orders/spec', Value: 'a: 1', Type: 'String' }));
    const read = await ssm.send(new GetParameterCommand({ Name: '/brokerlink/orders/spec' }));
    expect(read.Parameter).toMatchObject({ Name: '/brokerlink/orders/spec', Value: 'a: 1', Version: 1 });
    expect(read.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    const again = await ssm
      .send(new PutParameterCommand({ Name: '/brokerlink/orders/spec', Value: 'b', Type: 'String' }))
      .catch((e) => e);
    expect(again).toBeInstanceOf(ParameterAlreadyExists);
    const listed = await ssm.send(new GetParametersByPathCommand({ Path: '/brokerlink/orders' }));
    expect(listed.Parameters?.map((p) => p.Name)).toEqual(['/brokerlink/orders/spec']);
  });

  it('serves Secrets Manager and answers an unknown secret with its error code', async () => {
    const { secrets } = await start();
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: 'brokerlink/orders/kafka' }));
    expect(value.SecretString).toBe('{"password":"pw"}');
    const missing = await secrets.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e) => e);
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('answers EC2 errors in the EC2 error format (the code becomes the SDK error name)', async () => {
    const { ec2 } = await start();
    aws!.fail('ec2', 'DescribeInstances', 'InvalidInstanceID.Malformed');
    const error = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-bad'] })).catch((e) => e);
    expect(error.name).toBe('InvalidInstanceID.Malformed');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});
