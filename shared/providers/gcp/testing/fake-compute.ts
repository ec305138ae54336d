/*
 * FAKE (test support): a stateful Compute Engine REST server (v1 JSON, the wire protocol of @google-cloud/compute
 * v7 over HTTP/1) with the rules brokerlink depends on, as the Compute documentation states them:
 *
 *  - Port-mapping NEG (regional, networkEndpointType GCE_VM_IP_PORTMAP, with network + subnetwork). Endpoints are
 *    `{instance, port, clientDestinationPort}`; each client port maps to exactly one VM:port; the VM's primary NIC
 *    (nic0) must be in the NEG's subnetwork and its zone in the NEG's region; endpoints cannot be edited (there is
 *    no update call: detach, then attach); at most 1,000 endpoints per NEG and 500 per attach/detach request.
 *  - Mutations return an Operation that is PENDING/RUNNING and becomes DONE after `pollsToFinish` reads
 *    (`operations.get`), or at once on `operations.wait`. Their effect is applied when the operation finishes; a
 *    conflict found then (a client port already mapped, the endpoint limit, an endpoint that is not attached)
 *    ends the operation DONE with `error.errors[]` and `httpErrorStatusCode`, and changes nothing. Malformed
 *    requests are refused synchronously with 400, missing resources with 404, duplicate names with 409.
 *  - `requestId` (a UUID, not the zero UUID): a mutation repeated with the same id returns the first operation and
 *    does nothing more.
 *  - Backend service (regional): INTERNAL, with a port-mapping NEG backend it must have no health check.
 *    Forwarding rule: INTERNAL, all ports when its backend is a port-mapping NEG. Service attachment: target an
 *    INTERNAL forwarding rule, NAT subnets of purpose PRIVATE_SERVICE_CONNECT, ACCEPT_MANUAL takes consumer accept
 *    lists; patch needs the current fingerprint (412 otherwise).
 *  - Firewalls (global): INGRESS rules with sourceRanges, allowed ports, targetTags or targetServiceAccounts (not
 *    both).
 *  - Instances: labels, zone, nic0, metadata with a fingerprint — `setMetadata` with a stale or missing fingerprint
 *    is refused with 412; one value ≤ 256 KiB, all values < 512 KiB. Guest attributes (written by the VM through
 *    the metadata server, see fake-metadata-server.ts) are read with `getGuestAttributes`, only when
 *    `enable-guest-attributes` is TRUE, at most 10 reads a minute per VM (429 beyond).
 *  - aggregatedList/list take a `filter` of `labels.KEY = "VALUE"` / `status = RUNNING` terms (AND or juxtaposed);
 *    any other filter is refused with 400 rather than ignored.
 *
 * State lives in a `FakeComputeState` that the fake metadata servers share, so a `setMetadata` made through the
 * API is what the VM's agent sees, and what the agent writes is what `getGuestAttributes` returns.
 */
import { createHash, randomBytes } from 'node:crypto';
import { BrokerlinkError } from '../../../errors.ts';
import {
  asObject,
  FakeHttpServer,
  type FakeRequest,
  type FakeResponse,
  GoogleApiError,
  requiredString,
} from './http-fake.ts';

export const COMPUTE_BASE = 'https://www.googleapis.com/compute/v1';
export const FAKE_TOKEN = 'fake-gcp-token';

export const NEG_ENDPOINT_LIMIT = 1000;
export const ENDPOINTS_PER_REQUEST_LIMIT = 500;
export const METADATA_VALUE_LIMIT = 256 * 1024;
export const METADATA_TOTAL_LIMIT = 512 * 1024;
export const GUEST_ATTRIBUTE_READS_PER_MINUTE = 10;

export interface FakeNic {
  name: string;
  network: string;
  subnetwork: string;
  networkIP: string;
}

export interface FakeInstance {
  name: string;
  zone: string;
  id: string;
  status: 'RUNNING' | 'STOPPED' | 'TERMINATED' | 'PROVISIONING';
  labels: Record<string, string>;
  networkInterfaces: FakeNic[];
  tags: string[];
  serviceAccounts: string[];
  metadata: { fingerprint: string; items: Map<string, string> };
  /** Bumped on every metadata change; the metadata server's ETag. */
  metadataVersion: number;
  /** NS/KEY → value, as the VM wrote them. */
  guestAttributes: Map<string, string>;
  /** Times (ms) of recent getGuestAttributes reads, for the rate limit. */
  guestReads: number[];
}

export interface FakeEndpoint {
  instance: string;
  port: number;
  clientDestinationPort: number;
}

export interface FakeNeg {
  name: string;
  region: string;
  id: string;
  networkEndpointType: string;
  network: string;
  subnetwork: string;
  description: string;
  endpoints: FakeEndpoint[];
  creationTimestamp: string;
}

export interface FakeSubnetwork {
  name: string;
  region: string;
  network: string;
  ipCidrRange: string;
  purpose: 'PRIVATE' | 'PRIVATE_SERVICE_CONNECT';
}

type Json = Record<string, unknown>;

interface PendingOperation {
  scope: { kind: 'region' | 'zone' | 'global'; name: string };
  body: Json;
  pollsLeft: number;
  effect: () => void;
}

export interface FakeComputeOptions {
  project?: string;
  region?: string;
  /** operations.get calls before an operation is DONE (default 2). */
  pollsToFinish?: number;
  /** Clock for the guest-attribute rate limit. */
  now?: () => number;
}

export class FakeComputeState {
  readonly project: string;
  readonly region: string;
  readonly pollsToFinish: number;
  readonly now: () => number;
  readonly instances = new Map<string, FakeInstance>();
  readonly negs = new Map<string, FakeNeg>();
  readonly subnetworks = new Map<string, FakeSubnetwork>();
  readonly networks = new Set<string>();
  readonly backendServices = new Map<string, Json>();
  readonly forwardingRules = new Map<string, Json>();
  readonly serviceAttachments = new Map<string, Json>();
  readonly firewalls = new Map<string, Json>();
  readonly operations = new Map<string, PendingOperation>();
  readonly requestIds = new Map<string, string>();
  /** Listeners for metadata changes (the metadata servers' wait_for_change). */
  readonly metadataWaiters = new Set<() => void>();
  /** Called after any operation took effect (the PSC stand-in re-reads the NEG then). */
  readonly changeListeners = new Set<() => void>();
  #ids = 1000;

