import { DescribeInstancesCommand, StartInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateTargetGroupCommand,
  DescribeTagsCommand,
  DuplicateTargetGroupNameException,
  paginateDescribeTargetGroups,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParametersByPathCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { ssmDocumentContent } from '../ssm-document.ts';
import { brokerInstances, createFakeAws } from './fake-aws.ts';

const tgInput = (name: string, port = 39092) => ({
  Name: name,
  Protocol: 'TCP' as const,
  Port: port,
  VpcId: 'vpc-0abc12345',
  TargetType: 'instance' as const,
  HealthCheckProtocol: 'TCP' as const,
});

describe('fake AWS model', () => {
  it('rejects commands it does not model instead of answering undefined', async () => {
    const aws = createFakeAws();
    await expect(aws.clients.ec2.send(new StartInstancesCommand({ InstanceIds: ['i-1'] }))).rejects.toThrow(
      /does not model/,
    );
  });

  it('returns the existing target group for identical settings and DuplicateTargetGroupName otherwise', async () => {
    const aws = createFakeAws();
    const first = await aws.clients.elbv2.send(new CreateTargetGroupCommand(tgInput('bl-a')));
    const again = await aws.clients.elbv2.send(new CreateTargetGroupCommand(tgInput('bl-a')));
    expect(again.TargetGroups?.[0]?.TargetGroupArn).toBe(first.TargetGroups?.[0]?.TargetGroupArn);
    const error = await aws.clients.elbv2.send(new CreateTargetGroupCommand(tgInput('bl-a', 9999))).catch((e) => e);
    expect(error).toBeInstanceOf(DuplicateTargetGroupNameException);
    expect(aws.state.targetGroups.size).toBe(1);
  });

  it('pages describes with the SDK paginator and limits DescribeTags to 20 ARNs', async () => {
    const aws = createFakeAws({ pageSize: { elbv2: 4 } });
    for (let i = 0; i < 10; i++) await aws.clients.elbv2.send(new CreateTargetGroupCommand(tgInput(`bl-${i}`)));
    const pages = [];
    for await (const page of paginateDescribeTargetGroups({ client: aws.clients.elbv2 }, {})) pages.push(page);
    expect(pages.map((p) => p.TargetGroups?.length)).toEqual([4, 4, 2]);
    const arns = Array.from({ length: 21 }, () => [...aws.state.targetGroups.keys()][0]!);
    await expect(aws.clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: arns }))).rejects.toThrow(/1-20/);
  });

  it('injects throttling with the service error code and SDK metadata', async () => {
    const aws = createFakeAws({ instances: brokerInstances(1) });
    aws.throttle('ec2', 'DescribeInstances', 2);
    for (let i = 0; i < 2; i++) {
      const error = await aws.clients.ec2.send(new DescribeInstancesCommand({})).catch((e) => e);
      expect(error).toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 400 } });
    }
    expect((await aws.clients.ec2.send(new DescribeInstancesCommand({}))).Reservations).toHaveLength(1);
  });

  it('runs commands only for registered documents; a stopped instance accepts one that is never delivered', async () => {
    const instances = brokerInstances(3);
    instances[1]!.state = 'stopped';
    instances[2]!.agent = 'unregistered';
    const aws = createFakeAws({ instances, documents: { Mine: ssmDocumentContent() } });
    const send = (documentName: string, instanceId: string) =>
      aws.clients.ssm
        .send(
          new SendCommandCommand({
            DocumentName: documentName,
            InstanceIds: [instanceId],
            Parameters: { action: ['read'] },
          }),
        )
        .catch((e: Error) => e.name);
    expect(await send('AWS-RunShellScript', instances[0]!.instanceId)).toBe('InvalidDocument');
    // AWS: InvalidInstanceId until the agent has registered (just booted); a stopped instance is a valid target.
    expect(await send('Mine', instances[2]!.instanceId)).toBe('InvalidInstanceId');
    const stopped = (await send('Mine', instances[1]!.instanceId)) as { Command: { CommandId: string } };
    expect(stopped).toMatchObject({ Command: { Status: 'Pending' } });
    for (let poll = 0; poll < 4; poll++) {
      const answer = await aws.clients.ssm
        .send(
          new GetCommandInvocationCommand({
            CommandId: stopped.Command.CommandId,
            InstanceId: instances[1]!.instanceId,
          }),
        )
        .catch((e: Error) => ({ Status: e.name }));
      expect(answer.Status).toMatch(/^(InvocationDoesNotExist|Pending)$/);
    }
    expect(await send('Mine', instances[0]!.instanceId)).toMatchObject({ Command: { Status: 'Pending' } });
    await aws.commandsSettled();
  });

  it('lists the registered agents with their ping status (DescribeInstanceInformation)', async () => {
    const instances = brokerInstances(3);
    instances[1]!.state = 'stopped';
    instances[2]!.agent = 'unregistered';
    const aws = createFakeAws({ instances });
    const answer = await aws.clients.ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: instances.map((instance) => instance.instanceId) }],
      }),
    );
    expect(answer.InstanceInformationList?.map((info) => [info.InstanceId, info.PingStatus])).toEqual([
      [instances[0]!.instanceId, 'Online'],
      [instances[1]!.instanceId, 'ConnectionLost'],
    ]);
  });

  it('lists direct children of a parameter path unless recursive, 10 at most per page', async () => {
    const parameters: Record<string, string> = { '/a/b/c': 'deep' };
    for (let i = 0; i < 12; i++) parameters[`/a/${String(i).padStart(2, '0')}`] = String(i);
    const aws = createFakeAws({ parameters });
    const page = await aws.clients.ssm.send(new GetParametersByPathCommand({ Path: '/a' }));
    expect(page.Parameters).toHaveLength(10);
    expect(page.NextToken).toBeDefined();
    const rest = await aws.clients.ssm.send(new GetParametersByPathCommand({ Path: '/a', NextToken: page.NextToken }));
    expect(rest.Parameters?.map((p) => p.Name)).toEqual(['/a/10', '/a/11']);
    const deep = await aws.clients.ssm.send(
      new GetParametersByPathCommand({ Path: '/a', Recursive: true, NextToken: page.NextToken }),
    );
    expect(deep.Parameters?.map((p) => p.Name)).toEqual(['/a/10', '/a/11', '/a/b/c']);
  });
});
