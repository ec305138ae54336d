/**
 * Port-mapping TCP forwarder on loopback: the core of the `local` load-balancer provider.
 *
 * Behaves like a network load balancer in TCP passthrough mode: each listen port forwards whole connections,
 * byte for byte, to one of its upstreams. A port with one upstream reaches exactly that broker; a port with several
 * (a bootstrap port) picks upstreams round-robin and skips one that refuses the connection. `update()` reconfigures
 * listeners in place: listeners that stay keep their socket and their open connections.
 */
import net from 'node:net';
import { z } from 'zod';
import { portSchema } from '../model/schemas.ts';
import { formatIssuePath } from '../util/issues.ts';
import { ForwarderClosed, ForwarderConfigInvalid, ForwarderListenFailed } from './errors.ts';

export interface Upstream {
  host: string;
  port: number;
}

export interface PortMapping {
  /** Port to listen on; 0 lets the system pick one (see `PortForwarder.ports`). */
  listenPort: number;
  upstreams: Upstream[];
}

export interface PortForwarderOptions {
  host?: string;
  mappings: PortMapping[];
  /** Give up on an upstream that does not answer the TCP handshake within this time and try the next. */
  connectTimeoutMs?: number;
}

export interface PortForwarder {
  /** Actually bound ports, in the order of the current mappings. */
  readonly ports: number[];
  /**
   * Reconfigure. A mapping whose listenPort is an already bound port keeps that listener (and its open
   * connections) and only takes the new upstreams; listenPort 0 or an unbound port opens a new listener;
   * bound ports that no mapping names any more are closed with their connections.
   * Resolves to the bound ports in mapping order. If a new port cannot be bound, nothing changes.
   */
  update(mappings: PortMapping[]): Promise<number[]>;
  /** Number of client connections currently open through the forwarder (for tests and metrics). */
  connectionCount(): number;
  close(): Promise<void>;
}

/** 0: any free port (the forwarder reports which). */
const listenPortSchema = z.literal(0).or(portSchema);
const upstreamSchema = z.strictObject({ host: z.string().min(1), port: portSchema });
const mappingSchema = z.strictObject({ listenPort: listenPortSchema, upstreams: z.array(upstreamSchema).min(1) });
const mappingsSchema = z.array(mappingSchema).superRefine((mappings, ctx) => {
  const seen = new Set<number>();
  mappings.forEach((m, i) => {
    if (m.listenPort === 0) return;
    if (seen.has(m.listenPort)) {
      ctx.addIssue({ code: 'custom', path: [i, 'listenPort'], message: `listen port ${m.listenPort} appears twice` });
    }
    seen.add(m.listenPort);
  });
});
const optionsSchema = z.strictObject({
  host: z.string().min(1).optional(),
  mappings: mappingsSchema,
  connectTimeoutMs: z.number().int().positive().optional(),
});

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `mappings${formatIssuePath(i.path)}: ${i.message}`).join('; ');
    throw new ForwarderConfigInvalid(`invalid port forwarder configuration: ${detail}`, { cause: result.error });
  }
  return result.data;
}

interface Listener {
  server: net.Server;
  port: number;
  upstreams: Upstream[];
  next: number;
  /** Client sockets and upstream sockets of this listener. */
  sockets: Set<net.Socket>;
  clients: Set<net.Socket>;
}

export async function startPortForwarder(options: PortForwarderOptions): Promise<PortForwarder> {
  const opts = parse(optionsSchema, options);
  const host = opts.host ?? '127.0.0.1';
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
  let listeners: Listener[] = [];
  let closed = false;

  function forward(listener: Listener, client: net.Socket): void {
    listener.sockets.add(client);
    listener.clients.add(client);
    client.once('close', () => {
      listener.sockets.delete(client);
      listener.clients.delete(client);
    });
    client.on('error', () => client.destroy());
    const upstreams = listener.upstreams;
    const start = listener.next % upstreams.length;
    listener.next = (start + 1) % upstreams.length;
    let attempt = 0;

    const tryNext = (): void => {
      if (client.destroyed) return;
      if (attempt >= upstreams.length) {
        client.destroy();
        return;
      }
      const target = upstreams[(start + attempt) % upstreams.length]!;
      attempt += 1;
      const upstream = net.connect({ host: target.host, port: target.port });
      listener.sockets.add(upstream);
      upstream.once('close', () => listener.sockets.delete(upstream));
      upstream.setTimeout(connectTimeoutMs);
      let connected = false;
      const onConnectFailure = (): void => {
        upstream.destroy();
        if (!connected) tryNext();
      };
      upstream.once('timeout', onConnectFailure);
      upstream.once('error', onConnectFailure);
      upstream.once('connect', () => {
        connected = true;
        upstream.setTimeout(0);
        upstream.off('timeout', onConnectFailure);
        upstream.off('error', onConnectFailure);
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        upstream.on('error', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryNext();
  }

  async function open(port: number, upstreams: Upstream[]): Promise<Listener> {
    const server = net.createServer({ pauseOnConnect: true });
    const listener: Listener = { server, port, upstreams, next: 0, sockets: new Set(), clients: new Set() };
    server.on('connection', (socket) => forward(listener, socket));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new ForwarderListenFailed(host, port, { cause: err }));
      server.once('error', onError);
      server.listen({ host, port }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    listener.port = (server.address() as net.AddressInfo).port;
    return listener;
  }

  async function shut(listener: Listener): Promise<void> {
    const done = new Promise<void>((resolve) => listener.server.close(() => resolve()));
    for (const s of listener.sockets) s.destroy();
    await done;
  }

  async function update(mappings: PortMapping[]): Promise<number[]> {
    if (closed) throw new ForwarderClosed();
    const parsed = parse(mappingsSchema, mappings);
    const byPort = new Map(listeners.map((l) => [l.port, l]));
    const kept = new Set<Listener>();
    const opened: Listener[] = [];
    const next: Listener[] = [];
    try {
      for (const m of parsed) {
        const existing = m.listenPort === 0 ? undefined : byPort.get(m.listenPort);
        if (existing) {
          kept.add(existing);
          next.push(existing);
        } else {
          const l = await open(m.listenPort, m.upstreams);
          opened.push(l);
          next.push(l);
        }
      }
    } catch (err) {
      await Promise.all(opened.map(shut));
      throw err;
    }
    // Only now that every new port is bound: switch upstreams, drop removed listeners.
    parsed.forEach((m, i) => {
      const l = next[i]!;
      l.upstreams = m.upstreams.map((u) => ({ host: u.host, port: u.port }));
      if (l.next >= l.upstreams.length) l.next = 0;
    });
    const removed = listeners.filter((l) => !kept.has(l));
    listeners = next;
    await Promise.all(removed.map(shut));
    return listeners.map((l) => l.port);
  }

  await update(opts.mappings);

  return {
    get ports() {
      return listeners.map((l) => l.port);
    },
    update,
    connectionCount() {
      let n = 0;
      for (const l of listeners) n += l.clients.size;
      return n;
    },
    async close() {
      if (closed) return;
      closed = true;
      const all = listeners;
      listeners = [];
      await Promise.all(all.map(shut));
    },
  };
}
