/*
 * The local provider end to end against the Kafka-protocol test brokers (testkit/kafka, a test fake: no real
 * Kafka can run here): real TCP through the local load balancer, real Kafka protocol bytes, the real
 * brokerlink-writer.sh on a real server.properties, and a real restart of a broker process through its restart
 * script (testkit/kafka/restart-testbroker.sh, the broker's control port).
 */

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Connection, describeConfigsV4, metadataV12 } from '@platformatic/kafka';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kraftProperties, startTestCluster } from '../../../testkit/kafka/index.ts';
import { parseReadOutput, parseWriteOutput, sha256Hex } from '../../broker-writer/protocol.ts';
import type { LbAction } from '../../model/plan.ts';
import type { CommandChannel, CommandHandle, CommandStatus } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { clusterSpecSchema } from '../../spec/schema.ts';
import { applyAction, applyActions } from '../testing/drive.ts';
import type { LocalLoadBalancerDaemon } from './index.ts';
import { createLocalProvider, startLocalLoadBalancer } from './index.ts';
import { freePort } from './testing/echo.ts';

const TESTKIT_CLI = join(import.meta.dirname, '..', '..', '..', 'testkit', 'kafka', 'cli.ts');
const RESTART_SCRIPT = join(import.meta.dirname, '..', '..', '..', 'testkit', 'kafka', 'restart-testbroker.sh');

let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bl-local-e2e-'));
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  await rm(dir, { recursive: true, force: true });
});

function specFor(stateFile: string, propertiesPath: string, ids: number[]): ClusterSpec {
  return clusterSpecSchema.parse({
    cluster: 'orders',
    provider: { local: { host: '127.0.0.1', stateFile } },
    brokers: {
      static: ids.map((id) => ({ id, host: '127.0.0.1' })),
      propertiesPath,
      restart: { script: RESTART_SCRIPT },
    },
    kafka: { bootstrap: ['127.0.0.1:9092'] },
    exposures: [
      {
        brokerPort: 39092,
        bootstrapPort: 9092,
        brokerPorts: { from: 9093, to: 9099 },
        advertisedListenerPattern: '127.0.0.1:<port>',
      },
    ],
  });
}

async function kafka(port: number): Promise<Connection> {
  const c = new Connection('brokerlink-local-e2e', { connectTimeout: 3_000, requestTimeout: 3_000 });
  cleanups.push(() => c.close().catch(() => undefined));
  await c.connect('127.0.0.1', port);
  return c;
}

async function daemonFor(stateFile: string): Promise<LocalLoadBalancerDaemon> {
  const d = await startLocalLoadBalancer({ stateFile, host: '127.0.0.1', pollIntervalMs: 100 });
  cleanups.push(() => d.close());
  return d;
}

