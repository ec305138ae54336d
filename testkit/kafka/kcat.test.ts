/**
 * Cross-check with a real, independent Kafka client: Debian's kcat (librdkafka). Runs `kcat -L -J` against three
 * test brokers sharing a cluster, directly and through the port-mapping forwarder (bootstrap port + one port per
 * broker, brokers advertising the forwarder's ports), and a produce-then-consume round trip.
 */
import { execFile, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { type PortForwarder, startPortForwarder } from '../../shared/net/port-forwarder.ts';
import { kraftProperties, startTestCluster, type TestClusterHandle } from './fixtures.ts';

const kcatMissing = spawnSync('kcat', ['-V']).error !== undefined;
const skipReason = 'kcat is not installed (apt-get install -y kcat)';

interface KcatMetadata {
  controllerid: number;
  brokers: { id: number; name: string }[];
  topics: {
    topic: string;
    partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[];
  }[];
}

/** Runs kcat asynchronously (the brokers live in this process: a sync spawn would block them). */
function kcat(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, { timeout: 20_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kcat ${args.join(' ')} failed: ${stderr}`, { cause: err }));
      else resolve(stdout);
    });
    child.stdin?.end(input ?? '');
  });
}

const handles: TestClusterHandle[] = [];
const forwarders: PortForwarder[] = [];
afterEach(async () => {
  for (const f of forwarders.splice(0)) await f.close();
  for (const h of handles.splice(0)) await h.close();
});

describe.skipIf(kcatMissing)(`kcat against test brokers${kcatMissing ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('kcat -L -J lists the three brokers, their ports and the topics', async () => {
    const h = await startTestCluster();
    handles.push(h);
    h.cluster.createTopic('orders', 3, { minInsyncReplicas: 2 });
    h.cluster.createTopic('payments', 1, { replicationFactor: 3 });
    const port = h.brokers[1]!.ports['PLAINTEXT']!;
    const md = JSON.parse(await kcat(['-L', '-J', '-b', `127.0.0.1:${port}`, '-m', '10'])) as KcatMetadata;
    expect(md.brokers.sort((a, b) => a.id - b.id)).toEqual(
      h.brokers.map((b) => ({ id: b.nodeId, name: `127.0.0.1:${b.ports['PLAINTEXT']}` })),
    );
    expect(md.topics.map((t) => t.topic).sort()).toEqual(['orders', 'payments']);
    const orders = md.topics.find((t) => t.topic === 'orders')!;
    expect(orders.partitions.map((p) => p.leader).sort()).toEqual([1, 2, 3]);
    for (const p of orders.partitions) expect(p.isrs.map((i) => i.id).sort()).toEqual([1, 2, 3]);
  });

  it('through the forwarder: bootstrap returns the forwarder ports the brokers advertise, and each port reaches its broker', async () => {
    const dead = { host: '127.0.0.1', port: 1 };
    // 1. reserve LB ports (bootstrap + one per broker) before the brokers know them
    const lb = await startPortForwarder({
      mappings: [0, 1, 2, 3].map(() => ({ listenPort: 0, upstreams: [dead] })),
    });
    forwarders.push(lb);
    const [bootstrap, ...brokerPorts] = lb.ports as [number, number, number, number];
    // 2. brokers get an EXTERNAL listener advertising their LB port
    const h = await startTestCluster({
      properties: (id) =>
        kraftProperties(id)
          .replace(/^listeners=.*$/m, 'listeners=PLAINTEXT://127.0.0.1:0,EXTERNAL://0.0.0.0:0,CONTROLLER://127.0.0.1:0')
          .replace(
            /^listener.security.protocol.map=.*$/m,
            'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
          )
          .concat(`\nadvertised.listeners=PLAINTEXT://127.0.0.1:0,EXTERNAL://127.0.0.1:${brokerPorts[id - 1]}\n`),
    });
    handles.push(h);
    h.cluster.createTopic('orders', 3, { minInsyncReplicas: 2 });
    // 3. register targets: hot update keeps the ports
    const ext = h.brokers.map((b) => ({ host: '127.0.0.1', port: b.ports['EXTERNAL']! }));
    await lb.update([
      { listenPort: bootstrap, upstreams: ext },
      ...brokerPorts.map((p, i) => ({ listenPort: p, upstreams: [ext[i]!] })),
    ]);
    expect(lb.ports).toEqual([bootstrap, ...brokerPorts]);

    for (let i = 0; i < 3; i++) {
      // every bootstrap attempt (round-robin over brokers) returns exactly the planned set
      const md = JSON.parse(await kcat(['-L', '-J', '-b', `127.0.0.1:${bootstrap}`, '-m', '10'])) as KcatMetadata;
      expect(md.brokers.map((b) => b.name).sort()).toEqual(brokerPorts.map((p) => `127.0.0.1:${p}`).sort());
      expect(md.topics.map((t) => t.topic)).toEqual(['orders']);
    }
    // port N reaches broker N: kcat names the broker that answered
    for (const [i, p] of brokerPorts.entries()) {
      const md = JSON.parse(await kcat(['-L', '-J', '-b', `127.0.0.1:${p}`, '-m', '10'])) as KcatMetadata & {
        originating_broker: { id: number };
      };
      expect(md.originating_broker.id).toBe(i + 1);
    }
  });

  it('produces and consumes records through the forwarder', async () => {
    const h = await startTestCluster({ nodeIds: [1, 2] });
    handles.push(h);
    h.cluster.createTopic('smoke', [[2, 1]]);
    const b2 = h.brokers[1]!.ports['PLAINTEXT']!;
    const lb = await startPortForwarder({
      mappings: [{ listenPort: 0, upstreams: [{ host: '127.0.0.1', port: b2 }] }],
    });
    forwarders.push(lb);
    // Advertised = direct ports, so kcat leaves the forwarder after bootstrap; the data path is still real Kafka.
    const broker = `127.0.0.1:${lb.ports[0]}`;
    await kcat(['-P', '-b', broker, '-t', 'smoke', '-p', '0'], 'one\ntwo\nthree\n');
    await kcat(['-P', '-b', broker, '-t', 'smoke', '-p', '0'], 'four\n');
    const out = await kcat(['-C', '-b', broker, '-t', 'smoke', '-p', '0', '-o', 'beginning', '-e', '-f', '%o:%s\\n']);
    expect(out.trim().split('\n')).toEqual(['0:one', '1:two', '2:three', '3:four']);
    const tail = await kcat(['-C', '-b', broker, '-t', 'smoke', '-p', '0', '-o', '2', '-e', '-f', '%o:%s\\n']);
    expect(tail.trim().split('\n')).toEqual(['2:three', '3:four']);
  });

  it('kcat producing with acks=all is refused below min.insync.replicas', async () => {
    const h = await startTestCluster({ nodeIds: [1, 2] });
    handles.push(h);
    h.cluster.createTopic('guarded', [[1, 2]], { minInsyncReplicas: 2 });
    h.cluster.shrinkIsr('guarded', 0, [1]);
    const broker = `127.0.0.1:${h.brokers[0]!.ports['PLAINTEXT']}`;
    await expect(
      kcat(['-P', '-b', broker, '-t', 'guarded', '-p', '0', '-X', 'acks=all', '-X', 'message.timeout.ms=1500'], 'x\n'),
    ).rejects.toThrow(/NOT_ENOUGH_REPLICAS|Not enough in-sync replicas|timed out/i);
    expect(h.cluster.topic('guarded')!.partitions[0]!.logEndOffset).toBe(0n);
  });
});
