import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LbAction } from '../../model/plan.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { clusterSpecSchema } from '../../spec/schema.ts';
import { driven } from '../testing/drive.ts';
import { LocalLbNotServingRetryable, LocalLbReloadFailed } from './errors.ts';
import { createLocalLedger } from './ledger.ts';
import { createLocalLoadBalancer } from './load-balancer.ts';
import type { LocalLoadBalancerDaemon } from './load-balancer-daemon.ts';
import { desiredMappings, startLocalLoadBalancer } from './load-balancer-daemon.ts';
import { readServedFile } from './served-file.ts';
import { readLocalState } from './state-file.ts';
import type { EchoServer } from './testing/echo.ts';
import { eventually, freePort, roundTrip, startEchoServer } from './testing/echo.ts';

/** The adapter with the state file's ledger: `apply` carries a whole action out, as the step does. */
const withLedger = (loadBalancer: ReturnType<typeof createLocalLoadBalancer>) =>
  driven({ loadBalancer, ledger: createLocalLedger({ stateFile }) });

let dir: string;
let stateFile: string;
let spec: ClusterSpec;
const cleanups: (() => Promise<void>)[] = [];

async function echo(name: string): Promise<EchoServer> {
  const server = await startEchoServer(name);
  cleanups.push(() => server.close());
  return server;
}

async function daemon(options: { pollIntervalMs?: number } = {}): Promise<LocalLoadBalancerDaemon> {
  const d = await startLocalLoadBalancer({ stateFile, host: '127.0.0.1', pollIntervalMs: 100, ...options });
  cleanups.push(() => d.close());
  return d;
}

function refused(port: number): Promise<string> {
  return roundTrip(port).then(
    (answer) => `answered ${answer}`,
    (err: NodeJS.ErrnoException) => err.code ?? err.message,
  );
}

const target = (brokerId: number, port: number) => ({ brokerId, host: '127.0.0.1', port });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bl-local-lb-'));
  stateFile = join(dir, 'lb.json');
  spec = clusterSpecSchema.parse({
    cluster: 'orders',
    provider: { local: { host: '127.0.0.1', stateFile } },
    brokers: {
      static: [{ id: 1, host: '127.0.0.1' }],
      propertiesPath: '/tmp/x.properties',
      restart: { script: '/bin/true' },
    },
    kafka: { bootstrap: ['127.0.0.1:9092'] },
    exposures: [
      {
        brokerPort: 39092,
        bootstrapPort: 9092,
        brokerPorts: { from: 9093, to: 9099 },
        advertisedListenerPattern: '<broker_id>:<port>',
      },
    ],
  });
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  await rm(dir, { recursive: true, force: true });
});

describe('desiredMappings', () => {
  it('serves only live, open mappings with targets', () => {
    const t = { id: 'h', host: 'h', port: 1 };
    expect(
      desiredMappings({
        format: 1,
        version: 1,
        openPorts: [1000, 1001, 1002],
        mappings: [
          { exposure: 'E', role: 'broker', brokerId: 1, port: 1000, targets: [t] },
          {
            exposure: 'E',
            role: 'broker',
            brokerId: 2,
            port: 1001,
            targets: [],
            retiredAt: '2026-01-01T00:00:00.000Z',
          },
          { exposure: 'E', role: 'broker', brokerId: 3, port: 1002, targets: [] },
          { exposure: 'E', role: 'broker', brokerId: 4, port: 1003, targets: [t] },
        ],
      }),
    ).toEqual([{ listenPort: 1000, upstreams: [{ host: 'h', port: 1 }] }]);
  });
});

