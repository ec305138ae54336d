/*
 * FAKE (test support): one HTTP server standing in for the Alibaba Cloud OpenAPI gateways that brokerlink's
 * clients call (ECS, NLB, PrivateLink, KMS, CloudFlow), speaking their RPC wire protocol as the real SDK clients
 * send it: POST /, the action and version in x-acs-action / x-acs-version, parameters flattened as `Name.N.Field`
 * in the query string (ECS, PrivateLink) or an application/x-www-form-urlencoded body (NLB), a V3 signature that
 * is verified (a bad one is refused, nothing runs), JSON answers with a RequestId, and errors as
 * `{ RequestId, Code, Message, HostId }` with the gateway's HTTP status. Binds 127.0.3.1 (the Alibaba bed's
 * loopback block) on port 0 and records every call for the tests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BrokerlinkError } from '../../../errors.ts';
import { SignatureVerifier } from './acs3-signature.ts';

export const FAKE_ACCESS_KEY_ID = 'LTAI5tFakeBrokerlinkTest';
export const FAKE_ACCESS_KEY_SECRET = 'fake-secret-for-the-alibaba-test-bed';
export const FAKE_HOST = '127.0.3.1';

/** An error the fake answers with, as the service documents it (HTTP status + Code). */
export class FakeApiError extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'FakeApiError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Decoded RPC parameters with the helpers every service needs. */
export class RpcParams {
  readonly #values: ReadonlyMap<string, string>;
  constructor(entries: Iterable<readonly [string, string]>) {
    this.#values = new Map(entries);
  }
  has(name: string): boolean {
    return this.#values.has(name);
  }
  get(name: string): string | undefined {
    return this.#values.get(name);
  }
  required(name: string): string {
    const value = this.#values.get(name);
    if (value === undefined || value === '') {
      throw new FakeApiError(400, `MissingParam.${name}`, `The parameter ${name} is required.`);
    }
    return value;
  }
  int(name: string, fallback?: number): number | undefined {
    const value = this.#values.get(name);
    if (value === undefined || value === '') return fallback;
    if (!/^-?\d+$/.test(value)) throw new FakeApiError(400, `InvalidParam.${name}`, `${name} must be an integer.`);
    return Number(value);
  }
  bool(name: string, fallback = false): boolean {
    const value = this.#values.get(name);
    if (value === undefined || value === '') return fallback;
    if (value !== 'true' && value !== 'false') {
      throw new FakeApiError(400, `InvalidParam.${name}`, `${name} must be true or false.`);
    }
    return value === 'true';
  }
  /** `Name.1`, `Name.2`, … as a list (RPC repeat lists are 1-based and dense). */
  strings(name: string): string[] {
    const out: string[] = [];
    for (let n = 1; this.#values.has(`${name}.${n}`); n++) out.push(this.#values.get(`${name}.${n}`)!);
    return out;
  }
  /** `Name.N.Field` objects, N from 1 while any field is present. */
  objects(name: string): Record<string, string>[] {
    const byIndex = new Map<number, Record<string, string>>();
    const prefix = `${name}.`;
    for (const [key, value] of this.#values) {
      if (!key.startsWith(prefix)) continue;
      const match = /^(\d+)\.(.+)$/.exec(key.slice(prefix.length));
      if (match === null) continue;
      const index = Number(match[1]);
      const entry = byIndex.get(index) ?? {};
      entry[match[2]!] = value;
      byIndex.set(index, entry);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
  }
  entries(): [string, string][] {
    return [...this.#values.entries()];
  }
}

export interface RpcCall {
  product: string;
  version: string;
  action: string;
  params: Record<string, string>;
  /** Where the parameters travelled: the query string, the form body, or both. */
  carriedIn: 'query' | 'body' | 'both' | 'none';
  error?: string;
}

export type RpcHandler = (
  params: RpcParams,
  call: RpcCall,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface RpcService {
  product: string;
  version: string;
  actions: Readonly<Record<string, RpcHandler>>;
  /** How the SDK of this product carries parameters; a call that carries them otherwise is refused. */
  carries?: 'query' | 'body';
}

export interface FakeGateway {
  /** `host:port`, the form the Alibaba SDK clients take as `endpoint`. */
  endpoint: string;
  readonly calls: RpcCall[];
  /** Make the next `count` calls of `action` fail with `code` (e.g. Throttling.User, status 400). */
  injectFault(action: string, code: string, count?: number, status?: number): void;
  close(): Promise<void>;
}

export async function startFakeGateway(
  services: readonly RpcService[],
  options: { host?: string; credentials?: Record<string, string> } = {},
): Promise<FakeGateway> {
  const verifier = new SignatureVerifier(options.credentials ?? { [FAKE_ACCESS_KEY_ID]: FAKE_ACCESS_KEY_SECRET });
  const byKey = new Map(services.map((service) => [`${service.version}/`, service]));
  const calls: RpcCall[] = [];
  const faults: { action: string; code: string; remaining: number; status: number }[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = [...url.searchParams.entries()];
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    const answer = (status: number, payload: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': requestId });
      res.end(JSON.stringify({ RequestId: requestId, ...payload }));
    };
    const fail = (error: FakeApiError, call?: RpcCall) => {
      if (call !== undefined) call.error = error.code;
      answer(error.status, { Code: error.code, Message: error.message, HostId: headers.host ?? FAKE_HOST });
    };

    const verdict = verifier.verify({ method: req.method ?? 'GET', path: url.pathname, query, headers, body });
    const action = headers['x-acs-action'] ?? '';
    const version = headers['x-acs-version'] ?? '';
    const service = byKey.get(`${version}/`);
    const formBody =
      body.length > 0 && (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
        ? [...new URLSearchParams(body.toString('utf8')).entries()]
        : [];
    const params = new RpcParams([...query, ...formBody]);
    const carriedIn =
      query.length > 0 && formBody.length > 0
        ? 'both'
        : query.length > 0
          ? 'query'
          : formBody.length > 0
            ? 'body'
            : 'none';
    const call: RpcCall = {
      product: service?.product ?? 'unknown',
      version,
      action,
      params: Object.fromEntries(params.entries()),
      carriedIn,
    };
    calls.push(call);
    if (!verdict.ok) return fail(new FakeApiError(verdict.status, verdict.code, verdict.message), call);
    if (req.method !== 'POST' || url.pathname !== '/') {
      return fail(new FakeApiError(404, 'InvalidAction.NotFound', 'RPC APIs are called with POST /'), call);
    }
    const run = service?.actions[action];
    if (service === undefined || run === undefined) {
      return fail(
        new FakeApiError(404, 'InvalidAction.NotFound', `Specified api ${action} (${version}) is not found.`),
        call,
      );
    }
    if (service.carries !== undefined && carriedIn !== service.carries && carriedIn !== 'none') {
      return fail(
        new FakeApiError(400, 'InvalidParameter', `${service.product} takes its parameters in the ${service.carries}`),
        call,
      );
    }
    const fault = faults.find((candidate) => candidate.action === action && candidate.remaining > 0);
    if (fault !== undefined) {
      fault.remaining -= 1;
      return fail(new FakeApiError(fault.status, fault.code, 'injected by the test'), call);
    }
    try {
      answer(200, await run(params, call));
    } catch (error) {
      if (error instanceof FakeApiError) return fail(error, call);
      fail(new FakeApiError(500, 'InternalError', (error as Error).message), call);
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? FAKE_HOST, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    endpoint: `${address}:${port}`,
    calls,
    injectFault(action, code, count = 1, status = 400) {
      faults.push({ action, code, remaining: count, status });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Pagination the way NLB/PrivateLink do it: NextToken + MaxResults (opaque token = next index). */
export function page<T>(items: readonly T[], params: RpcParams, maxLimit = 100): { slice: T[]; NextToken?: string } {
  const max = params.int('MaxResults', 20)!;
  if (max < 1 || max > maxLimit)
    throw new FakeApiError(400, 'InvalidParameter.MaxResults', `MaxResults must be 1-${maxLimit}.`);
  const token = params.get('NextToken');
  const start = token === undefined || token === '' ? 0 : Number.parseInt(token.replace(/^tk-/, ''), 10);
  if (!Number.isInteger(start) || start < 0)
    throw new FakeApiError(400, 'IllegalParam.NextToken', 'NextToken is invalid.');
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { slice, NextToken: `tk-${start + max}` } : { slice };
}
