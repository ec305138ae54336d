/*
 * The Alibaba adapters against the port contract suites (shared/providers/testing/contract/), through the real
 * SDK clients against the signed fakes: the NLB (every change a job) with the server-group tag ledger, Cloud
 * Assistant running brokerlink's fixed command with bash on real files, the OSS lock and spec store, ECS discovery.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { PlanTarget } from '../../model/plan.ts';
import {
  describeBrokerDiscoveryContract,
  describeClusterLockContract,
  describeCommandChannelContract,
  describeLoadBalancerContract,
  describePortLedgerContract,
  describeSpecStoreContract,
  type PortLedgerSubject,
} from '../testing/contract/index.ts';
import { createAlicloudClients } from './clients.ts';
import { CloudAssistantChannel } from './cloud-assistant-channel.ts';
import { EcsBrokerDiscovery } from './discovery.ts';
import { AlibabaLoadBalancer } from './load-balancer.ts';
import { OssClusterLock, OssSpecStore } from './oss-lock.ts';
import { createOssClient, ossObjectStore } from './oss-store.ts';
import { FAKE_VPC_ID, startFakeAlibaba } from './testing/fake-alibaba.ts';
import type { FakeInstance } from './testing/fake-ecs.ts';
import { startFakeOss } from './testing/fake-oss.ts';
import { FAKE_ACCESS_KEY_ID, FAKE_ACCESS_KEY_SECRET } from './testing/rpc-server.ts';
import { alicloudSpec, alicloudSpecInput } from './testing/spec.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const instance = (n: number, cluster = 'orders', hostRoot?: string): FakeInstance => ({
  instanceId: `i-t4ncontract${n}`,
  privateIp: `10.0.${n}.11`,
  zoneId: 'ap-southeast-1a',
  vpcId: FAKE_VPC_ID,
  vSwitchId: 'vsw-t4nbrokera',
  status: 'Running',
  tags: { 'brokerlink:cluster': cluster, 'kafka-node-id': String(n) },
  ...(hostRoot === undefined ? {} : { hostRoot }),
});
const target = (n: number): PlanTarget => ({
  brokerId: n,
  instanceId: `i-t4ncontract${n}`,
  host: `10.0.${n}.11`,
  port: 39092,
});

async function nlbSubject(): Promise<PortLedgerSubject> {
  const fake = await startFakeAlibaba({ instances: [instance(1), instance(2), instance(7, 'payments')], jobPolls: 2 });
  const clients = createAlicloudClients(fake.clientOptions);
  const adapters = () => {
    const loadBalancer = new AlibabaLoadBalancer({
      nlb: clients.nlb,
      ecs: clients.ecs,
      privateLink: clients.privateLink,
    });
    return { loadBalancer, ledger: loadBalancer.ledger };
  };
  return {
    spec: alicloudSpec(),
    ...adapters(),
    targets: [target(1), target(2)],
    // Another cluster on the same NLB: its server groups carry its own cluster tag.
    otherCluster: {
      spec: alicloudSpec({
        cluster: 'payments',
        brokers: {
          ...alicloudSpecInput().brokers,
          discover: { tags: { 'brokerlink:cluster': 'payments' }, nodeIdTag: 'kafka-node-id' },
        },
      }),
      ...adapters(),
      target: target(7),
    },
    close: () => fake.close(),
  };
}

describeLoadBalancerContract('alicloud NLB (fake NLB, every change a job)', 'alicloud', nlbSubject);
describePortLedgerContract('alicloud server-group tags (fake NLB)', 'alicloud', nlbSubject);

describeCommandChannelContract('alicloud Cloud Assistant (fake ECS, brokerlink’s command run by bash)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bl-alicloud-contract-'));
  dirs.push(dir);
  const mountPoint = join(dir, 'instance');
  const hostRoot = join(dir, 'hosts', '1');
  await mkdir(mountPoint, { recursive: true });
  await mkdir(join(hostRoot, 'config'), { recursive: true });
  await writeFile(
    join(hostRoot, 'config', 'server.properties'),
    'process.roles=broker\nnode.id=1\nlisteners=INTERNAL://0.0.0.0:9092\n',
  );
  const restart = join(hostRoot, 'restart.sh');
  await writeFile(restart, '#!/bin/bash\necho restarted "$1" >> "$(dirname "$1")/restarts.log"\n', { mode: 0o755 });
  const fake = await startFakeAlibaba({ instances: [instance(1, 'orders', hostRoot)], mountPoint });
  const clients = createAlicloudClients(fake.clientOptions);
  const file = join(hostRoot, 'config', 'server.properties');
  return {
    channel: new CloudAssistantChannel({ ecs: clients.ecs, region: 'ap-southeast-1' }),
    target: { brokerId: 1, host: '10.0.1.11', instanceId: 'i-t4ncontract1' },
    path: join(mountPoint, 'config', 'server.properties'),
    readFile: () => readFile(file, 'utf8'),
    writeFile: (text: string) => writeFile(file, text),
    restart: { script: join(mountPoint, 'restart.sh') },
    close: () => fake.close(),
  };
});

async function ossStore() {
  const oss = await startFakeOss({ buckets: ['brokerlink-state'] });
  const store = ossObjectStore(
    createOssClient({
      region: 'ap-southeast-1',
      bucket: 'brokerlink-state',
      endpoint: oss.endpoint,
      credentials: { accessKeyId: FAKE_ACCESS_KEY_ID, accessKeySecret: FAKE_ACCESS_KEY_SECRET },
    }),
  );
  return { store, close: () => oss.close() };
}

describeClusterLockContract('alicloud OSS lease generations (fake OSS)', async () => {
  const { store, close } = await ossStore();
  let now = Date.parse('2026-05-01T12:00:00.000Z');
  return {
    lock: new OssClusterLock({ store, clock: { now: () => new Date(now) } }),
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    close,
  };
});

describeSpecStoreContract('alicloud OSS spec objects (fake OSS)', async () => {
  const { store, close } = await ossStore();
  return { specs: new OssSpecStore({ store }), close };
});

describeBrokerDiscoveryContract('alicloud ECS tags (fake ECS)', async () => {
  const fake = await startFakeAlibaba({ instances: [instance(2), instance(1), instance(7, 'payments')] });
  return {
    discovery: new EcsBrokerDiscovery({ ecs: createAlicloudClients(fake.clientOptions).ecs }),
    spec: alicloudSpec(),
    expected: [
      { id: 1, host: '10.0.1.11' },
      { id: 2, host: '10.0.2.11' },
    ],
    close: () => fake.close(),
  };
});
