import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../spec/schema.ts';
import { parseSpec } from '../../spec/validate.ts';
import { closeGcpClients, createGcpClients, type GcpClients } from './clients.ts';
import { GcpOperationFailed, PscResourceMismatch } from './errors.ts';
import { NegEndpoints } from './neg-endpoints.ts';
import { PscProducer, type PscState, pscNames, stableRequestId } from './psc.ts';
import { FAKE_TOKEN, FakeCompute, FakeComputeState } from './testing/fake-compute.ts';

/* The PSC producer side through the real compute clients against the fake Compute API. */

const HOST = '127.0.2.31';
const project = 'kafka-prod-1';
const state = new FakeComputeState({ project, pollsToFinish: 2 });
const fake = new FakeCompute(state, { host: HOST });
let clients: GcpClients;

beforeAll(async () => {
  const { port } = await fake.start();
  clients = createGcpClients({ endpoint: { host: HOST, port, token: FAKE_TOKEN } });
});
afterAll(async () => {
  await closeGcpClients(clients);
  await fake.stop();
});
beforeEach(() => {
  for (const map of [
    state.negs,
    state.subnetworks,
    state.backendServices,
    state.forwardingRules,
    state.serviceAttachments,
    state.firewalls,
    state.operations,
    state.requestIds,
  ])
    map.clear();
  state.addSubnetwork({
    name: 'brokers-subnet',
    network: 'kafka-vpc',
    ipCidrRange: '10.64.0.0/18',
    purpose: 'PRIVATE',
  });
  state.addSubnetwork({
    name: 'psc-subnet',
    network: 'kafka-vpc',
    ipCidrRange: '10.128.0.0/18',
    purpose: 'PRIVATE_SERVICE_CONNECT',
  });
  state.instances.clear();
  for (const [i, zone] of ['us-west1-a', 'us-west1-b', 'us-west1-c'].entries()) {
    state.addInstance({ name: `broker-node${i + 1}`, zone, networkIP: `10.64.0.${10 + i}` });
  }
});

function spec(accept = [{ project: 'tidbcloud-prod-000', connectionLimit: 10 }]): ClusterSpec {
  return parseSpec({
    cluster: 'orders',
    provider: {
      gcp: {
        project,
        region: 'us-west1',
        network: 'kafka-vpc',
        subnetwork: 'brokers-subnet',
        consumerCidrs: ['10.128.0.0/18'],
        privateServiceConnect: { natSubnetwork: 'psc-subnet', consumerAcceptList: accept },
        firewallTarget: { networkTag: 'kafka-broker' },
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink-cluster': 'orders' }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/home/kafka/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.64.0.10:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        brokerPorts: { from: 9093, to: 9095 },
        advertisedListenerPattern: '<broker_id>.abc.us-west1.gcp.example.com:<port>',
      },
    ],
  });
}

/** The workflow's loop: ensure, then poll the operation it started until DONE, again until ready. */
async function converge(
  producer: PscProducer,
  s: ClusterSpec,
): Promise<{ final: PscState; created: string[]; polls: number }> {
  const created: string[] = [];
  let polls = 0;
  for (let round = 0; round < 20; round++) {
    const result = await producer.ensure(s);
    if (result.ready) return { final: result, created, polls };
    created.push(result.pending.what);
    while (!(await producer.operationDone(s, result.pending))) polls++;
  }
  throw new Error('never converged');
}

