import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createAlicloudClients } from '../../shared/providers/alicloud/clients.ts';
import { OssSpecStore } from '../../shared/providers/alicloud/oss-lock.ts';
import { createOssClient, ossObjectStore } from '../../shared/providers/alicloud/oss-store.ts';
import {
  FAKE_VPC_ID,
  type FakeAlibaba,
  startFakeAlibaba,
} from '../../shared/providers/alicloud/testing/fake-alibaba.ts';
import { type CloudFlowState, cloudFlowService } from '../../shared/providers/alicloud/testing/fake-cloudflow.ts';
import { type FakeOss, startFakeOss } from '../../shared/providers/alicloud/testing/fake-oss.ts';
import { FAKE_ACCESS_KEY_ID, FAKE_ACCESS_KEY_SECRET } from '../../shared/providers/alicloud/testing/rpc-server.ts';
import { alicloudSpecInput } from '../../shared/providers/alicloud/testing/spec.ts';
import { memoryLog } from '../../shared/triggers/testing/fakes.ts';
import { type AlicloudTriggerDeps, onDriftTimer, onInstanceStateChange, onSpecObjectEvent } from './triggers.ts';

/* The Alibaba triggers through the real ECS / CloudFlow clients (signed fake gateway) and ali-oss (signed fake). */

const BUCKET = 'brokerlink-state';
let fake: FakeAlibaba;
let oss: FakeOss;
const flows: CloudFlowState = { flows: new Set(['brokerlink-provision', 'brokerlink-drift-check']), executions: [] };
let deps: AlicloudTriggerDeps & { log: ReturnType<typeof memoryLog> };

beforeAll(async () => {
  fake = await startFakeAlibaba({
    instances: [
      {
        instanceId: 'i-t4nbroker4',
        privateIp: '10.0.4.11',
        zoneId: 'ap-southeast-1a',
        vpcId: FAKE_VPC_ID,
        vSwitchId: 'vsw-t4nbrokera',
        status: 'Running',
        tags: { 'brokerlink:cluster': 'orders', 'kafka-node-id': '4' },
      },
      {
        instanceId: 'i-t4nbastion',
        privateIp: '10.0.9.1',
        zoneId: 'ap-southeast-1a',
        vpcId: FAKE_VPC_ID,
        vSwitchId: 'vsw-t4nbrokera',
        status: 'Running',
        tags: { Name: 'bastion' },
      },
    ],
    extraServices: [cloudFlowService(flows)],
  });
  oss = await startFakeOss({ buckets: [BUCKET] });
});
afterAll(async () => {
  await fake.close();
  await oss.close();
});

const store = () =>
  ossObjectStore(
    createOssClient({
      region: 'ap-southeast-1',
      bucket: BUCKET,
      endpoint: oss.endpoint,
      credentials: { accessKeyId: FAKE_ACCESS_KEY_ID, accessKeySecret: FAKE_ACCESS_KEY_SECRET },
    }),
  );

beforeEach(() => {
  flows.executions.length = 0;
  oss.buckets.get(BUCKET)!.clear();
  deps = {
    clients: createAlicloudClients(fake.clientOptions),
    region: 'ap-southeast-1',
    specs: store(),
    specBucket: BUCKET,
    clusterTag: 'brokerlink:cluster',
    log: memoryLog(),
  };
});

const instanceEvent = (instanceId: string, state: string, id = 'evt-1') => ({
  id,
  source: 'acs.ecs',
  type: 'ecs:Instance:StateChange',
  specversion: '1.0',
  subject: `acs:ecs:ap-southeast-1:1234567890123456:instance/${instanceId}`,
  time: '2026-12-01T10:00:00.000+08:00',
  data: { resourceId: instanceId, resourceType: 'ALIYUN::ECS::Instance', state },
});

const ossEvent = (key: string, type = 'oss:ObjectCreated:PutObject', bucket = BUCKET) => ({
  id: `oss-${key}-${type}`,
  source: 'acs.oss',
  type,
  data: { eventName: type.slice(4), oss: { bucket: { name: bucket }, object: { key, eTag: 'x', size: 1 } } },
});

