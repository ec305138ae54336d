import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { TriggerEventInvalid } from './errors.ts';
import { createLogger } from './log.ts';
import { onInstanceRunning, onSchedule, onSpecChanged } from './triggers.ts';

const PROVISION = 'arn:aws:states:us-west-2:123456789012:stateMachine:brokerlink-provision-dev';
const DRIFT = 'arn:aws:states:us-west-2:123456789012:stateMachine:brokerlink-drift-check-dev';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const sfn = mockClient(SFNClient);
let lines: Record<string, unknown>[] = [];
const log = createLogger({ write: (line) => lines.push(JSON.parse(line)) });

/** Step Functions' StartExecution semantics for names: same name + same input while running → same execution. */
function stateMachineService() {
  const executions = new Map<string, { input: string; status: 'RUNNING' | 'SUCCEEDED' }>();
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string; input: string }) => {
    const arn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
    const existing = executions.get(arn);
    if (existing !== undefined && (existing.status !== 'RUNNING' || existing.input !== input.input)) {
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, $metadata: {} });
    }
    executions.set(arn, { input: input.input, status: 'RUNNING' });
    return { executionArn: arn, startDate: new Date() };
  });
  return executions;
}

const instanceEvent = (instanceId: string, state = 'running', id = '7bf73129-1428-4cd3-a780-95db273d1602') => ({
  version: '0',
  id,
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2026-01-10T21:29:54Z',
  region: 'us-west-2',
  resources: [`arn:aws:ec2:us-west-2:123456789012:instance/${instanceId}`],
  detail: { 'instance-id': instanceId, state },
});

const specEvent = (name: string, operation = 'Update', id = 'a8f4b2c7-0d0b-4a6f-9a55-6b1c55e0aa01') => ({
  version: '0',
  id,
  'detail-type': 'Parameter Store Change',
  source: 'aws.ssm',
  account: '123456789012',
  time: '2026-01-10T21:29:54Z',
  region: 'us-west-2',
  resources: [`arn:aws:ssm:us-west-2:123456789012:parameter${name}`],
  detail: { operation, name, type: 'String', description: '' },
});

const scheduleEvent = (time = '2026-01-10T21:00:00Z') => ({
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time,
  region: 'us-west-2',
  resources: ['arn:aws:events:us-west-2:123456789012:rule/brokerlink-drift'],
  detail: {},
});

function awsSpec(cluster: string) {
  return {
    cluster,
    provider: {
      aws: {
        region: 'us-west-2',
        loadBalancerArn:
          'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/kafka-nlb/0123456789abcdef',
        vpcId: 'vpc-0a1b2c3d4e5f67890',
        securityGroupId: 'sg-0a1b2c3d4e5f67890',
        consumerCidrs: ['10.100.0.0/16'],
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink:cluster': cluster }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/opt/kafka/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.0.0.11:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        bootstrapPort: 9092,
        brokerPorts: { from: 9093, to: 9141 },
        advertisedListenerPattern: { 'usw2-az1': '<broker_id>.usw2-az1.example.com:<port>' },
        securityProtocol: 'PLAINTEXT',
      },
    ],
    drift: { action: 'report' },
  };
}

beforeEach(() => {
  ec2.reset();
  ssm.reset();
  sfn.reset();
  lines = [];
});
afterEach(() => {
  ec2.reset();
  ssm.reset();
  sfn.reset();
});

describe('onInstanceRunning', () => {
  const deps = () => ({
    ec2: new EC2Client({ region: 'us-west-2' }),
    sfn: new SFNClient({ region: 'us-west-2' }),
    provisionStateMachineArn: PROVISION,
    clusterTag: 'brokerlink:cluster',
    log,
  });

  it('starts provision in apply mode for an instance tagged with a brokerlink cluster', async () => {
    stateMachineService();
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-0abc12345def67890'] }).resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-0abc12345def67890', Tags: [{ Key: 'brokerlink:cluster', Value: 'orders' }] }] },
      ],
    });
    const result = await onInstanceRunning(instanceEvent('i-0abc12345def67890'), deps());
    expect(result).toMatchObject({ started: true, alreadyStarted: false });
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toMatchObject({
      stateMachineArn: PROVISION,
      name: 'instance-orders-7bf73129-1428-4cd3-a780-95db273d1602',
    });
    expect(JSON.parse(calls[0]!.args[0].input.input!)).toEqual({
      cluster: 'orders',
      mode: 'apply',
      trigger: 'instance-running',
      waitForLock: true,
    });
  });

  it('starts one execution when EventBridge delivers the same event twice, before and after it finished', async () => {
    const executions = stateMachineService();
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-0abc12345def67890', Tags: [{ Key: 'brokerlink:cluster', Value: 'orders' }] }] },
      ],
    });
    const first = await onInstanceRunning(instanceEvent('i-0abc12345def67890'), deps());
    const second = await onInstanceRunning(instanceEvent('i-0abc12345def67890'), deps());
    for (const execution of executions.values()) execution.status = 'SUCCEEDED';
    const third = await onInstanceRunning(instanceEvent('i-0abc12345def67890'), deps());
    expect(executions.size).toBe(1);
    expect(first).toMatchObject({ started: true, alreadyStarted: false });
    expect(second).toMatchObject({ started: true });
    expect(third).toMatchObject({ started: true, alreadyStarted: true });
  });

  it('ignores an instance without the cluster tag, with a log line and no execution', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0abc12345def67890', Tags: [{ Key: 'Name', Value: 'web' }] }] }],
    });
    const result = await onInstanceRunning(instanceEvent('i-0abc12345def67890'), deps());
    expect(result).toEqual({ started: false, reason: 'no cluster tag' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(lines.some((line) => String(line['message']).includes('not a brokerlink broker'))).toBe(true);
  });

  it('ignores states other than running without calling EC2', async () => {
    const result = await onInstanceRunning(instanceEvent('i-0abc12345def67890', 'stopped'), deps());
    expect(result.started).toBe(false);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('refuses a cluster tag that is not a valid cluster name', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { InstanceId: 'i-0abc12345def67890', Tags: [{ Key: 'brokerlink:cluster', Value: 'Orders; rm -rf /' }] },
          ],
        },
      ],
    });
    const result = await onInstanceRunning(instanceEvent('i-0abc12345def67890'), deps());
    expect(result).toEqual({ started: false, reason: 'invalid cluster tag' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('rejects an event of another shape with TriggerEventInvalid naming the field', async () => {
    const event = { ...instanceEvent('i-0abc12345def67890'), detail: { state: 'running' } };
    await expect(onInstanceRunning(event, deps())).rejects.toThrow(TriggerEventInvalid);
    await expect(onInstanceRunning(event, deps())).rejects.toThrow(/detail\.instance-id/);
  });
});

