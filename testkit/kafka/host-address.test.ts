import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProbe } from '../../shared/kafka/probe/probe.ts';
import { startTestBroker, type TestBroker } from './broker.ts';
import { TestCluster } from './cluster.ts';

// Two brokers play two hosts on one machine: both bind the wildcard listener on the same port, each on its own
// loopback address, as two VMs would.
describe('test broker hostAddress', () => {
  const brokers: TestBroker[] = [];
  let dir = '';
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.close()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('binds and advertises wildcard listeners on the host address, so brokers can share a port number', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-hostaddr-'));
    const cluster = new TestCluster();
    // Below the ephemeral range (32768+), on addresses no other test plays (the lab uses 127.0.0.11-19).
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    for (const id of [1, 2]) {
      const path = join(dir, `b${id}.properties`);
      await writeFile(
        path,
        [
          'process.roles=broker,controller',
          `node.id=${id}`,
          'controller.listener.names=CONTROLLER',
          `listeners=INTERNAL://0.0.0.0:${port},CONTROLLER://0.0.0.0:0`,
          'listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
          'inter.broker.listener.name=INTERNAL',
        ].join('\n'),
      );
      brokers.push(await startTestBroker({ propertiesPath: path, cluster, hostAddress: `127.0.0.${200 + id}` }));
    }
    const probe = createProbe({ host: '127.0.0.202', port, timeoutMs: 5_000 });
    try {
      const metadata = await probe.metadata();
      expect(metadata.brokers.map((b) => `${b.id}@${b.host}:${b.port}`).sort()).toEqual([
        `1@127.0.0.201:${port}`,
        `2@127.0.0.202:${port}`,
      ]);
      expect((await probe.brokerIdentity(2)).reachedExpected).toBe(true);
    } finally {
      await probe.close();
    }
  });
});
