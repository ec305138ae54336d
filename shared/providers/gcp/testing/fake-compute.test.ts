import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeGcpClients, createGcpClients, type GcpClients } from '../clients.ts';
import { FAKE_TOKEN, FakeCompute, FakeComputeState, parseFilter } from './fake-compute.ts';

/*
 * The fake Compute server through the real @google-cloud/compute v7 clients (REST over HTTP to loopback): what
 * it accepts, what it refuses, and that operations only take effect once they are DONE.
 */

const project = 'kafka-prod-1';
const region = 'us-west1';
let state: FakeComputeState;
let fake: FakeCompute;
let clients: GcpClients;
let port: number;
let now = 1_000_000;

function seed(s: FakeComputeState): void {
  s.addSubnetwork({ name: 'brokers-subnet', network: 'kafka-vpc', ipCidrRange: '10.64.0.0/18', purpose: 'PRIVATE' });
  s.addSubnetwork({
    name: 'psc-subnet',
    network: 'kafka-vpc',
    ipCidrRange: '10.128.0.0/18',
    purpose: 'PRIVATE_SERVICE_CONNECT',
  });
  s.addSubnetwork({ name: 'other-subnet', network: 'kafka-vpc', ipCidrRange: '10.200.0.0/18', purpose: 'PRIVATE' });
  for (const [index, zone] of ['us-west1-a', 'us-west1-b', 'us-west1-c'].entries()) {
    s.addInstance({
      name: `broker-node${index + 1}`,
      zone,
      networkIP: `10.64.0.${index + 10}`,
      labels: { cluster: 'orders', 'kafka-node-id': String(index + 1) },
      metadata: { 'enable-guest-attributes': 'TRUE' },
    });
  }
  s.addInstance({ name: 'stray', zone: 'us-west1-a', networkIP: '10.200.0.5', subnetwork: 'other-subnet' });
}

beforeAll(async () => {
  // One server for the file; each test gets fresh state by swapping the state object's contents below.
  state = new FakeComputeState({ project, region, pollsToFinish: 2, now: () => now });
  fake = new FakeCompute(state, { host: '127.0.2.10' });
  ({ port } = await fake.start());
  clients = createGcpClients({ endpoint: { host: '127.0.2.10', port, token: FAKE_TOKEN } });
});

afterAll(async () => {
  await closeGcpClients(clients);
  await fake.stop();
});

beforeEach(() => {
  for (const map of [
    state.instances,
    state.negs,
    state.subnetworks,
    state.backendServices,
    state.forwardingRules,
    state.serviceAttachments,
    state.firewalls,
    state.operations,
    state.requestIds,
  ]) {
    map.clear();
  }
  state.networks.clear();
  now += 120_000;
  seed(state);
});

const negUrl = (name: string) =>
  `https://www.googleapis.com/compute/v1/projects/${project}/regions/${region}/networkEndpointGroups/${name}`;
const subnetUrl = (name: string) => `projects/${project}/regions/${region}/subnetworks/${name}`;
const instanceUrl = (name: string, zone: string) => `projects/${project}/zones/${zone}/instances/${name}`;

/** The Compute LRO wrapper's own `name` is the operation id; the operation's name is in latestResponse. */
function opName(op: { latestResponse?: unknown }): string {
  return (op.latestResponse as { name: string }).name;
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) {
    // consume
  }
}

async function finish(operation: string, scope: 'region' | 'zone' = 'region'): Promise<Record<string, unknown>> {
  for (let i = 0; i < 10; i++) {
    const [op] =
      scope === 'region'
        ? await clients.regionOperations.get({ project, region, operation })
        : await clients.zoneOperations.get({ project, zone: 'us-west1-a', operation });
    if (op.status === 'DONE') return op as Record<string, unknown>;
  }
  throw new Error(`operation ${operation} never finished`);
}

