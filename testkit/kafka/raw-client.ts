/**
 * A minimal raw Kafka-protocol client for tests: sends framed requests over TCP/TLS and returns the response body
 * (after the response header) matched by correlation id. It does no version negotiation and no SASL by itself.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Reader, Writer } from './codec.ts';
import { ProtocolViolation, WaitTimedOut } from './errors.ts';
import { FrameSplitter, frameRequest } from './protocol.ts';

export interface RawResponse {
  correlationId: number;
  /** The whole frame after the size prefix (header + body). */
  frame: Buffer;
}

export class RawKafkaConnection {
  private readonly socket: net.Socket;
  private readonly splitter = new FrameSplitter();
  private readonly waiting = new Map<number, { resolve: (r: RawResponse) => void; reject: (e: Error) => void }>();
  private nextCorrelation = 1;
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.splitter.push(chunk)) {
        const correlationId = frame.readInt32BE(0);
        const w = this.waiting.get(correlationId);
        if (w) {
          this.waiting.delete(correlationId);
          w.resolve({ correlationId, frame });
        }
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        for (const w of this.waiting.values()) w.reject(new ProtocolViolation('connection closed by broker'));
        this.waiting.clear();
        resolve();
      }),
    );
  }

  static async connect(
    host: string,
    port: number,
    options: { tls?: tls.ConnectionOptions; timeoutMs?: number } = {},
  ): Promise<RawKafkaConnection> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const socket = options.tls ? tls.connect({ host, port, ...options.tls }) : net.connect({ host, port });
    const event = options.tls ? 'secureConnect' : 'connect';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new WaitTimedOut(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once(event, () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return new RawKafkaConnection(socket);
  }

  /**
   * Sends one request; resolves with a Reader positioned after the response header
   * (`responseHeaderVersion` 1 skips the header's tagged fields).
   */
  async request(
    apiKey: number,
    apiVersion: number,
    body: Buffer | ((w: Writer) => void),
    options: { responseHeaderVersion?: 0 | 1; clientId?: string | null; timeoutMs?: number } = {},
  ): Promise<Reader> {
    const res = await this.send(apiKey, apiVersion, body, options);
    const r = new Reader(res.frame);
    r.int32();
    if ((options.responseHeaderVersion ?? 0) === 1) r.tagged();
    return r;
  }

  send(
    apiKey: number,
    apiVersion: number,
    body: Buffer | ((w: Writer) => void),
    options: { clientId?: string | null; timeoutMs?: number } = {},
  ): Promise<RawResponse> {
    const correlationId = this.nextCorrelation++;
    let payload: Buffer;
    if (typeof body === 'function') {
      const w = new Writer();
      body(w);
      payload = w.toBuffer();
    } else {
      payload = body;
    }
    const frame = frameRequest(
      { apiKey, apiVersion, correlationId, clientId: options.clientId === undefined ? 'raw-test' : options.clientId },
      payload,
    );
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(correlationId);
        reject(new WaitTimedOut(`no response to api ${apiKey} v${apiVersion} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(correlationId, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(frame);
    });
  }

  /** Writes raw bytes (for malformed-input tests). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  close(): void {
    this.socket.destroy();
  }
}
