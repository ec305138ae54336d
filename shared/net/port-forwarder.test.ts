import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ForwarderConfigInvalid, ForwarderListenFailed } from './errors.ts';
import { type PortForwarder, startPortForwarder } from './port-forwarder.ts';

/** A real TCP server that answers every line with `<name>:<line>`. */
interface NamedServer {
  name: string;
  port: number;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function namedServer(name: string): Promise<NamedServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        s.write(`${name}:${buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  cleanups.push(close);
  return { name, port, close };
}

/** A port that refuses connections: bound once, then released. */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function forwarder(...args: Parameters<typeof startPortForwarder>): Promise<PortForwarder> {
  const f = await startPortForwarder(...args);
  cleanups.push(() => f.close());
  return f;
}

class LineClient {
  private buf = '';
  private waiters: ((line: string) => void)[] = [];
  private lines: string[] = [];
  readonly closed: Promise<void>;
  readonly socket: net.Socket;
  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d) => {
      this.buf += d.toString();
      let i = this.buf.indexOf('\n');
      while (i >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiters.shift();
        if (w) w(line);
        else this.lines.push(line);
        i = this.buf.indexOf('\n');
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((r) => socket.once('close', () => r()));
  }
  ask(text: string): Promise<string> {
    this.socket.write(`${text}\n`);
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return withTimeout(new Promise((r) => this.waiters.push(r)), `answer to ${text}`);
  }
}

function withTimeout<T>(p: Promise<T>, what: string, ms = 5_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref()),
  ]);
}

async function connect(port: number): Promise<LineClient> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await withTimeout(new Promise<void>((r, j) => socket.once('connect', r).once('error', j)), `connect ${port}`);
  const c = new LineClient(socket);
  cleanups.push(async () => {
    socket.destroy();
  });
  return c;
}

async function whoAnswers(port: number): Promise<string> {
  const c = await connect(port);
  const answer = await c.ask('who');
  c.socket.destroy();
  return answer.split(':')[0]!;
}

describe('startPortForwarder', () => {
  it('forwards each single-upstream port to exactly its upstream, both directions', async () => {
    const b1 = await namedServer('b1');
    const b2 = await namedServer('b2');
    const f = await forwarder({
      mappings: [
        { listenPort: 0, upstreams: [{ host: '127.0.0.1', port: b1.port }] },
        { listenPort: 0, upstreams: [{ host: '127.0.0.1', port: b2.port }] },
      ],
    });
    expect(f.ports).toHaveLength(2);
    expect(f.ports[0]).not.toBe(f.ports[1]);
    for (let i = 0; i < 3; i++) {
      expect(await whoAnswers(f.ports[0]!)).toBe('b1');
      expect(await whoAnswers(f.ports[1]!)).toBe('b2');
    }
    const c = await connect(f.ports[1]!);
    expect(await c.ask('hello')).toBe('b2:hello');
    expect(await c.ask('again')).toBe('b2:again');
  });

  it('carries a large payload intact', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => echo.close(() => r())));
    const f = await forwarder({
      mappings: [{ listenPort: 0, upstreams: [{ host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port }] }],
    });
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) % 251;
    const socket = net.connect({ host: '127.0.0.1', port: f.ports[0]! });
    cleanups.push(async () => {
      socket.destroy();
    });
    const chunks: Buffer[] = [];
    let received = 0;
    const done = new Promise<void>((r) =>
      socket.on('data', (d) => {
        chunks.push(d);
        received += d.length;
        if (received >= payload.length) r();
      }),
    );
    socket.write(payload);
    await withTimeout(done, 'echoed payload', 10_000);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  it('spreads bootstrap connections round-robin over the upstreams', async () => {
    const servers = [await namedServer('b1'), await namedServer('b2'), await namedServer('b3')];
    const f = await forwarder({
      mappings: [{ listenPort: 0, upstreams: servers.map((s) => ({ host: '127.0.0.1', port: s.port })) }],
    });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(await whoAnswers(f.ports[0]!));
    expect(seen).toEqual(['b1', 'b2', 'b3', 'b1', 'b2', 'b3']);
  });

  it('skips an upstream that refuses the connection', async () => {
    const b1 = await namedServer('b1');
    const b3 = await namedServer('b3');
    const dead = await refusedPort();
    const f = await forwarder({
      mappings: [
        {
          listenPort: 0,
          upstreams: [
            { host: '127.0.0.1', port: b1.port },
            { host: '127.0.0.1', port: dead },
            { host: '127.0.0.1', port: b3.port },
          ],
        },
      ],
    });
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await whoAnswers(f.ports[0]!));
    expect([...seen].sort()).toEqual(['b1', 'b3']);
  });

  it('closes the client connection when no upstream accepts', async () => {
    const f = await forwarder({
      mappings: [{ listenPort: 0, upstreams: [{ host: '127.0.0.1', port: await refusedPort() }] }],
    });
    const c = await connect(f.ports[0]!);
    await withTimeout(c.closed, 'client close');
    expect(c.socket.destroyed).toBe(true);
  });

  it('hot-reconfigures: keeps unaffected listeners and their connections, switches upstreams, adds and removes ports', async () => {
    const b1 = await namedServer('b1');
    const b2 = await namedServer('b2');
    const b3 = await namedServer('b3');
    const f = await forwarder({
      mappings: [
        { listenPort: 0, upstreams: [{ host: '127.0.0.1', port: b1.port }] },
        { listenPort: 0, upstreams: [{ host: '127.0.0.1', port: b2.port }] },
      ],
    });
    const [p1, p2] = f.ports as [number, number];
    const open1 = await connect(p1);
    expect(await open1.ask('x')).toBe('b1:x');
    const open2 = await connect(p2);
    expect(await open2.ask('y')).toBe('b2:y');

    const ports = await f.update([
      { listenPort: p1, upstreams: [{ host: '127.0.0.1', port: b1.port }] },
      { listenPort: 0, upstreams: [{ host: '127.0.0.1', port: b3.port }] },
    ]);
    expect(ports[0]).toBe(p1);
    expect(ports).toEqual(f.ports);
    // the kept listener's open connection still works
    expect(await open1.ask('still')).toBe('b1:still');
    // the removed listener dropped its connection and refuses new ones
    await withTimeout(open2.closed, 'removed listener connection close');
    await expect(connect(p2)).rejects.toThrow();
    expect(await whoAnswers(ports[1]!)).toBe('b3');

    // change upstream of a kept port: new connections go to the new upstream
    await f.update([
      { listenPort: p1, upstreams: [{ host: '127.0.0.1', port: b2.port }] },
      { listenPort: ports[1]!, upstreams: [{ host: '127.0.0.1', port: b3.port }] },
    ]);
    expect(f.ports).toEqual([p1, ports[1]]);
    expect(await whoAnswers(p1)).toBe('b2');
    expect(await open1.ask('old')).toBe('b1:old');
  });

  it('leaves the configuration unchanged when a new port cannot be bound', async () => {
    const b1 = await namedServer('b1');
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => blocker.close(() => r())));
    const taken = (blocker.address() as net.AddressInfo).port;
    const f = await forwarder({ mappings: [{ listenPort: 0, upstreams: [{ host: '127.0.0.1', port: b1.port }] }] });
    const before = f.ports;
    await expect(
      f.update([
        { listenPort: 0, upstreams: [{ host: '127.0.0.1', port: b1.port }] },
        { listenPort: taken, upstreams: [{ host: '127.0.0.1', port: b1.port }] },
      ]),
    ).rejects.toBeInstanceOf(ForwarderListenFailed);
    expect(f.ports).toEqual(before);
    expect(await whoAnswers(before[0]!)).toBe('b1');
  });

  it('rejects invalid mappings naming the field', async () => {
    await expect(startPortForwarder({ mappings: [{ listenPort: 0, upstreams: [] }] })).rejects.toThrow(
      /mappings\[0\]\.upstreams/,
    );
    await expect(
      startPortForwarder({
        mappings: [
          { listenPort: 5000, upstreams: [{ host: '127.0.0.1', port: 1 }] },
          { listenPort: 5000, upstreams: [{ host: '127.0.0.1', port: 2 }] },
        ],
      }),
    ).rejects.toBeInstanceOf(ForwarderConfigInvalid);
  });

  it('close() drops open connections and releases the ports', async () => {
    const b1 = await namedServer('b1');
    const f = await startPortForwarder({
      mappings: [{ listenPort: 0, upstreams: [{ host: '127.0.0.1', port: b1.port }] }],
    });
    const port = f.ports[0]!;
    const c = await connect(port);
    expect(await c.ask('a')).toBe('b1:a');
    expect(f.connectionCount()).toBe(1);
    await f.close();
    expect(f.ports).toEqual([]);
    await withTimeout(c.closed, 'connection close on forwarder close');
    await expect(connect(port)).rejects.toThrow();
  });
});
