import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Reader } from './codec.ts';
import { BrokerStartFailed } from './errors.ts';
import { kraftProperties, startTestCluster, type TestClusterHandle } from './fixtures.ts';
import {
  decodeApiVersionsResponse,
  decodeDescribeConfigsResponse,
  decodeMetadataResponse,
  encodeDescribeConfigsRequest,
  encodeMetadataRequest,
} from './protocol.ts';
import { RawKafkaConnection } from './raw-client.ts';

const handles: TestClusterHandle[] = [];
const conns: RawKafkaConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const h of handles.splice(0)) await h.close();
});

async function cluster(...args: Parameters<typeof startTestCluster>): Promise<TestClusterHandle> {
  const h = await startTestCluster(...args);
  handles.push(h);
  return h;
}

async function connect(port: number): Promise<RawKafkaConnection> {
  const c = await RawKafkaConnection.connect('127.0.0.1', port);
  conns.push(c);
  return c;
}

async function metadata(port: number, v = 12, topics: string[] | null = null) {
  const c = await connect(port);
  const body = encodeMetadataRequest(v, {
    topics: topics?.map((name) => ({ topicId: null, name })) ?? null,
    allowAutoTopicCreation: false,
  });
  const r = await c.request(3, v, body, { responseHeaderVersion: v >= 9 ? 1 : 0 });
  return decodeMetadataResponse(r, v);
}

