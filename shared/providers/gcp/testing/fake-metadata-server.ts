/*
 * FAKE (test support): the metadata server one VM sees at http://metadata.google.internal/computeMetadata/v1,
 * backed by the same FakeComputeState as the fake Compute API (a setMetadata made through the API is what the VM
 * reads; what the VM writes to guest attributes is what getGuestAttributes returns). Modelled behaviour:
 *  - every request needs `Metadata-Flavor: Google` (403 otherwise) and must not carry `X-Forwarded-For` (403);
 *    answers carry `Metadata-Flavor: Google` and an `ETag` (a hash of the value);
 *  - `?wait_for_change=true` holds the request until the value changes; with `last_etag=E` it answers at once
 *    when the current ETag differs from E; `timeout_sec=N` answers with the unchanged value after N seconds;
 *    a key that does not exist answers 404 at once;
 *  - guest attributes: PUT/GET/DELETE `instance/guest-attributes/NAMESPACE/KEY`, only when the instance's
 *    `enable-guest-attributes` metadata is TRUE (403 otherwise); names of [A-Za-z0-9_-]{1,128}; values of at most
 *    GUEST_ATTRIBUTE_VALUE_LIMIT bytes and GUEST_ATTRIBUTES_PER_VM entries (see below: the documented limits were
 *    not verified here, so these are conservative choices the agent keeps below).
 */
import { createHash } from 'node:crypto';
import type { FakeComputeState, FakeInstance } from './fake-compute.ts';
import { FakeHttpServer, type FakeRequest, type FakeResponse, GoogleApiError } from './http-fake.ts';

/** Conservative limits (unverified against the documentation); the agent writes 1 KiB chunks. */
export const GUEST_ATTRIBUTE_VALUE_LIMIT = 4096;
export const GUEST_ATTRIBUTES_PER_VM = 100;
/** Longest wait the fake grants (the real server allows longer; tests stay short). */
const MAX_WAIT_SECONDS = 600;

export function metadataEtag(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

export class FakeMetadataServer {
  readonly server: FakeHttpServer;
  readonly #state: FakeComputeState;
  readonly #instanceName: string;
  readonly #pending = new Set<() => void>();

  constructor(state: FakeComputeState, instanceName: string, options: { host?: string } = {}) {
    this.#state = state;
    this.#instanceName = instanceName;
    this.server = new FakeHttpServer({
      token: null,
      ...(options.host ? { host: options.host } : {}),
      precheck: (request) => {
        if (request.headers['metadata-flavor'] !== 'Google') {
          throw new GoogleApiError(403, 'forbidden', 'Missing Metadata-Flavor:Google header.');
        }
        if (request.headers['x-forwarded-for'] !== undefined) {
          throw new GoogleApiError(403, 'forbidden', 'Requests with X-Forwarded-For are refused.');
        }
      },
    });
    const base = '/computeMetadata/v1';
    this.server.route('GET', `${base}/instance/attributes/{}`, (r, [key]) => this.#attribute(r, key!));
    this.server.route('GET', `${base}/instance/name`, () => this.#text(this.#instance().name));
    this.server.route('GET', `${base}/instance/zone`, () =>
      this.#text(`projects/${this.#state.project}/zones/${this.#instance().zone}`),
    );
    this.server.route('GET', `${base}/instance/id`, () => this.#text(this.#instance().id));
    this.server.route('GET', `${base}/project/project-id`, () => this.#text(this.#state.project));
    this.server.route('PUT', `${base}/instance/guest-attributes/{}/{}`, (r, [ns, key]) => this.#putGuest(r, ns!, key!));
    this.server.route('GET', `${base}/instance/guest-attributes/{}/{}`, (_r, [ns, key]) => {
      const value = this.#guestEnabled().guestAttributes.get(`${ns}/${key}`);
      if (value === undefined) throw new GoogleApiError(404, 'notFound', 'guest attribute not found');
      return this.#text(value);
    });
    this.server.route('DELETE', `${base}/instance/guest-attributes/{}/{}`, (_r, [ns, key]) => {
      this.#guestEnabled().guestAttributes.delete(`${ns}/${key}`);
      return this.#text('');
    });
  }

  async start(): Promise<string> {
    const { host, port } = await this.server.listen();
    return `http://${host}:${port}/computeMetadata/v1`;
  }

  async stop(): Promise<void> {
    for (const release of [...this.#pending]) release();
    await this.server.close();
  }

  #instance(): FakeInstance {
    const instance = this.#state.instances.get(this.#instanceName);
    if (!instance) throw new GoogleApiError(404, 'notFound', 'instance is gone');
    return instance;
  }

  #text(value: string, etag?: string): FakeResponse {
    return {
      headers: {
        'metadata-flavor': 'Google',
        'content-type': 'application/text',
        etag: etag ?? metadataEtag(value),
      },
      body: value,
    };
  }

  async #attribute(request: FakeRequest, key: string): Promise<FakeResponse> {
    const read = () => this.#instance().metadata.items.get(key);
    let value = read();
    if (value === undefined) throw new GoogleApiError(404, 'notFound', `attribute ${key} not found`);
    if (request.query.get('wait_for_change') !== 'true') return this.#text(value);
    const lastEtag = request.query.get('last_etag');
    if (lastEtag !== null && lastEtag !== metadataEtag(value)) return this.#text(value);
    const reference = lastEtag ?? metadataEtag(value);
    const timeout = Math.min(
      Number(request.query.get('timeout_sec') ?? MAX_WAIT_SECONDS) || MAX_WAIT_SECONDS,
      MAX_WAIT_SECONDS,
    );
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#state.metadataWaiters.delete(check);
        this.#pending.delete(finish);
        resolve();
      };
      const check = () => {
        const now = read();
        if (now === undefined || metadataEtag(now) !== reference) finish();
      };
      const timer = setTimeout(finish, timeout * 1000);
      this.#state.metadataWaiters.add(check);
      this.#pending.add(finish);
    });
    value = read();
    if (value === undefined) throw new GoogleApiError(404, 'notFound', `attribute ${key} not found`);
    return this.#text(value);
  }

  #guestEnabled(): FakeInstance {
    const instance = this.#instance();
    if ((instance.metadata.items.get('enable-guest-attributes') ?? '').toUpperCase() !== 'TRUE') {
      throw new GoogleApiError(403, 'forbidden', 'Guest attributes are not enabled for this instance.');
    }
    return instance;
  }

  #putGuest(request: FakeRequest, namespace: string, key: string): FakeResponse {
    const instance = this.#guestEnabled();
    const name = /^[A-Za-z0-9_-]{1,128}$/;
    if (!name.test(namespace) || !name.test(key)) {
      throw new GoogleApiError(400, 'invalid', 'namespace and key must be 1-128 of [A-Za-z0-9_-]');
    }
    if (request.body.length > GUEST_ATTRIBUTE_VALUE_LIMIT) {
      throw new GoogleApiError(
        400,
        'invalid',
        `guest attribute values are limited to ${GUEST_ATTRIBUTE_VALUE_LIMIT} bytes`,
      );
    }
    const path = `${namespace}/${key}`;
    if (!instance.guestAttributes.has(path) && instance.guestAttributes.size >= GUEST_ATTRIBUTES_PER_VM) {
      throw new GoogleApiError(400, 'invalid', `at most ${GUEST_ATTRIBUTES_PER_VM} guest attributes per VM`);
    }
    instance.guestAttributes.set(path, request.body.toString('utf8'));
    return this.#text('');
  }
}