async function createNeg(name = 'kafka-neg'): Promise<void> {
  const [op] = await clients.networkEndpointGroups.insert({
    project,
    region,
    networkEndpointGroupResource: {
      name,
      networkEndpointType: 'GCE_VM_IP_PORTMAP',
      network: 'projects/kafka-prod-1/global/networks/kafka-vpc',
      subnetwork: subnetUrl('brokers-subnet'),
    },
  });
  await finish(opName(op));
}

function attach(
  endpoints: Array<{ instance: string; port: number; clientDestinationPort: number }>,
  requestId?: string,
) {
  return clients.networkEndpointGroups.attachNetworkEndpoints({
    project,
    region,
    networkEndpointGroup: 'kafka-neg',
    ...(requestId ? { requestId } : {}),
    regionNetworkEndpointGroupsAttachEndpointsRequestResource: { networkEndpoints: endpoints },
  });
}

async function endpoints(): Promise<
  Array<{ instance?: string | null; port?: number | null; clientDestinationPort?: number | null }>
> {
  const found = [];
  for await (const item of clients.networkEndpointGroups.listNetworkEndpointsAsync({
    project,
    region,
    networkEndpointGroup: 'kafka-neg',
  })) {
    found.push(item.networkEndpoint!);
  }
  return found.map((e) => ({ instance: e.instance, port: e.port, clientDestinationPort: e.clientDestinationPort }));
}

