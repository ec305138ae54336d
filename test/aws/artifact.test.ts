/*
 * Tests the artifact that ships: `osls package`, every function's zip unpacked, and those bundles run as Lambda
 * runs them (test/aws/lambda-runtime.ts: a process per container, nothing on the module path but the AWS SDK the
 * nodejs22.x runtime provides, the function's environment from the CloudFormation template). Their AWS calls go
 * over HTTP, in AWS's wire protocols, to the stateful fake AWS (shared/providers/aws/testing/http-front.ts), which
 * runs brokerlink's SSM document with the real shell on each broker's real files; Kafka is the testkit brokers over
 * real TCP; the NLB data plane is the bed's forwarder, reached through the NLB's DNS name. The state machines are
 * the real files of statemachines/ (aws-local-stepfunctions), each Task bound to its packaged function.
 *
 * Before the fix of issue 10 the first test failed in advanceConfigPush: the bundle read brokerlink-writer.sh from
 * beside itself at run time (ENOENT in the zip → UnexpectedError). See docs/aws.md, "Bundles".
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sfn from '@aws-sdk/client-sfn';
import * as sns from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assetReferencesIn } from '../../functions/aws/testing/bundle-check.ts';
import {
  fakeAwsServices,
  type HttpFront,
  type HttpService,
  serveOverHttp,
} from '../../shared/providers/aws/testing/http-front.ts';
import { tasks } from '../../shared/steps/tasks.ts';
import { AwsBed, CLUSTER, DOCUMENT_NAME } from './bed.ts';
import { LambdaRuntime } from './lambda-runtime.ts';
import { PACKAGE_TIMEOUT_MS, type Packaged, packageService } from './osls.ts';

const ACCOUNT = '123456789012';
const REFS: Record<string, string> = {
  BrokerCommandDocument: DOCUMENT_NAME,
  DriftTopic: `arn:aws:sns:us-west-2:${ACCOUNT}:brokerlink-drift-test`,
  ProvisionStateMachine: `arn:aws:states:us-west-2:${ACCOUNT}:stateMachine:brokerlink-provision-test`,
  DriftCheckStateMachine: `arn:aws:states:us-west-2:${ACCOUNT}:stateMachine:brokerlink-drift-check-test`,
};
const TRIGGERS = ['onInstanceRunning', 'onInstanceTagged', 'onSpecChanged', 'scheduleDriftCheck'] as const;

let packaged: Packaged | undefined;
let root: string | undefined;
let front: HttpFront | undefined;
let runtime: LambdaRuntime | undefined;
let bed: AwsBed | undefined;
let hosts: Record<string, string[]> = {};
const published: { TopicArn?: string; Subject?: string; Message?: string }[] = [];
const started: { stateMachineArn: string; name: string; input: Record<string, unknown> }[] = [];

/** SNS and Step Functions as far as the functions call them (the fake AWS models EC2, ELBv2, SSM, Secrets Manager). */
function extraServices(): Record<string, HttpService> {
  return {
    sns: {
      module: sns,
      protocol: 'awsQuery',
      xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
      send: async (operation, input) => {
        if (operation !== 'Publish') throw new Error(`SNS ${operation} is not modeled`);
        if (input['TopicArn'] !== REFS['DriftTopic'])
          throw new sns.NotFoundException({ message: 'Topic does not exist', $metadata: {} });
        published.push(input);
        return { MessageId: `message-${published.length}` };
      },
    },
    states: {
      module: sfn,
      protocol: 'awsJson1_0',
      send: async (operation, input) => {
        if (operation !== 'StartExecution') throw new Error(`Step Functions ${operation} is not modeled`);
        const request = input as { stateMachineArn: string; name: string; input: string };
        if (
          started.some(
            (execution) => execution.stateMachineArn === request.stateMachineArn && execution.name === request.name,
          )
        ) {
          throw new sfn.ExecutionAlreadyExists({
            message: `Execution Already Exists: '${request.name}'`,
            $metadata: {},
          });
        }
        started.push({ ...request, input: JSON.parse(request.input) });
        const executionArn = `${request.stateMachineArn.replace(':stateMachine:', ':execution:')}:${request.name}`;
        return { executionArn, startDate: new Date() };
      },
    },
  };
}

