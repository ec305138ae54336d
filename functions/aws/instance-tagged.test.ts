import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { TriggerEventInvalid } from '../../shared/triggers/errors.ts';
import { createLogger } from './log.ts';
import { onInstanceTagged } from './triggers.ts';

const PROVISION = 'arn:aws:states:us-west-2:123456789012:stateMachine:brokerlink-provision-dev';
const INSTANCE = 'i-0123456789abcdef0';
const ec2 = mockClient(EC2Client);
const sfn = mockClient(SFNClient);
afterEach(() => {
  ec2.reset();
  sfn.reset();
});

const tagEvent = (
  tags: Record<string, string>,
  changed = ['brokerlink:cluster'],
  id = 'c0ffee00-0000-4000-8000-000000000001',
) => ({
  version: '0',
  id,
  'detail-type': 'Tag Change on Resource',
  source: 'aws.tag',
  account: '123456789012',
  time: '2026-01-10T21:29:54Z',
  region: 'us-west-2',
  resources: [`arn:aws:ec2:us-west-2:123456789012:instance/${INSTANCE}`],
  detail: { 'changed-tag-keys': changed, service: 'ec2', 'resource-type': 'instance', version: 3, tags },
});

function deps() {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    deps: {
      ec2: new EC2Client({ region: 'us-west-2' }),
      sfn: new SFNClient({ region: 'us-west-2' }),
      provisionStateMachineArn: PROVISION,
      clusterTag: 'brokerlink:cluster',
      log: createLogger({ write: (line) => lines.push(JSON.parse(line)) }),
    },
  };
}

const running = (tags: Record<string, string>, state = 'running') =>
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          {
            InstanceId: INSTANCE,
            State: { Name: state as 'running' },
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          },
        ],
      },
    ],
  });

describe('onInstanceTagged (Tag Change on Resource)', () => {
  it('starts provision apply for a running instance tagged with a cluster after launch, named after the event', async () => {
    const tags = { 'brokerlink:cluster': 'orders', 'kafka-node-id': '4' };
    running(tags);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${PROVISION}:x`, startDate: new Date() });
    const result = await onInstanceTagged(tagEvent(tags), deps().deps);
    expect(result).toMatchObject({ started: true, name: 'tagged-orders-c0ffee00-0000-4000-8000-000000000001' });
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    expect(input).toEqual({ cluster: 'orders', mode: 'apply', trigger: 'instance-tagged', waitForLock: true });
  });

  it('ignores a stopped instance (its instance-running event enrols it) and one without the cluster tag', async () => {
    running({ 'brokerlink:cluster': 'orders' }, 'stopped');
    expect(await onInstanceTagged(tagEvent({ 'brokerlink:cluster': 'orders' }), deps().deps)).toEqual({
      started: false,
      reason: 'state stopped',
    });
    ec2.reset();
    running({ Name: 'x' });
    expect(await onInstanceTagged(tagEvent({ Name: 'x' }, ['Name']), deps().deps)).toEqual({
      started: false,
      reason: 'no cluster tag',
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses an event that is not a tag change of an EC2 instance, naming the field', async () => {
    const event = { ...tagEvent({}), detail: { ...tagEvent({}).detail, service: 's3' } };
    await expect(onInstanceTagged(event, deps().deps)).rejects.toThrow(TriggerEventInvalid);
    await expect(onInstanceTagged(event, deps().deps)).rejects.toThrow(/detail\.service/);
  });
});