describe('port-mapping NEG', () => {
  it('applies an attach only when its operation is DONE, after a few polls', async () => {
    await createNeg();
    const [op] = await attach([
      { instance: instanceUrl('broker-node1', 'us-west1-a'), port: 39092, clientDestinationPort: 9093 },
    ]);
    expect(op.latestResponse).toMatchObject({ status: 'PENDING' });
    expect(await endpoints()).toEqual([]);
    const [first] = await clients.regionOperations.get({ project, region, operation: opName(op) });
    expect(first.status).toBe('RUNNING');
    const done = await finish(opName(op));
    expect(done.error ?? null).toBeNull();
    expect(await endpoints()).toEqual([
      {
        instance: `https://www.googleapis.com/compute/v1/${instanceUrl('broker-node1', 'us-west1-a')}`,
        port: 39092,
        clientDestinationPort: 9093,
      },
    ]);
  });

  it('refuses a second mapping for a client port in the operation, changing nothing (endpoints cannot be edited)', async () => {
    await createNeg();
    const [a] = await attach([{ instance: 'broker-node1', port: 39092, clientDestinationPort: 9093 }]);
    await finish(opName(a));
    const [b] = await attach([{ instance: 'broker-node2', port: 39092, clientDestinationPort: 9093 }]);
    const done = await finish(opName(b));
    expect(done).toMatchObject({ httpErrorStatusCode: 400, error: { errors: [{ code: 'INVALID_USAGE' }] } });
    expect((await endpoints()).map((e) => e.instance)).toEqual([expect.stringContaining('broker-node1')]);
  });

  it('moves a mapping by detach then attach', async () => {
    await createNeg();
    await finish(opName((await attach([{ instance: 'broker-node1', port: 39092, clientDestinationPort: 9093 }]))[0]));
    const [detach] = await clients.networkEndpointGroups.detachNetworkEndpoints({
      project,
      region,
      networkEndpointGroup: 'kafka-neg',
      regionNetworkEndpointGroupsDetachEndpointsRequestResource: {
        networkEndpoints: [{ instance: 'broker-node1', port: 39092, clientDestinationPort: 9093 }],
      },
    });
    await finish(opName(detach));
    await finish(opName((await attach([{ instance: 'broker-node2', port: 39092, clientDestinationPort: 9093 }]))[0]));
    expect((await endpoints()).map((e) => e.instance)).toEqual([expect.stringContaining('broker-node2')]);
  });

  it('returns the first operation for a repeated requestId and attaches once', async () => {
    await createNeg();
    const requestId = randomUUID();
    const [first] = await attach([{ instance: 'broker-node1', port: 39092, clientDestinationPort: 9093 }], requestId);
    const [again] = await attach([{ instance: 'broker-node1', port: 39092, clientDestinationPort: 9093 }], requestId);
    expect(opName(again)).toBe(opName(first));
    expect((await finish(opName(first))).error ?? null).toBeNull();
    expect(await endpoints()).toHaveLength(1);
    await expect(
      attach([{ instance: 'broker-node1', port: 39092, clientDestinationPort: 9094 }], 'not-a-uuid'),
    ).rejects.toMatchObject({ httpStatusCode: 400 });
  });

  it('holds at most 1,000 endpoints and 500 per request', async () => {
    await createNeg();
    const batch = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        instance: 'broker-node1',
        port: 39092,
        clientDestinationPort: from + i,
      }));
    await expect(attach(batch(10_000, 501))).rejects.toMatchObject({ httpStatusCode: 400 });
    await finish(opName((await attach(batch(10_000, 500)))[0]));
    await finish(opName((await attach(batch(10_500, 500)))[0]));
    const over = await finish(opName((await attach(batch(11_000, 1)))[0]));
    expect(over).toMatchObject({ error: { errors: [{ code: 'QUOTA_EXCEEDED' }] } });
    expect(await endpoints()).toHaveLength(1000);
  });

  it('refuses an instance whose primary NIC is outside the NEG subnetwork, and unknown endpoint fields', async () => {
    await createNeg();
    await expect(attach([{ instance: 'stray', port: 39092, clientDestinationPort: 9093 }])).rejects.toMatchObject({
      httpStatusCode: 400,
      message: expect.stringContaining('primary network interface'),
    });
    await expect(attach([{ instance: 'nobody', port: 39092, clientDestinationPort: 9093 }])).rejects.toMatchObject({
      httpStatusCode: 404,
    });
  });

  it('detaching an endpoint that is not attached fails its operation', async () => {
    await createNeg();
    const [op] = await clients.networkEndpointGroups.detachNetworkEndpoints({
      project,
      region,
      networkEndpointGroup: 'kafka-neg',
      regionNetworkEndpointGroupsDetachEndpointsRequestResource: {
        networkEndpoints: [{ instance: 'broker-node1', port: 39092, clientDestinationPort: 9093 }],
      },
    });
    expect(await finish(opName(op))).toMatchObject({ httpErrorStatusCode: 404 });
  });

  it('refuses a NEG of another type and a duplicate name', async () => {
    await createNeg();
    await expect(
      clients.networkEndpointGroups.insert({
        project,
        region,
        networkEndpointGroupResource: {
          name: 'kafka-neg',
          networkEndpointType: 'GCE_VM_IP_PORTMAP',
          subnetwork: subnetUrl('brokers-subnet'),
        },
      }),
    ).rejects.toMatchObject({ httpStatusCode: 409 });
    await expect(
      clients.networkEndpointGroups.insert({
        project,
        region,
        networkEndpointGroupResource: {
          name: 'other',
          networkEndpointType: 'GCE_VM_IP_PORT',
          subnetwork: subnetUrl('brokers-subnet'),
        },
      }),
    ).rejects.toMatchObject({ httpStatusCode: 400 });
  });
});