describe('new instance: EventBridge ecs:Instance:StateChange', () => {
  it('starts one provision (apply, waiting for the lock) for a running broker; a redelivery starts nothing new', async () => {
    const event = Buffer.from(JSON.stringify(instanceEvent('i-t4nbroker4', 'Running')));
    const first = await onInstanceStateChange(event, deps);
    const again = await onInstanceStateChange(event, deps);
    expect(first).toMatchObject({ started: true, alreadyStarted: false, name: 'instance-orders-evt-1' });
    expect(again).toMatchObject({ started: true, alreadyStarted: true });
    expect(flows.executions).toHaveLength(1);
    expect(flows.executions[0]).toMatchObject({
      flowName: 'brokerlink-provision',
      name: 'instance-orders-evt-1',
      input: { cluster: 'orders', mode: 'apply', trigger: 'instance-running', waitForLock: true },
    });
  });

  it('ignores states other than Running and instances without the cluster tag', async () => {
    expect(await onInstanceStateChange(instanceEvent('i-t4nbroker4', 'Stopping'), deps)).toMatchObject({
      started: false,
    });
    expect(await onInstanceStateChange(instanceEvent('i-t4nbastion', 'Running'), deps)).toMatchObject({
      started: false,
      reason: 'no cluster tag',
    });
    expect(await onInstanceStateChange(instanceEvent('i-t4ngone', 'Running'), deps)).toMatchObject({
      started: false,
      reason: 'instance not found',
    });
    expect(flows.executions).toEqual([]);
  });

  it.each([
    ['another event type', { ...instanceEvent('i-t4nbroker4', 'Running'), type: 'ecs:Disk:Stalled' }, /type/],
    ['no instance id', { ...instanceEvent('i-t4nbroker4', 'Running'), data: { state: 'Running' } }, /data\.resourceId/],
    [
      'a hostile instance id',
      instanceEvent("i-x'; rm -rf /", 'Running'),
      /data\.resourceId: must be an ECS instance id/,
    ],
    ['not JSON', Buffer.from('{nope'), /not JSON/],
  ])('refuses %s, naming the field, and starts nothing', async (_, event, message) => {
    await expect(onInstanceStateChange(event, deps)).rejects.toMatchObject({ name: 'TriggerEventInvalid', message });
    expect(flows.executions).toEqual([]);
  });
});

describe('spec change: EventBridge OSS object events', () => {
  it('applies a valid spec once per version', async () => {
    await new OssSpecStore({ store: deps.specs }).save('orders', stringify(alicloudSpecInput()));
    const event = ossEvent('brokerlink/specs/orders.yaml');
    const first = await onSpecObjectEvent(event, deps);
    expect(first).toMatchObject({ started: true });
    expect((first as { name: string }).name).toMatch(/^spec-orders-v[0-9A-F]{32}-[A-Za-z0-9_-]{1,13}$/);
    expect(await onSpecObjectEvent(event, deps)).toMatchObject({ alreadyStarted: true });
    expect(flows.executions).toHaveLength(1);
    expect(flows.executions[0]!.input).toEqual({
      cluster: 'orders',
      mode: 'apply',
      trigger: 'spec-change',
      waitForLock: true,
    });
  });

  it('starts nothing for an invalid spec, and logs every problem', async () => {
    const bad = { ...alicloudSpecInput(), exposures: [{ ...alicloudSpecInput().exposures[0], bootstrapPort: 99999 }] };
    await new OssSpecStore({ store: deps.specs }).save('orders', stringify(bad));
    expect(await onSpecObjectEvent(ossEvent('brokerlink/specs/orders.yaml'), deps)).toMatchObject({
      started: false,
      reason: 'spec invalid',
    });
    expect(deps.log.lines.find((line) => line.level === 'error')?.message).toMatch(/bootstrapPort/);
    expect(flows.executions).toEqual([]);
  });

  it('ignores removals, other keys and other buckets', async () => {
    expect(
      await onSpecObjectEvent(ossEvent('brokerlink/specs/orders.yaml', 'oss:ObjectRemoved:DeleteObject'), deps),
    ).toMatchObject({ started: false });
    expect(await onSpecObjectEvent(ossEvent('brokerlink/locks/orders/1.json'), deps)).toMatchObject({ started: false });
    expect(
      await onSpecObjectEvent(ossEvent('brokerlink/specs/orders.yaml', undefined, 'someone-else'), deps),
    ).toMatchObject({ started: false });
    expect(flows.executions).toEqual([]);
  });
});

describe('drift timer: Function Compute timer trigger', () => {
  it('starts one drift check per stored cluster, once per scheduled minute', async () => {
    const specs = new OssSpecStore({ store: deps.specs });
    await specs.save('orders', stringify(alicloudSpecInput()));
    await specs.save('payments', stringify({ ...alicloudSpecInput(), cluster: 'payments' }));
    const tick = { triggerTime: '2026-12-01T02:00:00Z', triggerName: 'drift', payload: '' };
    const results = await onDriftTimer(Buffer.from(JSON.stringify(tick)), deps);
    await onDriftTimer(tick, deps);
    expect(results.map((r) => (r as { name: string }).name)).toEqual([
      'drift-orders-202612010200',
      'drift-payments-202612010200',
    ]);
    expect(flows.executions.map((e) => [e.flowName, e.input])).toEqual([
      ['brokerlink-drift-check', { cluster: 'orders' }],
      ['brokerlink-drift-check', { cluster: 'payments' }],
    ]);
  });

  it('refuses an event that is not a timer event', async () => {
    await expect(onDriftTimer({ triggerName: 'drift' }, deps)).rejects.toMatchObject({ name: 'TriggerEventInvalid' });
  });
});

it('documents every trigger in docs/alicloud.md', async () => {
  const doc = await readFile(new URL('../../docs/alicloud.md', import.meta.url), 'utf8');
  for (const word of ['ecs:Instance:StateChange', 'oss:ObjectCreated', 'timer trigger', 'aliyun fnf StartExecution']) {
    expect(doc).toContain(word);
  }
});
