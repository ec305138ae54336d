/**
 * The probe's one connection: connects lazily, runs each call under the probe's deadline, starts over after a
 * timeout or a dropped socket, and tells a TLS listener reached in plaintext apart from a closed port.
 */
import { isIP } from 'node:net';
import { type ConnectionOptions as TlsConnectOptions, connect as tlsConnect } from 'node:tls';
import { Connection, ResponseError } from '@platformatic/kafka';
import { classifyProbeError } from './classify.ts';
import { ProbeConnectionFailed, ProbeOptionsInvalid, ProbeTimedOut, ProbeTlsFailed } from './errors.ts';
import type { ResolvedProbeOptions } from './options.ts';

/** Resolves after `ms`, rejecting with `onTimeout()`; the losing promise's rejection is swallowed. */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {});
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Per-resource errors make the library reject with a ResponseError that still carries the parsed body. */
export function responseBody<T>(error: unknown): T | null {
  if (error instanceof ResponseError && error.response && typeof error.response === 'object') {
    return error.response as T;
  }
  return null;
}

function toTlsOptions(tls: NonNullable<ResolvedProbeOptions['tls']>): TlsConnectOptions {
  const out: TlsConnectOptions = {};
  if (tls.ca) out.ca = tls.ca;
  if (tls.serverName) out.servername = tls.serverName;
  if (tls.cert) out.cert = tls.cert;
  if (tls.key) out.key = tls.key;
  if (tls.insecureSkipVerify) out.rejectUnauthorized = false;
  return out;
}

export class ProbeConnection {
  readonly target: string;
  readonly #options: ResolvedProbeOptions;
  #connection: Connection | null = null;
  #connecting: Promise<Connection> | null = null;
  #closed = false;

  constructor(options: ResolvedProbeOptions, target: string) {
    this.#options = options;
    this.target = target;
  }

  /** Runs one request under the probe's deadline; errors come out classified (ProbeError). */
  async call<T>(operation: string, work: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = await this.#connect();
    const { timeoutMs } = this.#options;
    try {
      return await withDeadline(work(conn), timeoutMs, () => new ProbeTimedOut(this.target, operation, timeoutMs));
    } catch (error) {
      if (error instanceof ProbeTimedOut || !conn.isConnected()) {
        // A late answer would arrive on a connection whose state is unknown: start over next time.
        if (this.#connection === conn) this.#connection = null;
        await this.#dispose(conn);
      }
      const classified = classifyProbeError(error, this.target, operation, timeoutMs);
      if (classified instanceof ProbeConnectionFailed && !this.#options.tls && (await this.#speaksTls())) {
        throw new ProbeTlsFailed(
          this.target,
          'broker-requires-tls',
          'the listener closed the plaintext connection and answers a TLS handshake: configure TLS',
          { cause: classified },
        );
      }
      throw classified;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const conn = this.#connection ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#connection = null;
    this.#connecting = null;
    if (conn) await this.#dispose(conn);
  }

  async #connect(): Promise<Connection> {
    if (this.#closed) throw new ProbeOptionsInvalid(this.target, 'the probe was closed');
    if (this.#connection?.isConnected()) return this.#connection;
    if (this.#connecting) return this.#connecting;
    const { host, port, tls, sasl, timeoutMs, clientId } = this.#options;
    const conn = new Connection(clientId, {
      // The probe's own deadline decides; the library's timers are a backstop just behind it.
      connectTimeout: timeoutMs + 1_000,
      requestTimeout: timeoutMs + 1_000,
      maxInflights: 5,
      ...(tls ? { tls: toTlsOptions(tls) } : {}),
      ...(sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } } : {}),
    });
    // A Connection re-emits socket errors; without a listener an EventEmitter 'error' would crash the process.
    conn.on('error', () => {});
    const connecting = withDeadline(
      conn.connect(host, port) as Promise<void>,
      timeoutMs,
      () => new ProbeTimedOut(this.target, 'connect', timeoutMs),
    ).then(
      () => conn,
      async (error: unknown) => {
        await this.#dispose(conn);
        throw classifyProbeError(error, this.target, 'connect', timeoutMs);
      },
    );
    this.#connecting = connecting;
    try {
      this.#connection = await connecting;
      return this.#connection;
    } finally {
      this.#connecting = null;
    }
  }

  /**
   * Diagnosis only: after a plaintext connection was closed without an answer, does the port complete a TLS
   * handshake? (A Kafka SSL listener closes on plaintext bytes without telling why.) No data is sent.
   */
  async #speaksTls(): Promise<boolean> {
    const { host, port, timeoutMs } = this.#options;
    return await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({
        host,
        port,
        rejectUnauthorized: false,
        ...(isIP(host) !== 0 ? {} : { servername: host }),
      });
      const done = (result: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => done(false), Math.min(timeoutMs, 2_000));
      socket.once('secureConnect', () => done(true));
      socket.once('error', () => done(false));
      socket.once('close', () => done(false));
    });
  }

  async #dispose(conn: Connection): Promise<void> {
    try {
      await withDeadline(conn.close(), 1_000, () => new Error('close timed out'));
    } catch {
      // fall through to destroy
    }
    conn.socket?.destroy();
  }
}