describe('PSC producer side', () => {
  async function backendService(extra: Record<string, unknown> = {}) {
    const [op] = await clients.backendServices.insert({
      project,
      region,
      backendServiceResource: {
        name: 'kafka-lb',
        loadBalancingScheme: 'INTERNAL',
        protocol: 'TCP',
        backends: [{ group: negUrl('kafka-neg'), balancingMode: 'CONNECTION' }],
        ...extra,
      },
    });
    return finish(opName(op));
  }

  it('refuses a health check or a non-INTERNAL scheme with a port-mapping backend', async () => {
    await createNeg();
    await expect(
      backendService({ healthChecks: ['projects/p/regions/us-west1/healthChecks/hc'] }),
    ).rejects.toMatchObject({ httpStatusCode: 400, message: expect.stringContaining('health checks') });
    await expect(backendService({ loadBalancingScheme: 'EXTERNAL' })).rejects.toMatchObject({ httpStatusCode: 400 });
    expect((await backendService()).error ?? null).toBeNull();
  });

  it('needs all ports on the forwarding rule and a PSC NAT subnet on the service attachment; patches need the fingerprint', async () => {
    await createNeg();
    await backendService();
    const bs = `projects/${project}/regions/${region}/backendServices/kafka-lb`;
    const rule = (allPorts: boolean) =>
      clients.forwardingRules.insert({
        project,
        region,
        forwardingRuleResource: {
          name: 'kafka-fr',
          loadBalancingScheme: 'INTERNAL',
          backendService: bs,
          allPorts,
          IPProtocol: 'TCP',
          network: 'kafka-vpc',
          subnetwork: subnetUrl('brokers-subnet'),
        },
      });
    await expect(rule(false)).rejects.toMatchObject({
      httpStatusCode: 400,
      message: expect.stringContaining('all ports'),
    });
    await finish(opName((await rule(true))[0]));
    const attachment = (natSubnet: string) =>
      clients.serviceAttachments.insert({
        project,
        region,
        serviceAttachmentResource: {
          name: 'kafka-psc',
          targetService: `projects/${project}/regions/${region}/forwardingRules/kafka-fr`,
          natSubnets: [subnetUrl(natSubnet)],
          connectionPreference: 'ACCEPT_MANUAL',
          consumerAcceptLists: [{ projectIdOrNum: 'tidbcloud-prod-000', connectionLimit: 10 }],
        },
      });
    await expect(attachment('brokers-subnet')).rejects.toMatchObject({
      httpStatusCode: 400,
      message: expect.stringContaining('PRIVATE_SERVICE_CONNECT'),
    });
    await finish(opName((await attachment('psc-subnet'))[0]));
    const [current] = await clients.serviceAttachments.get({ project, region, serviceAttachment: 'kafka-psc' });
    expect(current.consumerAcceptLists).toEqual([
      expect.objectContaining({ projectIdOrNum: 'tidbcloud-prod-000', connectionLimit: 10 }),
    ]);
    await expect(
      clients.serviceAttachments.patch({
        project,
        region,
        serviceAttachment: 'kafka-psc',
        serviceAttachmentResource: { fingerprint: 'stale', consumerAcceptLists: [] },
      }),
    ).rejects.toMatchObject({ httpStatusCode: 412 });
    const [patch] = await clients.serviceAttachments.patch({
      project,
      region,
      serviceAttachment: 'kafka-psc',
      serviceAttachmentResource: { fingerprint: current.fingerprint!, consumerAcceptLists: [] },
    });
    await finish(opName(patch));
  });

  it('creates an ingress firewall rule with target tags, refusing tags and service accounts together', async () => {
    const rule = (extra: Record<string, unknown>) =>
      clients.firewalls.insert({
        project,
        firewallResource: {
          name: 'allow-psc-kafka',
          network: 'global/networks/kafka-vpc',
          direction: 'INGRESS',
          sourceRanges: ['10.128.0.0/18'],
          allowed: [{ IPProtocol: 'tcp', ports: ['39092'] }],
          ...extra,
        },
      });
    await expect(
      rule({ targetTags: ['kafka'], targetServiceAccounts: ['kafka@p.iam.gserviceaccount.com'] }),
    ).rejects.toMatchObject({ httpStatusCode: 400 });
    const [op] = await rule({ targetTags: ['kafka'] });
    await clients.globalOperations.wait({ project, operation: opName(op) });
    const [created] = await clients.firewalls.get({ project, firewall: 'allow-psc-kafka' });
    expect(created).toMatchObject({ sourceRanges: ['10.128.0.0/18'], targetTags: ['kafka'] });
  });
});