  constructor(options: FakeComputeOptions = {}) {
    this.project = options.project ?? 'kafka-prod-1';
    this.region = options.region ?? 'us-west1';
    this.pollsToFinish = options.pollsToFinish ?? 2;
    this.now = options.now ?? Date.now;
  }

  nextId(): string {
    this.#ids += 1;
    return String(7_000_000_000_000 + this.#ids);
  }

  networkUrl(name: string): string {
    return `${COMPUTE_BASE}/projects/${this.project}/global/networks/${name}`;
  }
  subnetworkUrl(name: string, region = this.region): string {
    return `${COMPUTE_BASE}/projects/${this.project}/regions/${region}/subnetworks/${name}`;
  }
  instanceUrl(instance: FakeInstance): string {
    return `${COMPUTE_BASE}/projects/${this.project}/zones/${instance.zone}/instances/${instance.name}`;
  }
  regionalUrl(collection: string, name: string, region = this.region): string {
    return `${COMPUTE_BASE}/projects/${this.project}/regions/${region}/${collection}/${name}`;
  }

  addNetwork(name: string): void {
    this.networks.add(name);
  }

  addSubnetwork(subnetwork: Omit<FakeSubnetwork, 'region'> & { region?: string }): void {
    this.networks.add(subnetwork.network);
    this.subnetworks.set(subnetwork.name, { region: this.region, ...subnetwork });
  }

  addInstance(instance: {
    name: string;
    zone: string;
    networkIP: string;
    network?: string;
    subnetwork?: string;
    labels?: Record<string, string>;
    tags?: string[];
    serviceAccounts?: string[];
    metadata?: Record<string, string>;
    status?: FakeInstance['status'];
  }): FakeInstance {
    if (this.instances.has(instance.name)) throw new Error(`fake compute: instance ${instance.name} exists`);
    const region = instance.zone.replace(/-[a-z]$/, '');
    const created: FakeInstance = {
      name: instance.name,
      zone: instance.zone,
      id: this.nextId(),
      status: instance.status ?? 'RUNNING',
      labels: { ...(instance.labels ?? {}) },
      networkInterfaces: [
        {
          name: 'nic0',
          network: this.networkUrl(instance.network ?? 'kafka-vpc'),
          subnetwork: this.subnetworkUrl(instance.subnetwork ?? 'brokers-subnet', region),
          networkIP: instance.networkIP,
        },
      ],
      tags: [...(instance.tags ?? [])],
      serviceAccounts: [...(instance.serviceAccounts ?? [])],
      metadata: { fingerprint: newFingerprint(), items: new Map(Object.entries(instance.metadata ?? {})) },
      metadataVersion: 1,
      guestAttributes: new Map(),
      guestReads: [],
    };
    this.instances.set(created.name, created);
    return created;
  }

  /** Sets a metadata key as a person with the console would (new fingerprint, waiters woken). */
  setMetadataItem(instanceName: string, key: string, value: string | null): void {
    const instance = this.#instance(instanceName);
    if (value === null) instance.metadata.items.delete(key);
    else instance.metadata.items.set(key, value);
    this.#metadataChanged(instance);
  }

  #instance(name: string): FakeInstance {
    const instance = this.instances.get(name);
    if (!instance) throw new Error(`fake compute: no instance ${name}`);
    return instance;
  }

  #metadataChanged(instance: FakeInstance): void {
    instance.metadata.fingerprint = newFingerprint();
    instance.metadataVersion += 1;
    for (const wake of [...this.metadataWaiters]) wake();
  }

  /** Replaces the whole metadata of an instance (the effect of setMetadata). */
  replaceMetadata(instance: FakeInstance, items: Map<string, string>): void {
    instance.metadata.items = items;
    this.#metadataChanged(instance);
  }

  /** Resolves a reference to an instance (name, full URL or partial URL) within this project. */
  findInstance(reference: string): FakeInstance | undefined {
    const match = /(?:^|\/)projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)$/.exec(reference);
    if (match) {
      const [, project, zone, name] = match;
      const instance = this.instances.get(name!);
      return project === this.project && instance?.zone === zone ? instance : undefined;
    }
    return /^[a-z][-a-z0-9]{0,62}$/.test(reference) ? this.instances.get(reference) : undefined;
  }
}