async function describeBroker(port: number, name: string, v = 4) {
  const c = await connect(port);
  const body = encodeDescribeConfigsRequest(v, {
    resources: [{ resourceType: 4, resourceName: name, configurationKeys: null }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  const r = await c.request(32, v, body, { responseHeaderVersion: v >= 4 ? 1 : 0 });
  return decodeDescribeConfigsResponse(r, v)[0]!;
}

/** Two listeners: INTERNAL (advertised as bound) and EXTERNAL advertised through an LB-style name:port. */
function twoListenerProperties(nodeId: number): string {
  return kraftProperties(nodeId)
    .replace(/^listeners=.*$/m, 'listeners=INTERNAL://127.0.0.1:0,EXTERNAL://0.0.0.0:0,CONTROLLER://127.0.0.1:0')
    .replace(
      /^listener.security.protocol.map=.*$/m,
      'listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
    )
    .replace(/^inter.broker.listener.name=.*$/m, 'inter.broker.listener.name=INTERNAL')
    .concat(`\nadvertised.listeners=INTERNAL://127.0.0.1:0,EXTERNAL://b${nodeId}.lb.example:${9092 + nodeId}\n`);
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('test broker: ApiVersions', () => {
  it('answers an unsupported ApiVersions version with a v0 body, error 35 and the supported ranges', async () => {
    const h = await cluster({ nodeIds: [1] });
    const c = await connect(h.brokers[0]!.ports['PLAINTEXT']!);
    // v4 request uses header v2 (flexible) with an empty v4 body (two compact strings + tags)
    const r = await c.request(18, 9, (w) => w.string('x', true).string('1', true).tagged());
    const res = decodeApiVersionsResponse(r, 0);
    expect(res.errorCode).toBe(35);
    expect(res.apiKeys.find((k) => k.apiKey === 18)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 3 });
    expect(res.apiKeys.find((k) => k.apiKey === 3)).toEqual({ apiKey: 3, minVersion: 0, maxVersion: 12 });
  });

  it('answers ApiVersions v3 with a v0 response header (no tagged-field byte before the body)', async () => {
    const h = await cluster({ nodeIds: [1] });
    const c = await connect(h.brokers[0]!.ports['PLAINTEXT']!);
    const res = await c.send(18, 3, (w) => w.string('t', true).string('1', true).tagged());
    // frame = correlation id (4) then body starting with ErrorCode int16 = 0 then compact array length
    expect(res.frame.readInt16BE(4)).toBe(0);
    const body = decodeApiVersionsResponse(new Reader(res.frame.subarray(4)), 3);
    expect(body.apiKeys.map((k) => k.apiKey)).toContain(55);
  });

  it('closes the connection on an unknown API key, like Kafka', async () => {
    const h = await cluster({ nodeIds: [1] });
    const c = await connect(h.brokers[0]!.ports['PLAINTEXT']!);
    await expect(c.request(999, 0, Buffer.alloc(0))).rejects.toThrow(/closed/);
  });

  it('does not offer DescribeQuorum on a ZooKeeper-mode broker', async () => {
    const h = await cluster({
      nodeIds: [1],
      properties: (id) => `broker.id=${id}\nlisteners=PLAINTEXT://127.0.0.1:0\nzookeeper.connect=127.0.0.1:2181\n`,
    });
    const c = await connect(h.brokers[0]!.ports['PLAINTEXT']!);
    const res = decodeApiVersionsResponse(await c.request(18, 0, Buffer.alloc(0)), 0);
    expect(res.apiKeys.map((k) => k.apiKey)).not.toContain(55);
  });
});

describe('test broker: listener-aware Metadata', () => {
  it('lists every live broker with the advertised endpoint of the listener the request arrived on', async () => {
    const h = await cluster({ properties: twoListenerProperties });
    h.cluster.createTopic('orders', 3, { minInsyncReplicas: 2 });
    const b1 = h.brokers[0]!;
    for (const v of [1, 8, 9, 12]) {
      const ext = await metadata(b1.ports['EXTERNAL']!, v);
      expect(ext.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`)).toEqual([
        '1@b1.lb.example:9093',
        '2@b2.lb.example:9094',
        '3@b3.lb.example:9095',
      ]);
      expect(ext.topics.map((t) => t.name)).toEqual(['orders']);
      expect(ext.topics[0]!.partitions).toHaveLength(3);
    }
    const internal = await metadata(h.brokers[2]!.ports['INTERNAL']!);
    expect(internal.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual(
      h.brokers.map((b) => [b.nodeId, '127.0.0.1', b.ports['INTERNAL']]),
    );
    expect(internal.clusterId).toBe(h.cluster.clusterId);
    expect(h.brokers.map((b) => b.nodeId)).toContain(internal.controllerId);
  });

  it('reports unknown topics with error 3 when auto-creation is off', async () => {
    const h = await cluster({
      nodeIds: [1],
      properties: (id) => kraftProperties(id, 'auto.create.topics.enable=false'),
    });
    const md = await metadata(h.brokers[0]!.ports['PLAINTEXT']!, 12, ['nope']);
    expect(md.topics).toEqual([expect.objectContaining({ name: 'nope', errorCode: 3, partitions: [] })]);
    expect(h.cluster.topic('nope')).toBeUndefined();
  });
});

describe('test broker: DescribeConfigs BROKER identifies the broker behind a port', () => {
  it('answers "" like Kafka: the cluster-wide dynamic defaults (none here), so no node.id', async () => {
    const h = await cluster({ properties: twoListenerProperties });
    for (const v of [0, 1, 2, 3, 4]) {
      const res = await describeBroker(h.brokers[1]!.ports['EXTERNAL']!, '', v);
      expect(res.errorCode).toBe(0);
      expect(res.configs).toEqual([]);
    }
  });

  it('answers its own id with its listener configs, for every version', async () => {
    const h = await cluster({ properties: twoListenerProperties });
    const port = h.brokers[1]!.ports['EXTERNAL']!;
    for (const v of [0, 1, 2, 3, 4]) {
      for (const name of ['2']) {
        const res = await describeBroker(port, name, v);
        expect(res.errorCode).toBe(0);
        const cfg = Object.fromEntries(res.configs.map((c) => [c.name, c.value]));
        expect(cfg['node.id']).toBe('2');
        expect(cfg['broker.id']).toBe('2');
        expect(cfg['advertised.listeners']).toBe('INTERNAL://127.0.0.1:0,EXTERNAL://b2.lb.example:9094');
        expect(cfg['listeners']).toContain('EXTERNAL://0.0.0.0:0');
        expect(cfg['listener.security.protocol.map']).toContain('EXTERNAL:PLAINTEXT');
      }
    }
  });

  it('rejects another broker id with error 42 and the ConfigHelper message', async () => {
    const h = await cluster();
    const res = await describeBroker(h.brokers[0]!.ports['PLAINTEXT']!, '3');
    expect(res.errorCode).toBe(42);
    expect(res.errorMessage).toBe('Unexpected broker id, expected 1 or empty string, but received 3');
    expect(res.configs).toEqual([]);
  });

  it('reports a topic min.insync.replicas with its source', async () => {
    const h = await cluster();
    h.cluster.createTopic('orders', 1, { minInsyncReplicas: 2 });
    h.cluster.createTopic('logs', 1);
    const c = await connect(h.brokers[0]!.ports['PLAINTEXT']!);
    const body = encodeDescribeConfigsRequest(4, {
      resources: [
        { resourceType: 2, resourceName: 'orders', configurationKeys: ['min.insync.replicas'] },
        { resourceType: 2, resourceName: 'logs', configurationKeys: ['min.insync.replicas'] },
        { resourceType: 2, resourceName: 'missing', configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const [orders, logs, missing] = decodeDescribeConfigsResponse(
      await c.request(32, 4, body, { responseHeaderVersion: 1 }),
      4,
    );
    expect(orders!.configs).toEqual([
      expect.objectContaining({ name: 'min.insync.replicas', value: '2', configSource: 1 }),
    ]);
    expect(logs!.configs).toEqual([
      expect.objectContaining({ name: 'min.insync.replicas', value: '1', configSource: 5 }),
    ]);
    expect(missing!.errorCode).toBe(3);
  });
});

describe('test broker: lifecycle and cluster state', () => {
  it('leaves the live set and ISRs when stopped, refuses connections, and rejoins after catch-up', async () => {
    const h = await cluster({ catchUpDelayMs: 50 });
    h.cluster.createTopic('orders', 3, { minInsyncReplicas: 2 });
    const [b1, b2] = h.brokers as [(typeof h.brokers)[0], (typeof h.brokers)[0]];
    const port = b2.ports['PLAINTEXT']!;
    await b2.stop();
    expect(b2.running).toBe(false);
    expect(await refuses(port)).toBe(true);
    const md = await metadata(b1.ports['PLAINTEXT']!);
    expect(md.brokers.map((b) => b.nodeId)).toEqual([1, 3]);
    for (const p of md.topics[0]!.partitions) {
      expect(p.isrNodes).not.toContain(2);
      expect(p.leaderId).not.toBe(2);
      expect(p.offlineReplicas).toEqual([2]);
    }
    await b2.start();
    expect(b2.ports['PLAINTEXT']).toBe(port); // port 0 listeners keep their port across restarts
    expect(h.cluster.liveBrokers().map((b) => b.nodeId)).toEqual([1, 2, 3]);
    expect(h.cluster.inAllIsrs(2)).toBe(false); // still catching up
    await h.cluster.waitFor((c) => c.inAllIsrs(2), { timeoutMs: 5_000, what: 'broker 2 back in every ISR' });
    const after = await metadata(b1.ports['PLAINTEXT']!);
    for (const p of after.topics[0]!.partitions) expect(p.isrNodes).toContain(2);
  });

  it('re-reads server.properties on restart, so a new advertised listener takes effect', async () => {
    const h = await cluster({ properties: twoListenerProperties });
    const b3 = h.brokers[2]!;
    const text = twoListenerProperties(3).replace('EXTERNAL://b3.lb.example:9095', 'EXTERNAL://b3.new.example:19095');
    h.writeProperties(2, text);
    const before = await metadata(h.brokers[0]!.ports['EXTERNAL']!);
    expect(before.brokers.find((b) => b.nodeId === 3)!.host).toBe('b3.lb.example');
    await b3.restart({ delayMs: 20 });
    const after = await metadata(h.brokers[0]!.ports['EXTERNAL']!);
    expect(after.brokers.find((b) => b.nodeId === 3)).toMatchObject({ host: 'b3.new.example', port: 19095 });
    const cfg = await describeBroker(b3.ports['EXTERNAL']!, '3');
    expect(cfg.configs.find((c) => c.name === 'advertised.listeners')!.value).toContain('b3.new.example:19095');
  });

  it('is absent and unreachable while a slow restart is in progress', async () => {
    const h = await cluster({ restartDelayMs: 300 });
    const b1 = h.brokers[0]!;
    const port = b1.ports['PLAINTEXT']!;
    const restarting = b1.restart();
    await h.cluster.waitFor((c) => !c.isLive(1), { timeoutMs: 2_000 });
    expect(b1.running).toBe(false);
    expect(await refuses(port)).toBe(true);
    const md = await metadata(h.brokers[1]!.ports['PLAINTEXT']!);
    expect(md.brokers.map((b) => b.nodeId)).toEqual([2, 3]);
    await restarting;
    expect(b1.running).toBe(true);
    expect(h.cluster.isLive(1)).toBe(true);
  });

  it('fails the next start on request and then starts normally', async () => {
    const h = await cluster();
    const b2 = h.brokers[1]!;
    h.cluster.failNextStart(2, 'disk full');
    await expect(b2.restart()).rejects.toBeInstanceOf(BrokerStartFailed);
    expect(b2.running).toBe(false);
    expect(h.cluster.isLive(2)).toBe(false);
    await b2.start();
    expect(h.cluster.isLive(2)).toBe(true);
  });

  it('a never-healthy broker binds its port but never registers nor answers', async () => {
    const h = await cluster();
    const b3 = h.brokers[2]!;
    h.cluster.neverHealthy(3);
    await b3.restart();
    expect(b3.running).toBe(true);
    expect(h.cluster.isLive(3)).toBe(false);
    const c = await connect(b3.ports['PLAINTEXT']!);
    await expect(c.request(18, 0, Buffer.alloc(0), { timeoutMs: 300 })).rejects.toThrow(/no response/);
    const md = await metadata(h.brokers[0]!.ports['PLAINTEXT']!);
    expect(md.brokers.map((b) => b.nodeId)).toEqual([1, 2]);
  });

  it('moves partition leadership off a stopped leader and back to a returning last ISR member', async () => {
    const h = await cluster();
    h.cluster.createTopic('t', [[1, 2]]);
    await h.brokers[0]!.stop();
    expect(h.cluster.topic('t')!.partitions[0]).toMatchObject({ leader: 2, isr: [2] });
    await h.brokers[1]!.stop();
    expect(h.cluster.topic('t')!.partitions[0]).toMatchObject({ leader: -1, isr: [2] });
    await h.brokers[1]!.start();
    expect(h.cluster.topic('t')!.partitions[0]).toMatchObject({ leader: 2 });
    h.cluster.shrinkIsr('t', 0, [2]);
    expect(h.cluster.snapshot().topics[0]!.partitions[0]).toEqual({
      index: 0,
      leader: 2,
      replicas: [1, 2],
      isr: [2],
      offline: [1],
    });
  });

  it('moves the KRaft quorum leadership when the active controller stops', async () => {
    const h = await cluster();
    h.cluster.setActiveController(2);
    expect(h.cluster.activeControllerId()).toBe(2);
    const epoch = h.cluster.quorum().leaderEpoch;
    await h.brokers[1]!.stop();
    expect(h.cluster.activeControllerId()).not.toBe(2);
    expect(h.cluster.quorum().leaderEpoch).toBeGreaterThan(epoch);
    const stale = h.cluster.quorum().voters.find((v) => v.nodeId === 2)!;
    expect(stale.logEndOffset).toBeLessThan(h.cluster.quorum().highWatermark);
  });
});