describe('local load balancer daemon', () => {
  it('forwards each broker port to its broker and fans the bootstrap port out over all brokers', async () => {
    const [b1, b2] = [await echo('b1'), await echo('b2')];
    const [bootstrap, p1, p2] = [await freePort(), await freePort(), await freePort()];
    const d = await daemon();
    const lb = withLedger(createLocalLoadBalancer({ stateFile, daemon: d }));
    const actions: LbAction[] = [
      {
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: bootstrap,
        targets: [target(1, b1.port), target(2, b2.port)],
      },
      {
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: p1,
        brokerId: 1,
        targets: [target(1, b1.port)],
      },
      {
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: p2,
        brokerId: 2,
        targets: [target(2, b2.port)],
      },
      ...[bootstrap, p1, p2].map((port): LbAction => ({ kind: 'openPort', port, cidrs: ['127.0.0.0/8'] })),
    ];
    for (const a of actions) await lb.apply(spec, a);

    expect(d.ports()).toEqual([bootstrap, p1, p2].sort((a, b) => a - b));
    expect(await roundTrip(p1, 'x')).toBe('b1:x');
    expect(await roundTrip(p2, 'y')).toBe('b2:y');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i += 1) seen.add((await roundTrip(bootstrap, 'z')).split(':')[0]!);
    expect([...seen].sort()).toEqual(['b1', 'b2']);
    expect(await lb.loadBalancer.consumerAddress(spec)).toBe('127.0.0.1');
  });

  it('refuses connections on a mapped port that is not open, until it is opened, and again once closed', async () => {
    const b1 = await echo('b1');
    const p1 = await freePort();
    const d = await daemon();
    const lb = withLedger(createLocalLoadBalancer({ stateFile, daemon: d }));
    await lb.apply(spec, {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: p1,
      brokerId: 1,
      targets: [target(1, b1.port)],
    });
    expect(await refused(p1)).toBe('ECONNREFUSED');
    await lb.apply(spec, { kind: 'openPort', port: p1, cidrs: [] });
    expect(await roundTrip(p1)).toBe('b1:ping');
    await lb.apply(spec, { kind: 'closePort', port: p1, cidrs: [] });
    expect(await refused(p1)).toBe('ECONNREFUSED');
  });

  it('stops serving a retired mapping and serves it again once revived and re-registered', async () => {
    const b1 = await echo('b1');
    const p1 = await freePort();
    const d = await daemon();
    const lb = withLedger(createLocalLoadBalancer({ stateFile, daemon: d }));
    await lb.apply(spec, {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: p1,
      brokerId: 1,
      targets: [target(1, b1.port)],
    });
    await lb.apply(spec, { kind: 'openPort', port: p1, cidrs: [] });
    expect(await roundTrip(p1)).toBe('b1:ping');
    await lb.apply(spec, {
      kind: 'retireMapping',
      exposure: 'EXTERNAL',
      port: p1,
      brokerId: 1,
      retiredAt: new Date().toISOString(),
    });
    expect(await refused(p1)).toBe('ECONNREFUSED');
    await lb.apply(spec, { kind: 'reviveMapping', exposure: 'EXTERNAL', port: p1, brokerId: 1 });
    await lb.apply(spec, {
      kind: 'registerTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: p1,
      targets: [target(1, b1.port)],
    });
    expect(await roundTrip(p1)).toBe('b1:ping');
    expect((await lb.observe(spec)).mappings[0]).toMatchObject({
      port: p1,
      brokerId: 1,
      targets: [{ id: '127.0.0.1', port: b1.port }],
    });
  });

  it('moves a port to a new target without an explicit reload (file watch)', async () => {
    const [b1, b1new] = [await echo('old'), await echo('new')];
    const p1 = await freePort();
    await daemon();
    const lb = withLedger(createLocalLoadBalancer({ stateFile })); // no daemon handle: only the watcher/poll can notice
    await lb.apply(spec, {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: p1,
      brokerId: 1,
      targets: [target(1, b1.port)],
    });
    await lb.apply(spec, { kind: 'openPort', port: p1, cidrs: [] });
    expect(await eventually(() => roundTrip(p1))).toBe('old:ping');
    await lb.apply(spec, {
      kind: 'registerTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: p1,
      targets: [{ ...target(1, b1new.port), host: 'localhost' }],
    });
    await lb.apply(spec, {
      kind: 'deregisterTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: p1,
      targets: [{ id: '127.0.0.1', port: b1.port }],
    });
    const version = (await readLocalState(stateFile)).version;
    await eventually(async () => {
      const served = await readServedFile(stateFile);
      if ((served?.version ?? -1) < version) throw new Error('not yet');
    });
    expect(await roundTrip(p1)).toBe('new:ping');
  });

  it('keeps serving the last good ledger when the file is broken, and reports it', async () => {
    const b1 = await echo('b1');
    const p1 = await freePort();
    const d = await daemon();
    const lb = withLedger(createLocalLoadBalancer({ stateFile, daemon: d }));
    await lb.apply(spec, {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: p1,
      brokerId: 1,
      targets: [target(1, b1.port)],
    });
    await lb.apply(spec, { kind: 'openPort', port: p1, cidrs: [] });
    await writeFile(stateFile, '{broken');
    await expect(d.reload()).rejects.toThrow(LocalLbReloadFailed);
    expect(await roundTrip(p1)).toBe('b1:ping');
    expect(d.served().version).toBe(2);
  });

  it('serves the other ports when one port is taken by another process, and reports the taken one', async () => {
    const b1 = await echo('b1');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));
    const taken = (blocker.address() as net.AddressInfo).port;
    const p1 = await freePort();
    const d = await daemon();
    const lb = withLedger(createLocalLoadBalancer({ stateFile, daemon: d }));
    for (const [port, brokerId] of [
      [taken, 1],
      [p1, 2],
    ] as const) {
      await lb.apply(spec, {
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'broker',
        port,
        brokerId,
        targets: [target(brokerId, b1.port)],
      });
      await lb.apply(spec, { kind: 'openPort', port, cidrs: [] });
    }
    expect(d.ports()).toEqual([p1]);
    expect(d.served().failedPorts).toEqual([{ port: taken, error: expect.stringContaining('EADDRINUSE') }]);
    expect(await roundTrip(p1)).toBe('b1:ping');
  });

  it('runs as a process (lb-main.ts) that an applier in another process waits for', async () => {
    const b1 = await echo('b1');
    const p1 = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      [join(import.meta.dirname, 'lb-main.ts'), '--state', stateFile, '--host', '127.0.0.1', '--poll-ms', '50'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    });
    await eventually(async () => {
      if ((await readServedFile(stateFile)) === undefined) throw new Error('daemon not up yet');
    }, 10_000);
    const lb = withLedger(createLocalLoadBalancer({ stateFile, waitForServedMs: 10_000 }));
    await lb.apply(spec, {
      kind: 'createMapping',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: p1,
      brokerId: 1,
      targets: [target(1, b1.port)],
    });
    await lb.apply(spec, { kind: 'openPort', port: p1, cidrs: [] });
    expect(await roundTrip(p1)).toBe('b1:ping');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await readServedFile(stateFile)).toBeUndefined();
    await expect(refused(p1)).resolves.toBe('ECONNREFUSED');
  });

  it('tells the applier when no daemon serves the change', async () => {
    const lb = withLedger(createLocalLoadBalancer({ stateFile, waitForServedMs: 100 }));
    await expect(lb.apply(spec, { kind: 'openPort', port: 1234, cidrs: [] })).rejects.toThrow(
      LocalLbNotServingRetryable,
    );
  });
});