async function settle(channel: CommandChannel, handle: CommandHandle): Promise<CommandStatus> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await channel.poll(handle);
    if (status.state !== 'running') return status;
    if (Date.now() > deadline) throw new Error(`command ${handle.id} did not finish`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('local provider with test brokers', () => {
  it('bootstrap through the LB returns the advertised LB ports, and LB port N reaches broker N', async () => {
    const ids = [1, 2, 3];
    const lbPorts = new Map<number, number>();
    for (const id of ids) lbPorts.set(id, await freePort());
    const bootstrap = await freePort();
    const h = await startTestCluster({
      nodeIds: ids,
      properties: (id) =>
        kraftProperties(id)
          .replace('listeners=PLAINTEXT://127.0.0.1:0,', 'listeners=PLAINTEXT://127.0.0.1:0,EXTERNAL://127.0.0.1:0,')
          .replace('CONTROLLER:PLAINTEXT', 'CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT')
          .concat(`\nadvertised.listeners=PLAINTEXT://127.0.0.1:0,EXTERNAL://127.0.0.1:${lbPorts.get(id)}\n`),
    });
    cleanups.push(() => h.close());
    const stateFile = join(dir, 'lb.json');
    const spec = specFor(stateFile, '/tmp/unused.properties', ids);
    const daemon = await daemonFor(stateFile);
    const provider = createLocalProvider(spec, { daemon });
    const external = (id: number) => {
      const broker = h.brokers.find((b) => b.nodeId === id)!;
      return { brokerId: id, host: '127.0.0.1', port: broker.ports['EXTERNAL']! };
    };
    const actions: LbAction[] = [
      { kind: 'createMapping', exposure: 'EXTERNAL', role: 'bootstrap', port: bootstrap, targets: ids.map(external) },
      ...ids.map(
        (id): LbAction => ({
          kind: 'createMapping',
          exposure: 'EXTERNAL',
          role: 'broker',
          port: lbPorts.get(id)!,
          brokerId: id,
          targets: [external(id)],
        }),
      ),
      ...[bootstrap, ...lbPorts.values()].map((port): LbAction => ({ kind: 'openPort', port, cidrs: ['127.0.0.0/8'] })),
    ];
    await applyActions(provider, spec, actions);

    const md = await metadataV12.api.async(await kafka(bootstrap), null, false, false);
    expect(md.brokers.map((b) => [b.nodeId, b.host, b.port]).sort()).toEqual(
      ids.map((id) => [id, '127.0.0.1', lbPorts.get(id)]).sort(),
    );
    for (const id of ids) {
      const c = await kafka(lbPorts.get(id)!);
      const own = await describeConfigsV4.api.async(
        c,
        [{ resourceType: 4, resourceName: String(id), configurationKeys: ['node.id'] }],
        false,
        false,
      );
      expect(own.results[0]!.configs.map((x) => x.value)).toEqual([String(id)]);
      const other = ids.find((x) => x !== id)!;
      const wrong = await describeConfigsV4.api
        .async(c, [{ resourceType: 4, resourceName: String(other), configurationKeys: null }], false, false)
        .then(
          () => 0,
          (e: { response?: { results: { errorCode: number }[] } }) => e.response?.results[0]?.errorCode,
        );
      expect(wrong).toBe(42);
    }
  });

  it('pushes a listener through the command channel, restarts the broker process and serves it through the LB', async () => {
    const props = join(dir, 'server.properties');
    await writeFile(props, `${kraftProperties(1)}\n`);
    const child: ChildProcess = spawn(process.execPath, [TESTKIT_CLI, '--properties', props], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    });
    const announcements = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const nextAnnouncement = async (): Promise<{ nodeId: number; ports: Record<string, number> }> => {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('test broker did not announce')), 15_000).unref(),
      );
      const line = await Promise.race([announcements.next(), timeout]);
      if (line.done) throw new Error('test broker exited');
      return JSON.parse(line.value);
    };
    expect((await nextAnnouncement()).ports['EXTERNAL']).toBeUndefined();

    const stateFile = join(dir, 'lb.json');
    const spec = specFor(stateFile, props, [1]);
    const daemon = await daemonFor(stateFile);
    const provider = createLocalProvider(spec, { daemon });
    const target = { brokerId: 1, host: '127.0.0.1', instanceId: '127.0.0.1' };
    const [lbPort, externalPort] = [await freePort(), await freePort()];

    // read → edit → compare-and-swap write, as the push step does
    const read = await settle(
      provider.commands,
      await provider.commands.start(target, { kind: 'read-config', path: props }),
    );
    const current = parseReadOutput(read.state === 'succeeded' ? read.stdout : '');
    const text = Buffer.from(current.contentBase64, 'base64')
      .toString('latin1')
      .replace(
        'listeners=PLAINTEXT://127.0.0.1:0,',
        `listeners=PLAINTEXT://127.0.0.1:0,EXTERNAL://127.0.0.1:${externalPort},`,
      )
      .replace('CONTROLLER:PLAINTEXT', 'CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT')
      .concat(`advertised.listeners=PLAINTEXT://127.0.0.1:0,EXTERNAL://127.0.0.1:${lbPort}\n`);
    const next = Buffer.from(text, 'latin1');
    const write = await settle(
      provider.commands,
      await provider.commands.start(target, {
        kind: 'write-config',
        path: props,
        expectedSha256: current.sha256,
        contentBase64: next.toString('base64'),
        expectedNodeId: 1,
      }),
    );
    expect(parseWriteOutput(write.state === 'succeeded' ? write.stdout : '', 0)).toMatchObject({
      result: 'changed',
      sha256: sha256Hex(next),
    });

    const restart = await settle(
      provider.commands,
      await provider.commands.start(target, { kind: 'restart', method: spec.brokers.restart, path: props }),
    );
    expect(restart.state, JSON.stringify(restart)).toBe('succeeded');
    expect((await nextAnnouncement()).ports['EXTERNAL']).toBe(externalPort);

    for (const action of [
      {
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: lbPort,
        brokerId: 1,
        targets: [{ brokerId: 1, host: '127.0.0.1', port: externalPort }],
      },
      { kind: 'openPort', port: lbPort, cidrs: ['127.0.0.0/8'] },
    ] satisfies LbAction[]) {
      await applyAction(provider, spec, action);
    }
    const md = await metadataV12.api.async(await kafka(lbPort), null, false, false);
    expect(md.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual([[1, '127.0.0.1', lbPort]]);
    expect(await provider.discovery.discoverBrokers(spec)).toEqual([
      { id: 1, host: '127.0.0.1', instanceId: '127.0.0.1', state: 'running' },
    ]);
  });
});
