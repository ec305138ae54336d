import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../../../testkit/kafka/broker.ts';
import { TestCluster } from '../../../testkit/kafka/cluster.ts';
import { ProbeWrongBroker } from './errors.ts';
import { createProbe, type KafkaProbe } from './probe.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startCluster(mode: 'kraft' | 'zookeeper', ids: readonly number[]) {
  const dir = await mkdtemp(join(tmpdir(), 'brokerlink-probe-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const cluster = new TestCluster();
  cleanups.push(() => cluster.close());
  const brokers = new Map<number, TestBroker>();
  for (const id of ids) {
    const path = join(dir, `server-${id}.properties`);
    const lines =
      mode === 'kraft'
        ? [
            'process.roles=broker,controller',
            `node.id=${id}`,
            'controller.listener.names=CONTROLLER',
            'listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
            'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
            'broker.rack=az' + id,
          ]
        : [`broker.id=${id}`, 'listeners=PLAINTEXT://127.0.0.1:0', 'zookeeper.connect=127.0.0.1:2181'];
    await writeFile(path, `${lines.join('\n')}\n`);
    const broker = await startTestBroker({ propertiesPath: path, cluster });
    cleanups.push(() => broker.close());
    brokers.set(id, broker);
  }
  return { cluster, brokers };
}

function probeOf(broker: TestBroker): KafkaProbe {
  const probe = createProbe({ host: '127.0.0.1', port: broker.ports['PLAINTEXT']!, timeoutMs: 3000 });
  cleanups.push(() => probe.close());
  return probe;
}

describe('probe against test brokers', () => {
  it('builds the same cluster snapshot as the cluster state, in KRaft mode', async () => {
    const { cluster, brokers } = await startCluster('kraft', [1, 2, 3]);
    cluster.createTopic('orders', [
      [1, 2, 3],
      [2, 3, 1],
    ]);
    cluster.createTopic('audit', [[3, 1, 2]], { minInsyncReplicas: 2 });
    cluster.shrinkIsr('orders', 1, [2, 3]);
    const snapshot = await probeOf(brokers.get(2)!).snapshotCluster();
    const truth = cluster.snapshot();
    expect(snapshot.brokers).toEqual(truth.brokers);
    expect(snapshot.controllerId).toBe(truth.controllerId);
    expect(snapshot.quorum?.leaderId).toBe(truth.quorum?.leaderId);
    expect(snapshot.quorum?.voters.map((v) => v.id)).toEqual(truth.quorum?.voters.map((v) => v.id));
    const byName = (ts: readonly { name: string }[]) => [...ts].sort((a, b) => a.name.localeCompare(b.name));
    expect(byName(snapshot.topics)).toEqual(byName(truth.topics));
    expect(snapshot.topics.find((t) => t.name === 'audit')?.minInsyncReplicas).toBe(2);
  });

  it('reports no quorum and the ZooKeeper controller in ZooKeeper mode', async () => {
    const { cluster, brokers } = await startCluster('zookeeper', [1, 2]);
    const probe = probeOf(brokers.get(1)!);
    const snapshot = await probe.snapshotCluster();
    expect(snapshot.quorum).toBeNull();
    expect(snapshot.controllerId).toBe(cluster.activeControllerId());
  });

  it('lists live brokers with the endpoints of the listener it connected to', async () => {
    const { brokers } = await startCluster('kraft', [1, 2, 3]);
    const metadata = await probeOf(brokers.get(3)!).metadata();
    expect(metadata.brokers.map((b) => [b.id, b.port, b.rack])).toEqual(
      [1, 2, 3].map((id) => [id, brokers.get(id)!.ports['PLAINTEXT'], `az${id}`]),
    );
    expect(metadata.clusterId).toMatch(/\S/);
  });

  it('identifies the broker behind a port and names the one reached instead', async () => {
    const { brokers } = await startCluster('kraft', [1, 2]);
    const probe = probeOf(brokers.get(1)!);
    expect(await probe.brokerIdentity(1)).toMatchObject({
      reachedExpected: true,
      processRoles: ['broker', 'controller'],
    });
    const error = await probe.expectBroker(2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeWrongBroker);
    expect(error).toMatchObject({ expectedId: 2, reachedId: 1 });
  });

  it('negotiates versions inside what the broker offers', async () => {
    const { brokers } = await startCluster('kraft', [1]);
    const { broker, negotiated } = await probeOf(brokers.get(1)!).apiVersions();
    for (const [key, version] of [
      [3, negotiated.Metadata],
      [32, negotiated.DescribeConfigs],
      [0, negotiated.Produce],
      [1, negotiated.Fetch],
    ] as const) {
      const range = broker.find((b) => b.apiKey === key)!;
      expect(version).not.toBeNull();
      expect(version!).toBeGreaterThanOrEqual(range.minVersion);
      expect(version!).toBeLessThanOrEqual(range.maxVersion);
    }
  });
});