function newFingerprint(): string {
  return randomBytes(8).toString('base64');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

function invalid(field: string, why: string): never {
  throw new GoogleApiError(400, 'invalid', `Invalid value for field '${field}': ${why}`);
}
function notFound(what: string): never {
  throw new GoogleApiError(404, 'notFound', `The resource '${what}' was not found`);
}

/** An operation's error: the operation ends DONE with this, and the effect is not applied. */
export class OperationFailure extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'OperationFailure';
  readonly code: string;
  readonly httpStatus: number;
  constructor(code: string, message: string, httpStatus = 400) {
    super(message);
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

export class FakeCompute {
  readonly state: FakeComputeState;
  readonly server: FakeHttpServer;

  constructor(state: FakeComputeState, options: { host?: string; token?: string } = {}) {
    this.state = state;
    this.server = new FakeHttpServer({
      token: options.token ?? FAKE_TOKEN,
      ...(options.host ? { host: options.host } : {}),
    });
    this.#routes();
  }

  async start(): Promise<{ host: string; port: number }> {
    return this.server.listen();
  }
  async stop(): Promise<void> {
    await this.server.close();
  }

  #routes(): void {
    const p = '/compute/v1/projects/{}';
    const s = this.server;
    // Instances.
    s.route('GET', `${p}/aggregated/instances`, (r, [project]) => this.#aggregatedInstances(r, project!));
    s.route('GET', `${p}/zones/{}/instances`, (r, [project, zone]) => this.#listInstances(r, project!, zone!));
    s.route('GET', `${p}/zones/{}/instances/{}`, (_r, [project, zone, name]) => ({
      body: this.#instanceJson(this.#zoned(project!, zone!, name!)),
    }));
    s.route('POST', `${p}/zones/{}/instances/{}/setMetadata`, (r, [project, zone, name]) =>
      this.#setMetadata(r, project!, zone!, name!),
    );
    s.route('GET', `${p}/zones/{}/instances/{}/getGuestAttributes`, (r, [project, zone, name]) =>
      this.#guestAttributes(r, project!, zone!, name!),
    );
    // Subnetworks.
    s.route('GET', `${p}/regions/{}/subnetworks/{}`, (_r, [project, region, name]) => {
      this.#project(project!);
      const subnet = this.state.subnetworks.get(name!);
      if (!subnet || subnet.region !== region) notFound(`projects/${project}/regions/${region}/subnetworks/${name}`);
      return {
        body: {
          kind: 'compute#subnetwork',
          name: subnet.name,
          region: `${COMPUTE_BASE}/projects/${project}/regions/${region}`,
          network: this.state.networkUrl(subnet.network),
          ipCidrRange: subnet.ipCidrRange,
          purpose: subnet.purpose,
          selfLink: this.state.subnetworkUrl(subnet.name, subnet.region),
        },
      };
    });
    // Network endpoint groups (regional).
    s.route('GET', `${p}/regions/{}/networkEndpointGroups`, (_r, [project, region]) => ({
      body: {
        kind: 'compute#networkEndpointGroupList',
        items: this.#negsIn(project!, region!).map((n) => this.#negJson(n)),
      },
    }));
    s.route('GET', `${p}/regions/{}/networkEndpointGroups/{}`, (_r, [project, region, name]) => ({
      body: this.#negJson(this.#neg(project!, region!, name!)),
    }));
    s.route('POST', `${p}/regions/{}/networkEndpointGroups`, (r, [project, region]) =>
      this.#insertNeg(r, project!, region!),
    );
    s.route('DELETE', `${p}/regions/{}/networkEndpointGroups/{}`, (r, [project, region, name]) =>
      this.#deleteNeg(r, project!, region!, name!),
    );
    s.route('POST', `${p}/regions/{}/networkEndpointGroups/{}/listNetworkEndpoints`, (r, [project, region, name]) =>
      this.#listEndpoints(r, project!, region!, name!),
    );
    s.route('POST', `${p}/regions/{}/networkEndpointGroups/{}/attachNetworkEndpoints`, (r, [project, region, name]) =>
      this.#changeEndpoints(r, project!, region!, name!, 'attach'),
    );
    s.route('POST', `${p}/regions/{}/networkEndpointGroups/{}/detachNetworkEndpoints`, (r, [project, region, name]) =>
      this.#changeEndpoints(r, project!, region!, name!, 'detach'),
    );
    // Producer side of PSC.
    this.#regionalCollection('backendServices', (body, region) => this.#checkBackendService(body, region));
    this.#regionalCollection('forwardingRules', (body, region) => this.#checkForwardingRule(body, region));
    this.#regionalCollection('serviceAttachments', (body, region) => this.#checkServiceAttachment(body, region), {
      fingerprinted: true,
    });
    // Firewalls (global).
    s.route('GET', `${p}/global/firewalls/{}`, (_r, [project, name]) => {
      this.#project(project!);
      const rule = this.state.firewalls.get(name!);
      if (!rule) notFound(`projects/${project}/global/firewalls/${name}`);
      return { body: rule };
    });
    s.route('POST', `${p}/global/firewalls`, (r, [project]) => {
      this.#project(project!);
      const body = asObject(r.json, 'resource');
      const name = this.#checkFirewall(body);
      if (this.state.firewalls.has(name)) this.#alreadyExists(`projects/${project}/global/firewalls/${name}`);
      return this.#mutate(r, { kind: 'global', name: 'global' }, 'insert', `global/firewalls/${name}`, () => {
        if (this.state.firewalls.has(name))
          throw new OperationFailure('RESOURCE_ALREADY_EXISTS', `firewall ${name} exists`, 409);
        this.state.firewalls.set(
          name,
          this.#stamp(body, `${COMPUTE_BASE}/projects/${project}/global/firewalls/${name}`, 'compute#firewall'),
        );
      });
    });
    s.route('PATCH', `${p}/global/firewalls/{}`, (r, [project, name]) => {
      this.#project(project!);
      const current = this.state.firewalls.get(name!);
      if (!current) notFound(`projects/${project}/global/firewalls/${name}`);
      const merged = { ...current, ...asObject(r.json, 'resource'), name };
      this.#checkFirewall(merged);
      return this.#mutate(r, { kind: 'global', name: 'global' }, 'patch', `global/firewalls/${name}`, () => {
        this.state.firewalls.set(name!, merged);
      });
    });
    // Operations.
    for (const [scope, path] of [
      ['region', `${p}/regions/{}/operations/{}`],
      ['zone', `${p}/zones/{}/operations/{}`],
    ] as const) {
      s.route('GET', path, (_r, [project, where, name]) => this.#operation(project!, scope, where!, name!, false));
      s.route('POST', `${path}/wait`, (_r, [project, where, name]) =>
        this.#operation(project!, scope, where!, name!, true),
      );
    }
    s.route('GET', `${p}/global/operations/{}`, (_r, [project, name]) =>
      this.#operation(project!, 'global', 'global', name!, false),
    );
    s.route('POST', `${p}/global/operations/{}/wait`, (_r, [project, name]) =>
      this.#operation(project!, 'global', 'global', name!, true),
    );
  }

  // ------------------------------------------------------------------ helpers

  #project(project: string): void {
    if (project !== this.state.project) {
      throw new GoogleApiError(
        403,
        'forbidden',
        `Required permission on project '${project}' is missing (fake knows ${this.state.project} only)`,
      );
    }
  }

  #region(project: string, region: string): void {
    this.#project(project);
    if (region !== this.state.region) notFound(`projects/${project}/regions/${region}`);
  }

  #alreadyExists(what: string): never {
    throw new GoogleApiError(409, 'alreadyExists', `The resource '${what}' already exists`);
  }

  #stamp(body: Json, selfLink: string, kind: string): Json {
    return {
      ...body,
      kind,
      id: this.state.nextId(),
      creationTimestamp: new Date(this.state.now()).toISOString(),
      selfLink,
    };
  }

  /** Common shape of a mutation: requestId idempotency, then a pending operation whose effect runs at DONE. */
  #mutate(
    request: FakeRequest,
    scope: PendingOperation['scope'],
    type: string,
    target: string,
    effect: () => void,
  ): FakeResponse {
    const requestId = request.query.get('requestId');
    if (requestId !== null) {
      if (!UUID.test(requestId) || /^[0-]+$/.test(requestId))
        invalid('requestId', 'must be a UUID other than the zero UUID');
      const earlier = this.state.requestIds.get(requestId);
      if (earlier !== undefined) return { body: this.#operationJson(earlier) };
    }
    const name = `operation-${this.state.now()}-${randomBytes(6).toString('hex')}`;
    const scopeUrl =
      scope.kind === 'global'
        ? `${COMPUTE_BASE}/projects/${this.state.project}/global`
        : `${COMPUTE_BASE}/projects/${this.state.project}/${scope.kind === 'region' ? 'regions' : 'zones'}/${scope.name}`;
    const body: Json = {
      kind: 'compute#operation',
      id: this.state.nextId(),
      name,
      operationType: type,
      targetLink: `${COMPUTE_BASE}/projects/${this.state.project}/${target}`,
      status: 'PENDING',
      progress: 0,
      insertTime: new Date(this.state.now()).toISOString(),
      selfLink: `${scopeUrl}/operations/${name}`,
      ...(scope.kind === 'region' ? { region: scopeUrl } : scope.kind === 'zone' ? { zone: scopeUrl } : {}),
    };
    this.state.operations.set(name, { scope, body, pollsLeft: this.state.pollsToFinish, effect });
    if (requestId !== null) this.state.requestIds.set(requestId, name);
    return { body: { ...body } };
  }

  #operationJson(name: string): Json {
    const operation = this.state.operations.get(name);
    if (!operation) notFound(`operation ${name}`);
    return { ...operation.body };
  }

  #operation(
    project: string,
    kind: 'region' | 'zone' | 'global',
    where: string,
    name: string,
    wait: boolean,
  ): FakeResponse {
    this.#project(project);
    const operation = this.state.operations.get(name);
    if (!operation || operation.scope.kind !== kind || operation.scope.name !== where) {
      notFound(`projects/${project}/${kind === 'global' ? 'global' : `${kind}s/${where}`}/operations/${name}`);
    }
    if (operation.body.status !== 'DONE') {
      operation.pollsLeft = wait ? 0 : operation.pollsLeft - 1;
      if (operation.pollsLeft <= 0) this.#finish(operation);
      else
        operation.body = {
          ...operation.body,
          status: 'RUNNING',
          progress: 50,
          startTime: new Date(this.state.now()).toISOString(),
        };
    }
    return { body: { ...operation.body } };
  }

  #finish(operation: PendingOperation): void {
    const done = { status: 'DONE', progress: 100, endTime: new Date(this.state.now()).toISOString() };
    try {
      operation.effect();
      for (const listener of [...this.state.changeListeners]) listener();
      operation.body = { ...operation.body, ...done };
    } catch (error) {
      if (!(error instanceof OperationFailure)) throw error;
      operation.body = {
        ...operation.body,
        ...done,
        httpErrorStatusCode: error.httpStatus,
        httpErrorMessage: error.httpStatus === 409 ? 'CONFLICT' : 'BAD REQUEST',
        error: { errors: [{ code: error.code, message: error.message }] },
      };
    }
  }

  // ------------------------------------------------------------------ instances

  #zoned(project: string, zone: string, name: string): FakeInstance {
    this.#project(project);
    const instance = this.state.instances.get(name);
    if (!instance || instance.zone !== zone) notFound(`projects/${project}/zones/${zone}/instances/${name}`);
    return instance;
  }

  #instanceJson(instance: FakeInstance): Json {
    const project = this.state.project;
    return {
      kind: 'compute#instance',
      id: instance.id,
      name: instance.name,
      zone: `${COMPUTE_BASE}/projects/${project}/zones/${instance.zone}`,
      status: instance.status,
      labels: { ...instance.labels },
      labelFingerprint: createHash('sha256').update(JSON.stringify(instance.labels)).digest('base64').slice(0, 12),
      networkInterfaces: instance.networkInterfaces.map((nic) => ({ kind: 'compute#networkInterface', ...nic })),
      tags: { items: [...instance.tags], fingerprint: 'tags' },
      serviceAccounts: instance.serviceAccounts.map((email) => ({
        email,
        scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      })),
      metadata: {
        kind: 'compute#metadata',
        fingerprint: instance.metadata.fingerprint,
        items: [...instance.metadata.items].map(([key, value]) => ({ key, value })),
      },
      selfLink: this.state.instanceUrl(instance),
    };
  }

  #filtered(request: FakeRequest, instances: FakeInstance[]): FakeInstance[] {
    const filter = request.query.get('filter');
    if (filter === null || filter.trim() === '') return instances;
    const terms = parseFilter(filter);
    return instances.filter((instance) =>
      terms.every((term) =>
        term.field === 'status' ? instance.status === term.value : instance.labels[term.label] === term.value,
      ),
    );
  }

  #aggregatedInstances(request: FakeRequest, project: string): FakeResponse {
    this.#project(project);
    const byZone = new Map<string, FakeInstance[]>();
    for (const instance of this.#filtered(request, [...this.state.instances.values()])) {
      byZone.set(instance.zone, [...(byZone.get(instance.zone) ?? []), instance]);
    }
    const items: Record<string, unknown> = {};
    for (const [zone, instances] of byZone)
      items[`zones/${zone}`] = { instances: instances.map((i) => this.#instanceJson(i)) };
    return { body: { kind: 'compute#instanceAggregatedList', items } };
  }

  #listInstances(request: FakeRequest, project: string, zone: string): FakeResponse {
    this.#project(project);
    const inZone = [...this.state.instances.values()].filter((i) => i.zone === zone);
    return {
      body: { kind: 'compute#instanceList', items: this.#filtered(request, inZone).map((i) => this.#instanceJson(i)) },
    };
  }

  #setMetadata(request: FakeRequest, project: string, zone: string, name: string): FakeResponse {
    const instance = this.#zoned(project, zone, name);
    const body = asObject(request.json ?? {}, 'metadata');
    if (body.fingerprint !== instance.metadata.fingerprint) {
      throw new GoogleApiError(
        412,
        'conditionNotMet',
        'Supplied fingerprint does not match current metadata fingerprint.',
      );
    }
    const items = new Map<string, string>();
    let total = 0;
    for (const [index, raw] of (Array.isArray(body.items) ? body.items : []).entries()) {
      const item = asObject(raw, `metadata.items[${index}]`);
      const key = requiredString(item.key, `metadata.items[${index}].key`);
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(key))
        invalid(`metadata.items[${index}].key`, 'must match [a-zA-Z0-9-_]{1,128}');
      if (items.has(key)) invalid(`metadata.items[${index}].key`, `duplicate key ${key}`);
      const value = typeof item.value === 'string' ? item.value : '';
      const bytes = Buffer.byteLength(value);
      if (bytes > METADATA_VALUE_LIMIT) invalid(`metadata.items[${index}].value`, 'exceeds 256 KB');
      total += bytes + Buffer.byteLength(key);
      items.set(key, value);
    }
    if (total >= METADATA_TOTAL_LIMIT)
      invalid('metadata', 'the total size of all metadata values must be below 512 KB');
    // The fingerprint is checked again when the operation finishes: two writers racing on one fingerprint must
    // not both win.
    const fingerprint = instance.metadata.fingerprint;
    return this.#mutate(request, { kind: 'zone', name: zone }, 'setMetadata', `zones/${zone}/instances/${name}`, () => {
      if (instance.metadata.fingerprint !== fingerprint) {
        throw new OperationFailure(
          'CONDITION_NOT_MET',
          'Supplied fingerprint does not match current metadata fingerprint.',
          412,
        );
      }
      this.state.replaceMetadata(instance, items);
    });
  }

  #guestAttributes(request: FakeRequest, project: string, zone: string, name: string): FakeResponse {
    const instance = this.#zoned(project, zone, name);
    const now = this.state.now();
    instance.guestReads = instance.guestReads.filter((t) => now - t < 60_000);
    if (instance.guestReads.length >= GUEST_ATTRIBUTE_READS_PER_MINUTE) {
      throw new GoogleApiError(
        429,
        'rateLimitExceeded',
        'Guest attributes can be read at most 10 times a minute per VM.',
      );
    }
    instance.guestReads.push(now);
    if ((instance.metadata.items.get('enable-guest-attributes') ?? '').toUpperCase() !== 'TRUE') {
      notFound(`guest attributes of ${name} (enable-guest-attributes is not TRUE)`);
    }
    const variableKey = request.query.get('variableKey');
    const queryPath = request.query.get('queryPath');
    if (variableKey !== null) {
      const value = instance.guestAttributes.get(variableKey);
      if (value === undefined) notFound(`guest attribute ${variableKey}`);
      return { body: { kind: 'compute#guestAttributes', variableKey, variableValue: value } };
    }
    const prefix = (queryPath ?? '').replace(/^\//, '');
    const items = [...instance.guestAttributes]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => {
        const slash = key.indexOf('/');
        return { namespace: key.slice(0, slash), key: key.slice(slash + 1), value };
      });
    if (items.length === 0) notFound(`guest attributes ${queryPath ?? ''}`);
    return { body: { kind: 'compute#guestAttributes', queryPath: queryPath ?? '', queryValue: { items } } };
  }

  // ------------------------------------------------------------------ NEGs

  #negsIn(project: string, region: string): FakeNeg[] {
    this.#region(project, region);
    return [...this.state.negs.values()].filter((n) => n.region === region);
  }

  #neg(project: string, region: string, name: string): FakeNeg {
    this.#region(project, region);
    const neg = this.state.negs.get(name);
    if (!neg || neg.region !== region) notFound(`projects/${project}/regions/${region}/networkEndpointGroups/${name}`);
    return neg;
  }

  #negJson(neg: FakeNeg): Json {
    return {
      kind: 'compute#networkEndpointGroup',
      id: neg.id,
      name: neg.name,
      description: neg.description,
      networkEndpointType: neg.networkEndpointType,
      network: neg.network,
      subnetwork: neg.subnetwork,
      region: `${COMPUTE_BASE}/projects/${this.state.project}/regions/${neg.region}`,
      size: neg.endpoints.length,
      creationTimestamp: neg.creationTimestamp,
      selfLink: this.state.regionalUrl('networkEndpointGroups', neg.name, neg.region),
    };
  }

  #subnetFromUrl(reference: unknown, field: string, region: string): FakeSubnetwork {
    const text = requiredString(reference, field);
    const name = /subnetworks\/([^/]+)$/.exec(text)?.[1] ?? text;
    const subnet = this.state.subnetworks.get(name);
    if (!subnet || subnet.region !== region) notFound(`subnetwork ${text}`);
    return subnet;
  }

  #insertNeg(request: FakeRequest, project: string, region: string): FakeResponse {
    this.#region(project, region);
    const body = asObject(request.json, 'resource');
    const name = requiredString(body.name, 'resource.name');
    if (!RESOURCE_NAME.test(name))
      invalid('resource.name', 'must be a lowercase RFC1035 name of at most 63 characters');
    const type = requiredString(body.networkEndpointType, 'resource.networkEndpointType');
    if (type !== 'GCE_VM_IP_PORTMAP')
      invalid('resource.networkEndpointType', 'this fake models GCE_VM_IP_PORTMAP NEGs only');
    const subnet = this.#subnetFromUrl(body.subnetwork, 'resource.subnetwork', region);
    const network = this.state.networkUrl(subnet.network);
    if (
      body.network !== undefined &&
      !String(body.network).endsWith(`/networks/${subnet.network}`) &&
      body.network !== subnet.network
    ) {
      invalid('resource.network', `the subnetwork belongs to network ${subnet.network}`);
    }
    if (this.state.negs.has(name))
      this.#alreadyExists(`projects/${project}/regions/${region}/networkEndpointGroups/${name}`);
    return this.#mutate(
      request,
      { kind: 'region', name: region },
      'insert',
      `regions/${region}/networkEndpointGroups/${name}`,
      () => {
        if (this.state.negs.has(name)) throw new OperationFailure('RESOURCE_ALREADY_EXISTS', `NEG ${name} exists`, 409);
        this.state.negs.set(name, {
          name,
          region,
          id: this.state.nextId(),
          networkEndpointType: type,
          network,
          subnetwork: this.state.subnetworkUrl(subnet.name, region),
          description: typeof body.description === 'string' ? body.description : '',
          endpoints: [],
          creationTimestamp: new Date(this.state.now()).toISOString(),
        });
      },
    );
  }

  #deleteNeg(request: FakeRequest, project: string, region: string, name: string): FakeResponse {
    const neg = this.#neg(project, region, name);
    const url = this.state.regionalUrl('networkEndpointGroups', neg.name, region);
    for (const service of this.state.backendServices.values()) {
      if (((service.backends as Json[] | undefined) ?? []).some((b) => b.group === url)) {
        throw new GoogleApiError(
          400,
          'resourceInUseByAnotherResource',
          `The network endpoint group '${name}' is in use by backend service '${String(service.name)}'`,
        );
      }
    }
    return this.#mutate(
      request,
      { kind: 'region', name: region },
      'delete',
      `regions/${region}/networkEndpointGroups/${name}`,
      () => {
        this.state.negs.delete(name);
      },
    );
  }

  #listEndpoints(request: FakeRequest, project: string, region: string, name: string): FakeResponse {
    const neg = this.#neg(project, region, name);
    const max = Number(request.query.get('maxResults') ?? 500);
    const start = Number(request.query.get('pageToken') ?? 0);
    const page = neg.endpoints.slice(start, start + max);
    const next = start + max < neg.endpoints.length ? String(start + max) : undefined;
    return {
      body: {
        kind: 'compute#networkEndpointGroupsListNetworkEndpoints',
        items: page.map((e) => ({ networkEndpoint: { ...e } })),
        ...(next === undefined ? {} : { nextPageToken: next }),
      },
    };
  }

  #changeEndpoints(
    request: FakeRequest,
    project: string,
    region: string,
    name: string,
    change: 'attach' | 'detach',
  ): FakeResponse {
    const neg = this.#neg(project, region, name);
    const body = asObject(request.json, 'request');
    const raw = body.networkEndpoints;
    if (!Array.isArray(raw) || raw.length === 0) invalid('networkEndpoints', 'at least one endpoint is required');
    if (raw.length > ENDPOINTS_PER_REQUEST_LIMIT)
      invalid('networkEndpoints', `at most ${ENDPOINTS_PER_REQUEST_LIMIT} endpoints per request`);
    const endpoints = raw.map((item, index) => this.#endpoint(neg, item, `networkEndpoints[${index}]`));
    const key = (e: FakeEndpoint) => `${e.instance}|${e.port}|${e.clientDestinationPort}`;
    const seen = new Set<number>();
    for (const [index, endpoint] of endpoints.entries()) {
      if (seen.has(endpoint.clientDestinationPort)) {
        invalid(
          `networkEndpoints[${index}].clientDestinationPort`,
          `client port ${endpoint.clientDestinationPort} appears twice`,
        );
      }
      seen.add(endpoint.clientDestinationPort);
    }
    return this.#mutate(
      request,
      { kind: 'region', name: region },
      `${change}NetworkEndpoints`,
      `regions/${region}/networkEndpointGroups/${name}`,
      () => {
        if (change === 'attach') {
          for (const endpoint of endpoints) {
            const taken = neg.endpoints.find((e) => e.clientDestinationPort === endpoint.clientDestinationPort);
            if (taken) {
              throw new OperationFailure(
                'INVALID_USAGE',
                `Client destination port ${endpoint.clientDestinationPort} is already mapped to ${taken.instance}:${taken.port}; endpoints cannot be edited (detach it first).`,
              );
            }
          }
          if (neg.endpoints.length + endpoints.length > NEG_ENDPOINT_LIMIT) {
            throw new OperationFailure(
              'QUOTA_EXCEEDED',
              `A port-mapping NEG holds at most ${NEG_ENDPOINT_LIMIT} endpoints.`,
              403,
            );
          }
          neg.endpoints.push(...endpoints);
        } else {
          const present = new Set(neg.endpoints.map(key));
          for (const endpoint of endpoints) {
            if (!present.has(key(endpoint))) {
              throw new OperationFailure(
                'RESOURCE_NOT_FOUND',
                `Network endpoint ${key(endpoint)} is not attached to ${name}.`,
                404,
              );
            }
          }
          const gone = new Set(endpoints.map(key));
          neg.endpoints = neg.endpoints.filter((e) => !gone.has(key(e)));
        }
      },
    );
  }

  #endpoint(neg: FakeNeg, raw: unknown, field: string): FakeEndpoint {
    const item = asObject(raw, field);
    for (const key of Object.keys(item)) {
      if (!['instance', 'port', 'clientDestinationPort', 'ipAddress', 'annotations'].includes(key))
        invalid(`${field}.${key}`, 'unknown field for a GCE_VM_IP_PORTMAP endpoint');
    }
    const reference = requiredString(item.instance, `${field}.instance`);
    const instance = this.state.findInstance(reference);
    if (!instance) notFound(`instance ${reference}`);
    if (!instance.zone.startsWith(`${neg.region}-`))
      invalid(`${field}.instance`, `instance ${instance.name} is not in region ${neg.region}`);
    const nic0 = instance.networkInterfaces[0];
    if (!nic0 || nic0.subnetwork !== neg.subnetwork) {
      invalid(`${field}.instance`, `the primary network interface of ${instance.name} must be in the NEG's subnetwork`);
    }
    if (item.ipAddress !== undefined && item.ipAddress !== nic0.networkIP)
      invalid(`${field}.ipAddress`, 'must be the primary IP of nic0');
    const port = portOf(item.port, `${field}.port`);
    const clientDestinationPort = portOf(item.clientDestinationPort, `${field}.clientDestinationPort`);
    return { instance: this.state.instanceUrl(instance), port, clientDestinationPort };
  }

  // ------------------------------------------------------------------ regional collections

  #regionalCollection(
    collection: 'backendServices' | 'forwardingRules' | 'serviceAttachments',
    check: (body: Json, region: string) => void,
    options: { fingerprinted?: boolean } = {},
  ): void {
    const store = this.state[collection];
    const base = '/compute/v1/projects/{}/regions/{}';
    const kind = `compute#${collection.slice(0, -1)}`;
    const where = (project: string, region: string, name: string) =>
      `projects/${project}/regions/${region}/${collection}/${name}`;
    const get = (project: string, region: string, name: string): Json => {
      this.#region(project, region);
      const found = store.get(name);
      if (!found) notFound(where(project, region, name));
      return found;
    };
    this.server.route('GET', `${base}/${collection}/{}`, (_r, [project, region, name]) => ({
      body: get(project!, region!, name!),
    }));
    this.server.route('GET', `${base}/${collection}`, (_r, [project, region]) => {
      this.#region(project!, region!);
      return { body: { items: [...store.values()] } };
    });
    this.server.route('POST', `${base}/${collection}`, (r, [project, region]) => {
      this.#region(project!, region!);
      const body = asObject(r.json, 'resource');
      const name = requiredString(body.name, 'resource.name');
      if (!RESOURCE_NAME.test(name))
        invalid('resource.name', 'must be a lowercase RFC1035 name of at most 63 characters');
      check(body, region!);
      if (store.has(name)) this.#alreadyExists(where(project!, region!, name));
      return this.#mutate(
        r,
        { kind: 'region', name: region! },
        'insert',
        `regions/${region}/${collection}/${name}`,
        () => {
          if (store.has(name)) throw new OperationFailure('RESOURCE_ALREADY_EXISTS', `${name} exists`, 409);
          const stamped = this.#stamp(body, this.state.regionalUrl(collection, name, region), kind);
          if (options.fingerprinted) stamped.fingerprint = newFingerprint();
          if (collection === 'forwardingRules' && stamped.IPAddress === undefined)
            stamped.IPAddress = this.#internalAddress(body.subnetwork, region!);
          store.set(name, stamped);
        },
      );
    });
    this.server.route('PATCH', `${base}/${collection}/{}`, (r, [project, region, name]) => {
      const current = get(project!, region!, name!);
      const patch = asObject(r.json, 'resource');
      if (options.fingerprinted && patch.fingerprint !== current.fingerprint) {
        throw new GoogleApiError(
          412,
          'conditionNotMet',
          'Supplied fingerprint does not match current resource fingerprint.',
        );
      }
      const merged: Json = { ...current, ...patch, name: current.name };
      check(merged, region!);
      return this.#mutate(
        r,
        { kind: 'region', name: region! },
        'patch',
        `regions/${region}/${collection}/${name}`,
        () => {
          if (options.fingerprinted) merged.fingerprint = newFingerprint();
          store.set(name!, merged);
        },
      );
    });
  }

  /** An internal forwarding rule without IPAddress gets one of its subnetwork (here: from the top of the range). */
  #internalAddress(subnetwork: unknown, region: string): string {
    const subnet = this.#subnetFromUrl(subnetwork, 'resource.subnetwork', region);
    const [base, bits] = subnet.ipCidrRange.split('/') as [string, string];
    const start = base.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    const taken = new Set([...this.state.forwardingRules.values()].map((rule) => rule.IPAddress));
    for (let offset = 2 ** (32 - Number(bits)) - 2; offset > 1; offset--) {
      const n = start + offset;
      const address = [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
      if (!taken.has(address)) return address;
    }
    throw new OperationFailure('IP_SPACE_EXHAUSTED', `no free address in ${subnet.name}`);
  }

  #negByUrl(url: unknown, field: string): FakeNeg {
    const text = requiredString(url, field);
    const name = /networkEndpointGroups\/([^/]+)$/.exec(text)?.[1];
    const neg = name === undefined ? undefined : this.state.negs.get(name);
    if (!neg) notFound(text);
    return neg;
  }

  #hasPortmapBackend(service: Json): boolean {
    return ((service.backends as Json[] | undefined) ?? []).some(
      (b) => this.#negByUrl(b.group, 'backends.group').networkEndpointType === 'GCE_VM_IP_PORTMAP',
    );
  }

  #checkBackendService(body: Json, _region: string): void {
    const backends = Array.isArray(body.backends) ? (body.backends as unknown[]) : [];
    for (const [index, raw] of backends.entries()) {
      const backend = asObject(raw, `resource.backends[${index}]`);
      this.#negByUrl(backend.group, `resource.backends[${index}].group`);
      if (backend.balancingMode !== undefined && backend.balancingMode !== 'CONNECTION') {
        invalid(`resource.backends[${index}].balancingMode`, 'must be CONNECTION for an internal passthrough backend');
      }
    }
    if (this.#hasPortmapBackend(body)) {
      if (body.loadBalancingScheme !== 'INTERNAL')
        invalid('resource.loadBalancingScheme', 'must be INTERNAL with a port-mapping NEG backend');
      if (Array.isArray(body.healthChecks) && body.healthChecks.length > 0) {
        invalid('resource.healthChecks', 'a backend service with a port-mapping NEG backend cannot have health checks');
      }
    }
    if (body.protocol !== undefined && !['TCP', 'UDP', 'UNSPECIFIED'].includes(String(body.protocol))) {
      invalid('resource.protocol', 'must be TCP, UDP or UNSPECIFIED for an internal passthrough load balancer');
    }
  }

  #checkForwardingRule(body: Json, region: string): void {
    if (body.loadBalancingScheme !== 'INTERNAL')
      invalid('resource.loadBalancingScheme', 'this fake models INTERNAL forwarding rules');
    const backendUrl = requiredString(body.backendService, 'resource.backendService');
    const name = /backendServices\/([^/]+)$/.exec(backendUrl)?.[1] ?? '';
    const service = this.state.backendServices.get(name);
    if (!service) notFound(backendUrl);
    if (service.loadBalancingScheme !== 'INTERNAL')
      invalid('resource.backendService', 'must be an INTERNAL backend service');
    if (this.#hasPortmapBackend(service) && body.allPorts !== true) {
      invalid('resource.allPorts', 'a forwarding rule to a port-mapping NEG backend must forward all ports');
    }
    if (body.allPorts === true && Array.isArray(body.ports) && body.ports.length > 0)
      invalid('resource.ports', 'ports and allPorts are exclusive');
    this.#subnetFromUrl(body.subnetwork, 'resource.subnetwork', region);
  }

  #checkServiceAttachment(body: Json, region: string): void {
    const target = requiredString(body.targetService, 'resource.targetService');
    const ruleName = /forwardingRules\/([^/]+)$/.exec(target)?.[1] ?? '';
    const rule = this.state.forwardingRules.get(ruleName);
    if (!rule) notFound(target);
    if (rule.loadBalancingScheme !== 'INTERNAL')
      invalid('resource.targetService', 'must be an INTERNAL forwarding rule');
    const natSubnets = body.natSubnets;
    if (!Array.isArray(natSubnets) || natSubnets.length === 0)
      invalid('resource.natSubnets', 'at least one NAT subnet is required');
    for (const [index, url] of natSubnets.entries()) {
      const subnet = this.#subnetFromUrl(url, `resource.natSubnets[${index}]`, region);
      if (subnet.purpose !== 'PRIVATE_SERVICE_CONNECT')
        invalid(`resource.natSubnets[${index}]`, 'must be a subnet with purpose PRIVATE_SERVICE_CONNECT');
    }
    const preference = body.connectionPreference;
    if (preference !== 'ACCEPT_AUTOMATIC' && preference !== 'ACCEPT_MANUAL') {
      invalid('resource.connectionPreference', 'must be ACCEPT_AUTOMATIC or ACCEPT_MANUAL');
    }
    const accept = Array.isArray(body.consumerAcceptLists) ? body.consumerAcceptLists : [];
    if (preference === 'ACCEPT_AUTOMATIC' && accept.length > 0)
      invalid('resource.consumerAcceptLists', 'only used with ACCEPT_MANUAL');
    for (const [index, raw] of accept.entries()) {
      const entry = asObject(raw, `resource.consumerAcceptLists[${index}]`);
      if (typeof entry.projectIdOrNum !== 'string' && typeof entry.networkUrl !== 'string') {
        invalid(`resource.consumerAcceptLists[${index}]`, 'needs projectIdOrNum or networkUrl');
      }
      if (
        typeof entry.connectionLimit !== 'number' ||
        !Number.isInteger(entry.connectionLimit) ||
        entry.connectionLimit < 0
      ) {
        invalid(`resource.consumerAcceptLists[${index}].connectionLimit`, 'must be a whole number ≥ 0');
      }
    }
  }

  #checkFirewall(body: Json): string {
    const name = requiredString(body.name, 'resource.name');
    if (!RESOURCE_NAME.test(name))
      invalid('resource.name', 'must be a lowercase RFC1035 name of at most 63 characters');
    const network = requiredString(body.network, 'resource.network');
    const networkName = /networks\/([^/]+)$/.exec(network)?.[1] ?? network;
    if (!this.state.networks.has(networkName)) notFound(network);
    if ((body.direction ?? 'INGRESS') !== 'INGRESS') invalid('resource.direction', 'this fake models INGRESS rules');
    if (!Array.isArray(body.sourceRanges) || body.sourceRanges.length === 0)
      invalid('resource.sourceRanges', 'an ingress rule needs source ranges');
    if (!Array.isArray(body.allowed) || body.allowed.length === 0)
      invalid('resource.allowed', 'at least one allowed protocol is required');
    const tags = Array.isArray(body.targetTags) && body.targetTags.length > 0;
    const accounts = Array.isArray(body.targetServiceAccounts) && body.targetServiceAccounts.length > 0;
    if (tags && accounts)
      invalid('resource.targetServiceAccounts', 'targetTags and targetServiceAccounts are exclusive');
    return name;
  }
}