describe('PscProducer', () => {
  it('creates the runbook resources in dependency order, one per call, and then reports the service attachment', async () => {
    const { final, created, polls } = await converge(new PscProducer({ clients }), spec());
    expect(created).toEqual([
      'create port-mapping NEG bl-orders-neg',
      'create backend service bl-orders-backend',
      'create forwarding rule bl-orders-rule',
      'create firewall rule bl-orders-allow-psc',
      'create service attachment bl-orders-psc',
    ]);
    expect(polls).toBeGreaterThan(0);
    expect(final).toEqual({
      ready: true,
      serviceAttachment: `projects/${project}/regions/us-west1/serviceAttachments/bl-orders-psc`,
      changed: [],
    });
    expect(state.firewalls.get('bl-orders-allow-psc')).toMatchObject({
      sourceRanges: ['10.128.0.0/18'],
      allowed: [{ IPProtocol: 'tcp', ports: ['39092'] }],
      targetTags: ['kafka-broker'],
    });
    expect(state.backendServices.get('bl-orders-backend')).toMatchObject({ loadBalancingScheme: 'INTERNAL' });
  });

  it('changes nothing once converged (checked, not re-created)', async () => {
    await converge(new PscProducer({ clients }), spec());
    const before = fake.server.requests.length;
    expect(await new PscProducer({ clients }).ensure(spec())).toMatchObject({ ready: true, changed: [] });
    expect(fake.server.requests.slice(before).every((r) => r.method === 'GET')).toBe(true);
  });

  it('gets the same operation back when a create is retried before it finished (stable requestId)', async () => {
    const producer = new PscProducer({ clients });
    const first = await producer.ensure(spec());
    const again = await producer.ensure(spec());
    expect(first.ready || again.ready).toBe(false);
    expect((again as { pending: { name: string } }).pending.name).toBe(
      (first as { pending: { name: string } }).pending.name,
    );
    expect(stableRequestId('a', 'b')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('corrects the accept list and a hand-edited firewall rule', async () => {
    await converge(new PscProducer({ clients }), spec());
    state.firewalls.set('bl-orders-allow-psc', {
      ...state.firewalls.get('bl-orders-allow-psc')!,
      sourceRanges: ['0.0.0.0/0'],
    });
    const { final, created } = await converge(
      new PscProducer({ clients }),
      spec([{ project: 'tidbcloud-prod-001', connectionLimit: 5 }]),
    );
    expect(created).toEqual(['update firewall rule bl-orders-allow-psc', 'update service attachment bl-orders-psc']);
    expect(final.ready).toBe(true);
    expect(state.firewalls.get('bl-orders-allow-psc')).toMatchObject({ sourceRanges: ['10.128.0.0/18'] });
    expect(state.serviceAttachments.get('bl-orders-psc')).toMatchObject({
      consumerAcceptLists: [{ projectIdOrNum: 'tidbcloud-prod-001', connectionLimit: 5 }],
    });
  });

  it('refuses to adopt a NEG of the same name that is not a port-mapping NEG in the brokers subnetwork', async () => {
    state.negs.set(pscNames('orders').neg, {
      name: 'bl-orders-neg',
      region: 'us-west1',
      id: '1',
      networkEndpointType: 'GCE_VM_IP_PORT',
      network: state.networkUrl('kafka-vpc'),
      subnetwork: state.subnetworkUrl('brokers-subnet'),
      description: '',
      endpoints: [],
      creationTimestamp: '',
    });
    await expect(new PscProducer({ clients }).ensure(spec())).rejects.toBeInstanceOf(PscResourceMismatch);
  });

  it('names a NAT subnetwork that lacks purpose PRIVATE_SERVICE_CONNECT', async () => {
    state.addSubnetwork({ name: 'psc-subnet', network: 'kafka-vpc', ipCidrRange: '10.128.0.0/18', purpose: 'PRIVATE' });
    await expect(converge(new PscProducer({ clients }), spec())).rejects.toThrow(
      /psc-subnet must have purpose PRIVATE_SERVICE_CONNECT/,
    );
  });
});

describe('NegEndpoints', () => {
  const mapping = (n: number, clientPort: number) => ({
    instance: `us-west1-${'abc'[n - 1]}/broker-node${n}`,
    port: 39092,
    clientDestinationPort: clientPort,
  });

  async function done(producer: PscProducer, ref: Awaited<ReturnType<NegEndpoints['attach']>>): Promise<void> {
    while (!(await producer.operationDone(spec(), ref))) {
      // the workflow sleeps here
    }
  }

  it('attaches, lists, and moves a mapping by detach then attach; a retried request is applied once', async () => {
    const producer = new PscProducer({ clients });
    await converge(producer, spec());
    const negs = new NegEndpoints({ clients });
    const first = await negs.attach(spec(), [mapping(1, 9093), mapping(2, 9094), mapping(3, 9095)], 'exec-1/attach');
    const retried = await negs.attach(spec(), [mapping(1, 9093), mapping(2, 9094), mapping(3, 9095)], 'exec-1/attach');
    expect(retried.name).toBe(first.name);
    await done(producer, first);
    expect(await negs.list(spec())).toEqual([mapping(1, 9093), mapping(2, 9094), mapping(3, 9095)]);
    await done(producer, await negs.detach(spec(), [mapping(3, 9095)], 'exec-2/move-3'));
    await done(producer, await negs.attach(spec(), [mapping(3, 9096)], 'exec-2/move-3'));
    expect((await negs.list(spec()))?.map((m) => m.clientDestinationPort)).toEqual([9093, 9094, 9096]);
  });

  it('fails the operation of a second mapping for a taken client port, changing nothing', async () => {
    const producer = new PscProducer({ clients });
    await converge(producer, spec());
    const negs = new NegEndpoints({ clients });
    await done(producer, await negs.attach(spec(), [mapping(1, 9093)], 'exec-1/a'));
    await expect(done(producer, await negs.attach(spec(), [mapping(2, 9093)], 'exec-1/b'))).rejects.toBeInstanceOf(
      GcpOperationFailed,
    );
    expect(await negs.list(spec())).toEqual([mapping(1, 9093)]);
  });

  it('lists no NEG as null (nothing created yet), not as an error', async () => {
    expect(await new NegEndpoints({ clients }).list(spec())).toBeNull();
  });
});