describe('instances', () => {
  it('finds instances across zones by labels and refuses filters it does not model', async () => {
    const found: string[] = [];
    for await (const [, scoped] of clients.instances.aggregatedListAsync({
      project,
      filter: 'labels.cluster = "orders"',
    })) {
      for (const instance of scoped.instances ?? []) found.push(`${instance.name}@${instance.zone?.split('/').pop()}`);
    }
    expect(found.sort()).toEqual(['broker-node1@us-west1-a', 'broker-node2@us-west1-b', 'broker-node3@us-west1-c']);
    await expect(
      drain(clients.instances.aggregatedListAsync({ project, filter: 'name eq broker.*' })),
    ).rejects.toMatchObject({ httpStatusCode: 400 });
    expect(parseFilter('(labels.a = "x") AND status = RUNNING')).toEqual([
      { field: 'labels', label: 'a', value: 'x' },
      { field: 'status', label: '', value: 'RUNNING' },
    ]);
  });

  it('refuses setMetadata with a stale fingerprint (412) and applies it when the operation is DONE', async () => {
    const [instance] = await clients.instances.get({ project, zone: 'us-west1-a', instance: 'broker-node1' });
    const fingerprint = instance.metadata!.fingerprint!;
    await expect(
      clients.instances.setMetadata({
        project,
        zone: 'us-west1-a',
        instance: 'broker-node1',
        metadataResource: { fingerprint: 'c3RhbGU=', items: [] },
      }),
    ).rejects.toMatchObject({ httpStatusCode: 412 });
    const items = [...instance.metadata!.items!, { key: 'brokerlink-command', value: 'hello' }];
    const [op] = await clients.instances.setMetadata({
      project,
      zone: 'us-west1-a',
      instance: 'broker-node1',
      metadataResource: { fingerprint, items },
    });
    expect(state.instances.get('broker-node1')!.metadata.items.has('brokerlink-command')).toBe(false);
    await finish(opName(op), 'zone');
    expect(state.instances.get('broker-node1')!.metadata.items.get('brokerlink-command')).toBe('hello');
    await expect(
      clients.instances.setMetadata({
        project,
        zone: 'us-west1-a',
        instance: 'broker-node1',
        metadataResource: { fingerprint, items },
      }),
    ).rejects.toMatchObject({ httpStatusCode: 412 });
  });

  it('refuses a metadata value over 256 KB', async () => {
    const [instance] = await clients.instances.get({ project, zone: 'us-west1-a', instance: 'broker-node1' });
    await expect(
      clients.instances.setMetadata({
        project,
        zone: 'us-west1-a',
        instance: 'broker-node1',
        metadataResource: {
          fingerprint: instance.metadata!.fingerprint!,
          items: [{ key: 'big', value: 'x'.repeat(256 * 1024 + 1) }],
        },
      }),
    ).rejects.toMatchObject({ httpStatusCode: 400 });
  });

  it('reads guest attributes by namespace at most 10 times a minute per VM', async () => {
    state.instances.get('broker-node1')!.guestAttributes.set('brokerlink/state', 'done');
    for (let i = 0; i < 10; i++) {
      const [answer] = await clients.instances.getGuestAttributes({
        project,
        zone: 'us-west1-a',
        instance: 'broker-node1',
        queryPath: 'brokerlink/',
      });
      expect(answer.queryValue?.items).toEqual([
        expect.objectContaining({ namespace: 'brokerlink', key: 'state', value: 'done' }),
      ]);
    }
    await expect(
      clients.instances.getGuestAttributes({
        project,
        zone: 'us-west1-a',
        instance: 'broker-node1',
        queryPath: 'brokerlink/',
      }),
    ).rejects.toMatchObject({ httpStatusCode: 429 });
    now += 60_001;
    await clients.instances.getGuestAttributes({
      project,
      zone: 'us-west1-a',
      instance: 'broker-node1',
      queryPath: 'brokerlink/',
    });
  });

  it('answers 401 to a client with another token', async () => {
    const other = createGcpClients({ endpoint: { host: '127.0.2.10', port, token: 'wrong' } });
    try {
      await expect(
        other.instances.get({ project, zone: 'us-west1-a', instance: 'broker-node1' }),
      ).rejects.toMatchObject({ httpStatusCode: 401 });
    } finally {
      await closeGcpClients(other);
    }
  });
});
