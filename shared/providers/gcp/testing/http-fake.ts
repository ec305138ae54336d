/*
 * FAKE (test support): the small HTTP layer every Google Cloud fake shares. It speaks what the real Node clients
 * expect on the wire: JSON bodies, Google's error envelope `{error: {code, message, status, errors: [{reason}]}}`,
 * a bearer token on every call (401 otherwise), and loopback only. Each request is recorded (method + path) so
 * tests and benchmarks can count API calls.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BrokerlinkError } from '../../../errors.ts';

export interface FakeRequest {
  method: string;
  /** Path without the query string, URL-decoded per segment by the router. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The body parsed as JSON (undefined when empty). Invalid JSON is answered with 400 before routing. */
  json: unknown;
}

export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless a Buffer or string. */
  body?: unknown;
}

/** A handler may throw this to answer with Google's error envelope. */
export class GoogleApiError extends BrokerlinkError {
  static readonly disposition = 'fail';
  readonly status: number;
  readonly reason: string;
  override readonly name = 'GoogleApiError';
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

export function errorBody(status: number, reason: string, message: string): unknown {
  return {
    error: {
      code: status,
      message,
      status: STATUS_NAMES[status] ?? 'UNKNOWN',
      errors: [{ message, domain: 'global', reason }],
    },
  };
}

export type Handler = (request: FakeRequest, params: string[]) => FakeResponse | Promise<FakeResponse>;

export interface Route {
  method: string;
  /** Path pattern; `{}` matches one segment, `{**}` the rest (at the end only). */
  pattern: string;
  handler: Handler;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
}

export interface FakeServerOptions {
  /** The bearer token every request must carry. Null: no auth check (the metadata server has none). */
  token: string | null;
  /** Loopback address to bind (127.0.0.0/8 only). Default 127.0.0.1. */
  host?: string;
  port?: number;
  /** Called before routing; may throw GoogleApiError (e.g. the metadata server's Metadata-Flavor check). */
  precheck?: (request: FakeRequest) => void;
}

export class FakeHttpServer {
  readonly #routes: Array<{ method: string; parts: string[]; handler: Handler }> = [];
  readonly #options: FakeServerOptions;
  readonly #sockets = new Set<import('node:net').Socket>();
  readonly requests: RecordedRequest[] = [];
  /** Test seam: runs before each request is answered (to change the world under a client, or to fail a call). */
  onRequest: ((request: FakeRequest) => void) | undefined;
  #server: Server | undefined;

  constructor(options: FakeServerOptions) {
    this.#options = options;
    const host = options.host ?? '127.0.0.1';
    if (!/^127(?:\.\d{1,3}){3}$/.test(host)) throw new Error(`fake servers bind loopback only, not ${host}`);
  }

  route(method: string, pattern: string, handler: Handler): this {
    this.#routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  async listen(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => void this.#serve(req, res));
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port ?? 0, this.#options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  get port(): number {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('fake server is not listening');
    return address.port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests so far whose path matches, e.g. count('GET', /\/instances\//). */
  count(method: string | null, path: RegExp): number {
    return this.requests.filter((r) => (method === null || r.method === method) && path.test(r.path)).length;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.search });
    try {
      if (this.#options.token !== null && req.headers.authorization !== `Bearer ${this.#options.token}`) {
        throw new GoogleApiError(401, 'authError', 'Request had invalid authentication credentials.');
      }
      let json: unknown;
      const type = req.headers['content-type'] ?? '';
      if (body.length > 0 && type.includes('json')) {
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          throw new GoogleApiError(400, 'parseError', 'Invalid JSON payload received.');
        }
      }
      const request: FakeRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        json,
      };
      this.#options.precheck?.(request);
      this.onRequest?.(request);
      const answer = await this.#dispatch(request);
      send(res, answer);
    } catch (error) {
      if (error instanceof GoogleApiError) {
        send(res, { status: error.status, body: errorBody(error.status, error.reason, error.message) });
      } else {
        send(res, { status: 500, body: errorBody(500, 'backendError', `fake: ${(error as Error).message}`) });
      }
    }
  }

  async #dispatch(request: FakeRequest): Promise<FakeResponse> {
    const segments = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    for (const route of this.#routes) {
      if (route.method !== request.method) continue;
      const params = match(route.parts, segments);
      if (params) return route.handler(request, params);
    }
    throw new GoogleApiError(404, 'notFound', `fake: no route for ${request.method} ${request.path}`);
  }
}

function match(parts: string[], segments: string[]): string[] | null {
  const params: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '{**}') {
      if (i >= segments.length) return null;
      params.push(segments.slice(i).join('/'));
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return null;
    if (part === '{}') params.push(segment);
    else if (part.includes('{}')) {
      // e.g. "{}:access" — a segment with a fixed suffix (Google's custom methods).
      const [prefix, suffix] = part.split('{}') as [string, string];
      if (!segment.startsWith(prefix) || !segment.endsWith(suffix) || segment.length <= prefix.length + suffix.length)
        return null;
      params.push(segment.slice(prefix.length, segment.length - suffix.length));
    } else if (part !== segment) return null;
  }
  return parts.length === segments.length ? params : null;
}

function send(res: ServerResponse, answer: FakeResponse): void {
  const status = answer.status ?? 200;
  const headers = { ...(answer.headers ?? {}) };
  let payload: Buffer;
  if (Buffer.isBuffer(answer.body)) payload = answer.body;
  else if (typeof answer.body === 'string') payload = Buffer.from(answer.body, 'utf8');
  else if (answer.body === undefined) payload = Buffer.alloc(0);
  else {
    payload = Buffer.from(JSON.stringify(answer.body), 'utf8');
    headers['content-type'] ??= 'application/json; charset=UTF-8';
  }
  res.writeHead(status, { ...headers, 'content-length': String(payload.length) });
  res.end(payload);
}

/** Reads a required string field of a JSON body, or answers 400 naming it. */
export function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new GoogleApiError(400, 'required', `Invalid value for field '${field}': required.`);
  }
  return value;
}

export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GoogleApiError(400, 'invalid', `Invalid value for field '${field}': must be an object.`);
  }
  return value as Record<string, unknown>;
}