function portOf(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535)
    invalid(field, 'must be a port 1-65535');
  return value;
}

export interface FilterTerm {
  field: 'labels' | 'status';
  label: string;
  value: string;
}

/** Compute list filters this fake understands: `labels.K = "V"` / `status = RUNNING`, joined by AND or juxtaposed. */
export function parseFilter(filter: string): FilterTerm[] {
  const terms: FilterTerm[] = [];
  const term = /\(?\s*(labels\.([a-z][a-z0-9_-]{0,62})|status)\s*=\s*(?:"([^"]*)"|([A-Za-z0-9_-]+))\s*\)?/y;
  let rest = filter.trim();
  while (rest.length > 0) {
    term.lastIndex = 0;
    const match = term.exec(rest);
    if (!match) invalid('filter', `unsupported filter expression near "${rest.slice(0, 40)}"`);
    terms.push({
      field: match[1] === 'status' ? 'status' : 'labels',
      label: match[2] ?? '',
      value: match[3] ?? match[4] ?? '',
    });
    rest = rest.slice(match[0].length).trim();
    if (rest.startsWith('AND ')) rest = rest.slice(4).trim();
  }
  return terms;
}

/** Starts a fake Compute API on a loopback port. */
export async function startFakeCompute(options: FakeComputeOptions & { host?: string } = {}) {
  const state = new FakeComputeState(options);
  const compute = new FakeCompute(state, options.host === undefined ? {} : { host: options.host });
  const address = await compute.start();
  return { state, compute, ...address };
}