function resolveRefs(value: unknown): string {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: string }).Ref;
  if (ref !== undefined && REFS[ref] !== undefined) return REFS[ref];
  throw new Error(`environment value ${JSON.stringify(value)} has no test binding`);
}

beforeAll(async () => {
  packaged = await packageService({ kafkaSubnetIds: 'subnet-0aaa1111', kafkaSecurityGroupIds: 'sg-0ccc3333' });
  root = await mkdtemp(join(tmpdir(), 'brokerlink-lambda-'));
  // One front for the file; it answers for whichever bed the current test runs (warm containers outlive a test,
  // as Lambda containers outlive an execution).
  const current = () => {
    if (bed === undefined) throw new Error('no bed is running');
    return bed.aws;
  };
  front = await serveOverHttp({ ...fakeAwsServices(current), ...extraServices() });
  runtime = await LambdaRuntime.create({ root, endpoint: front.endpoint, region: 'us-west-2', hosts: () => hosts });
  for (const resource of Object.values(packaged.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const handler = resource.Properties['Handler'] as string;
    const name = handler.split('/').pop()!.split('.')[0]!;
    const variables =
      (resource.Properties['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    await runtime.addFunction({
      name,
      handler,
      zip: join(packaged.out, `${name}.zip`),
      environment: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, resolveRefs(value)])),
      timeoutSeconds: Number(resource.Properties['Timeout'] ?? 6),
    });
  }
}, PACKAGE_TIMEOUT_MS + 60_000);

afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

