import { afterEach, describe, expect, it } from 'vitest';
import { createAlicloudClients } from './clients.ts';
import { EcsBrokerDiscovery } from './discovery.ts';
import { FAKE_VPC_ID, type FakeAlibaba, startFakeAlibaba } from './testing/fake-alibaba.ts';
import type { FakeInstance } from './testing/fake-ecs.ts';
import { alicloudSpec } from './testing/spec.ts';

const instance = (n: number, extra: Partial<FakeInstance> = {}): FakeInstance => ({
  instanceId: `i-t4nbroker${n}`,
  privateIp: `10.0.${n}.11`,
  zoneId: `ap-southeast-1${'abc'[n % 3]}`,
  vpcId: FAKE_VPC_ID,
  vSwitchId: 'vsw-t4nbrokera',
  status: 'Running',
  tags: { 'brokerlink:cluster': 'orders', 'kafka-node-id': String(n) },
  ...extra,
});

let fake: FakeAlibaba | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function discover(instances: FakeInstance[], pageSize?: number) {
  fake = await startFakeAlibaba({ instances });
  const discovery = new EcsBrokerDiscovery({ ecs: createAlicloudClients(fake.clientOptions).ecs, pageSize });
  return discovery.discoverBrokers(alicloudSpec());
}

describe('EcsBrokerDiscovery (the real ECS client against the signed fake)', () => {
  it('finds running tagged instances: node id from the tag, host its VPC address, zone from the instance', async () => {
    const brokers = await discover([instance(2), instance(1), instance(3)]);
    expect(brokers).toEqual([
      {
        id: 1,
        host: '10.0.1.11',
        instanceId: 'i-t4nbroker1',
        state: 'running',
        az: 'ap-southeast-1b',
        azId: 'ap-southeast-1b',
      },
      {
        id: 2,
        host: '10.0.2.11',
        instanceId: 'i-t4nbroker2',
        state: 'running',
        az: 'ap-southeast-1c',
        azId: 'ap-southeast-1c',
      },
      {
        id: 3,
        host: '10.0.3.11',
        instanceId: 'i-t4nbroker3',
        state: 'running',
        az: 'ap-southeast-1a',
        azId: 'ap-southeast-1a',
      },
    ]);
  });

  it('finds instances in every state, and leaves out other clusters and other VPCs, paging through many', async () => {
    const many = Array.from({ length: 7 }, (_, i) => instance(i + 1));
    const brokers = await discover(
      [
        ...many,
        instance(20, { status: 'Stopped' }),
        instance(21, { tags: { 'brokerlink:cluster': 'payments', 'kafka-node-id': '21' } }),
        instance(22, { vpcId: 'vpc-other' }),
      ],
      3,
    );
    expect(brokers.map((b) => b.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 20]);
    expect(brokers.find((b) => b.id === 20)).toMatchObject({ instanceId: 'i-t4nbroker20', state: 'stopped' });
  });

  it('says each ECS status as the planner’s state, and prefers the running instance of a replaced broker', async () => {
    const brokers = await discover([
      instance(1, { status: 'Pending' }),
      instance(2, { status: 'Starting' }),
      instance(3, { status: 'Stopping' }),
      instance(4, { status: 'Stopped' }),
      instance(5, { status: 'Stopped', instanceId: 'i-t4nold5' }),
      instance(5),
    ]);
    expect(brokers.map((b) => [b.id, b.state, b.instanceId])).toEqual([
      [1, 'pending', 'i-t4nbroker1'],
      [2, 'pending', 'i-t4nbroker2'],
      [3, 'stopping', 'i-t4nbroker3'],
      [4, 'stopped', 'i-t4nbroker4'],
      [5, 'running', 'i-t4nbroker5'],
    ]);
  });

  it('refuses two stopped instances claiming one node id when none runs', async () => {
    const error = await discover([
      instance(1, { status: 'Stopped' }),
      instance(2, { status: 'Stopped', tags: { 'brokerlink:cluster': 'orders', 'kafka-node-id': '1' } }),
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AlicloudDuplicateNodeId', message: /stopped ECS instances/ });
  });

  it('refuses instances without a usable node id tag, naming each instance and the tag', async () => {
    const error = await discover([
      instance(1),
      instance(2, { tags: { 'brokerlink:cluster': 'orders' } }),
      instance(3, { tags: { 'brokerlink:cluster': 'orders', 'kafka-node-id': 'three' } }),
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AlicloudBrokerInstanceInvalid' });
    expect((error as Error).message).toContain('i-t4nbroker2: no "kafka-node-id" tag');
    expect((error as Error).message).toContain('i-t4nbroker3: "kafka-node-id" is "three"');
  });

  it('refuses two running instances claiming one node id', async () => {
    const error = await discover([
      instance(1),
      instance(2, { tags: { 'brokerlink:cluster': 'orders', 'kafka-node-id': '1' } }),
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AlicloudDuplicateNodeId' });
    expect((error as Error).message).toContain('i-t4nbroker1, i-t4nbroker2');
  });
});