describe('onSpecChanged', () => {
  const deps = () => ({
    ssm: new SSMClient({ region: 'us-west-2' }),
    sfn: new SFNClient({ region: 'us-west-2' }),
    provisionStateMachineArn: PROVISION,
    log,
  });

  it('validates the new spec and starts provision in apply mode named after the parameter version and the event', async () => {
    stateMachineService();
    ssm.on(GetParameterCommand, { Name: '/brokerlink/orders/spec' }).resolves({
      Parameter: { Name: '/brokerlink/orders/spec', Value: stringify(awsSpec('orders')), Version: 7 },
    });
    const result = await onSpecChanged(specEvent('/brokerlink/orders/spec'), deps());
    expect(result).toMatchObject({ started: true, name: 'spec-orders-v7-a8f4b2c7-0d0b' });
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    expect(input).toEqual({ cluster: 'orders', mode: 'apply', trigger: 'spec-change', waitForLock: true });
  });

  it('refuses an invalid spec with a log naming the field, and starts nothing', async () => {
    const spec = awsSpec('orders') as Record<string, unknown>;
    spec['exposures'] = [{ ...(awsSpec('orders').exposures[0] as object), bootstapPort: 9092 }];
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Name: '/brokerlink/orders/spec', Value: stringify(spec), Version: 8 },
    });
    const result = await onSpecChanged(specEvent('/brokerlink/orders/spec'), deps());
    expect(result).toEqual({ started: false, reason: 'spec invalid' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const refusal = lines.find((line) => line['level'] === 'error');
    expect(String(refusal?.['message'])).toContain('exposures[0]');
    expect(String(refusal?.['message'])).toContain('bootstapPort');
  });

  it('refuses a spec stored under another cluster name', async () => {
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Name: '/brokerlink/orders/spec', Value: stringify(awsSpec('payments')), Version: 2 },
    });
    const result = await onSpecChanged(specEvent('/brokerlink/orders/spec'), deps());
    expect(result).toEqual({ started: false, reason: 'spec is for another cluster' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('ignores parameters that are not specs and deletions, without reading them', async () => {
    expect(await onSpecChanged(specEvent('/brokerlink/orders/lock'), deps())).toMatchObject({ started: false });
    expect(await onSpecChanged(specEvent('/brokerlink/orders/spec', 'Delete'), deps())).toMatchObject({
      started: false,
    });
    expect(ssm.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('onSchedule', () => {
  it('starts one drift check per stored spec, named after the scheduled minute', async () => {
    const executions = stateMachineService();
    ssm.on(GetParametersByPathCommand, { Path: '/brokerlink', Recursive: true }).callsFake((input) =>
      input.NextToken === undefined
        ? {
            Parameters: [
              { Name: '/brokerlink/orders/spec', Value: 'x' },
              { Name: '/brokerlink/orders/lock', Value: 'x' },
            ],
            NextToken: 'page2',
          }
        : { Parameters: [{ Name: '/brokerlink/payments/spec', Value: 'x' }] },
    );
    const deps = {
      ssm: new SSMClient({ region: 'us-west-2' }),
      sfn: new SFNClient({ region: 'us-west-2' }),
      driftStateMachineArn: DRIFT,
      log,
    };
    const results = await onSchedule(scheduleEvent(), deps);
    await onSchedule(scheduleEvent(), deps);
    expect(results.map((result) => result.started && result.name)).toEqual([
      'drift-orders-202601102100',
      'drift-payments-202601102100',
    ]);
    expect(executions.size).toBe(2);
    const inputs = sfn.commandCalls(StartExecutionCommand).map((call) => JSON.parse(call.args[0].input.input!));
    expect(inputs.slice(0, 2)).toEqual([{ cluster: 'orders' }, { cluster: 'payments' }]);
  });
});