afterAll(async () => {
  await runtime?.close();
  await front?.close();
  await packaged?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

async function startBed(options: Parameters<typeof AwsBed.start>[0] = {}): Promise<AwsBed> {
  bed = await AwsBed.start(options);
  hosts = await bed.nlbHosts();
  bed.aws.resetCalls();
  return bed;
}

const viaLambda = (task: string, input: unknown) => runtime!.invoke(task, input);
const invoked = (name: string) => runtime!.invocations.filter((invocation) => invocation.function === name);

describe('packaged Lambda functions (osls zips, SDK from the runtime only) through the real state machines', () => {
  it('apply: every provision task runs from its zip, config pushed through the SSM document, brokers restarted one by one, verified through the NLB', async () => {
    const target = await startBed({ brokers: 3 });
    // Broker 4 was just launched (its agent online): the enrolment probe reads its server.properties from its zip.
    const fresh = await target.addBroker(4, { agent: 'online' });
    // The functions run on the real clock (the bed's own steps on a fixed one): launched just now.
    fresh.instance.launchTime = new Date();
    hosts = await target.nlbHosts();
    const before = runtime!.invocations.length;
    const failure = await target
      .run('provision', { cluster: CLUSTER, mode: 'apply' }, { invoke: viaLambda })
      .then((result) => ({ result, error: undefined }))
      .catch((error: Error & { error?: string; detail?: string }) => ({ result: undefined, error }));
    if (failure.error !== undefined) {
      const failed = runtime!.invocations.slice(before).filter((invocation) => !invocation.ok);
      throw new Error(
        `provision failed: ${failure.error.error ?? failure.error.name}: ${failure.error.detail ?? failure.error.message}\n` +
          `failed invocations: ${JSON.stringify(failed.map((f) => `${f.function}: ${f.errorType}`))}\n` +
          runtime!.logs
            .filter((line) => /"level":"(error|warn)"|Error/.test(line))
            .slice(-10)
            .join('\n'),
      );
    }
    const output = failure.result!.output as { verification: { ok: boolean } };
    expect(output.verification.ok).toBe(true);

    const ran = new Set(runtime!.invocations.slice(before).map((invocation) => invocation.function));
    for (const task of Object.keys(tasks).filter((name) => name !== 'reportDrift')) expect(ran, task).toContain(task);
    for (const id of [1, 2, 3, 4])
      expect(await target.fileText(id)).toContain(`EXTERNAL://b${id}.orders.example.com:${9092 + id}`);
    expect([...target.restartLog].sort()).toEqual([1, 2, 3, 4]);
    const probes = runtime!.invocations.slice(before).filter((call) => call.function === 'probeEnrolment');
    expect(
      probes.some((call) => (call.event as { probe: { running: unknown[] } | null }).probe?.running.length === 1),
    ).toBe(true);
    const actions = target.aws
      .calls('ssm', 'SendCommand')
      .map((call) => (call.input['Parameters'] as Record<string, string[]>)['action']![0]);
    expect(actions).toEqual(expect.arrayContaining(['read', 'write', 'restart']));
    // The tasks' AWS calls came over the wire, from the runtime's SDK.
    expect(front!.requests).toEqual(
      expect.arrayContaining(['ssm:SendCommand', 'elasticloadbalancing:CreateListener', 'ec2:DescribeInstances']),
    );
  }, 240_000);

  it('drift check: reportDrift publishes to the drift topic and starts the repair, which runs from the zips too', async () => {
    const target = await startBed({ brokers: 3, drift: 'repair' });
    await target.run('provision', { cluster: CLUSTER, mode: 'apply' }, { invoke: viaLambda });
    const bootstrap = [...target.aws.state.listeners.values()].find((listener) => listener.port === 9092)!;
    const group = target.aws.state.targetGroups.get(bootstrap.targetGroupArn)!;
    const instanceId = target.brokers.get(2)!.instance.instanceId;
    for (const key of [...group.targets.keys()]) if (key.startsWith(instanceId)) group.targets.delete(key);
    const publishedBefore = published.length;

    const { output } = await target.run('drift-check', { cluster: CLUSTER }, { invoke: viaLambda });
    expect(output).toMatchObject({ cluster: CLUSTER, repairStarted: true });
    expect(invoked('reportDrift').some((invocation) => invocation.ok)).toBe(true);
    expect(published.slice(publishedBefore)).toHaveLength(1);
    expect(published.at(-1)).toMatchObject({ TopicArn: REFS['DriftTopic'] });
    expect(published.at(-1)!.Message).toContain('9092');
    const after = await target.run('drift-check', { cluster: CLUSTER }, { invoke: viaLambda });
    expect(after.output).toMatchObject({ drift: 0, repairStarted: false });
  }, 240_000);

  it('triggers: a spec change, a new instance and the schedule start the right executions from their zips', async () => {
    const target = await startBed({ brokers: 3 });
    const event = (source: string, detailType: string, detail: Record<string, unknown>, id: string) => ({
      version: '0',
      id,
      account: ACCOUNT,
      time: '2026-01-10T00:00:00Z',
      region: 'us-west-2',
      resources: [],
      source,
      'detail-type': detailType,
      detail,
    });
    const specChanged = await runtime!.invoke(
      'onSpecChanged',
      event(
        'aws.ssm',
        'Parameter Store Change',
        { operation: 'Update', name: `/brokerlink/${CLUSTER}/spec`, type: 'String' },
        'e-1',
      ),
    );
    expect(specChanged).toMatchObject({ started: true, name: `spec-${CLUSTER}-v1-e-1` });
    expect(started.at(-1)).toMatchObject({
      stateMachineArn: REFS['ProvisionStateMachine'],
      input: { cluster: CLUSTER, mode: 'apply' },
    });
    const applied = await target.run('provision', started.at(-1)!.input, { invoke: viaLambda });
    expect((applied.output as { verification: { ok: boolean } }).verification.ok).toBe(true);

    const broker = await target.addBroker(4);
    const running = await runtime!.invoke(
      'onInstanceRunning',
      event(
        'aws.ec2',
        'EC2 Instance State-change Notification',
        { 'instance-id': broker.instance.instanceId, state: 'running' },
        'e-2',
      ),
    );
    expect(running).toMatchObject({ started: true });
    const enrolled = await target.run('provision', started.at(-1)!.input, { invoke: viaLambda });
    expect((enrolled.output as { verification: { ok: boolean } }).verification.ok).toBe(true);
    expect(await target.fileText(4)).toContain('EXTERNAL://b4.orders.example.com:9096');

    // Tagged after launch: the instance-running event found no cluster tag; the tag change enrols it.
    const late = await target.addBroker(5);
    const tagged = await runtime!.invoke('onInstanceTagged', {
      ...event(
        'aws.tag',
        'Tag Change on Resource',
        {
          'changed-tag-keys': ['brokerlink:cluster'],
          service: 'ec2',
          'resource-type': 'instance',
          version: 2,
          tags: late.instance.tags,
        },
        'e-4',
      ),
      resources: [`arn:aws:ec2:us-west-2:${ACCOUNT}:instance/${late.instance.instanceId}`],
    });
    expect(tagged).toMatchObject({ started: true, name: `tagged-${CLUSTER}-e-4` });
    const lateRun = await target.run('provision', started.at(-1)!.input, { invoke: viaLambda });
    expect((lateRun.output as { verification: { ok: boolean } }).verification.ok).toBe(true);
    expect(await target.fileText(5)).toContain('EXTERNAL://b5.orders.example.com:9097');

    const scheduled = await runtime!.invoke('scheduleDriftCheck', event('aws.events', 'Scheduled Event', {}, 'e-3'));
    expect(scheduled).toMatchObject([{ started: true, name: expect.stringMatching(/^drift-orders-/) }]);
    expect(started.at(-1)).toMatchObject({
      stateMachineArn: REFS['DriftCheckStateMachine'],
      input: { cluster: CLUSTER },
    });
    for (const trigger of TRIGGERS)
      expect(
        invoked(trigger).some((invocation) => invocation.ok),
        trigger,
      ).toBe(true);
  }, 240_000);

  it('the runtime stand-in resolves the AWS SDK and nothing else of the project (a bundle needing zod fails to load)', async () => {
    const handler = (imports: string) =>
      `${imports}\nexport const handler = async () => ({ ok: typeof probe === 'function' || typeof probe === 'object' });`;
    await runtime!.addFunction({
      name: 'probeSdk',
      handler: 'probe.handler',
      files: { 'probe.mjs': handler("import { SSMClient as probe } from '@aws-sdk/client-ssm';") },
      environment: {},
      timeoutSeconds: 30,
    });
    await runtime!.addFunction({
      name: 'probeZod',
      handler: 'probe.handler',
      files: { 'probe.mjs': handler("import { z as probe } from 'zod';") },
      environment: {},
      timeoutSeconds: 30,
    });
    expect(await runtime!.invoke('probeSdk', {})).toEqual({ ok: true });
    const failure = await runtime!.invoke('probeZod', {}).catch((error: Error) => error);
    expect(failure).toMatchObject({ name: 'Runtime.ImportModuleError', message: expect.stringMatching(/zod/) });
  });

  it('no bundle reads an asset from beside itself at run time (no file URL relative to the bundle in any chunk)', async () => {
    const offenders: string[] = [];
    for (const name of [...Object.keys(tasks), ...TRIGGERS]) {
      const dir = join(root!, 'task', name, 'functions', 'aws');
      for (const file of await readdir(dir)) {
        if (!file.endsWith('.mjs')) continue;
        const text = await readFile(join(dir, file), 'utf8');
        for (const reference of assetReferencesIn(text)) offenders.push(`${name}/${file}: ${reference}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
