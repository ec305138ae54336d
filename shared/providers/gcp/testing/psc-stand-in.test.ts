import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../../spec/validate.ts';
import { closeGcpClients, createGcpClients, type GcpClients } from '../clients.ts';
import { NegEndpoints } from '../neg-endpoints.ts';
import { PscProducer } from '../psc.ts';
import { FAKE_TOKEN, FakeCompute, FakeComputeState } from './fake-compute.ts';
import { PscPortMappingStandIn } from './psc-stand-in.ts';

/* The consumer side of PSC port mapping, following the NEG that the real clients change on the fake Compute API. */

const HOST = '127.0.2.60';
const BROKERS_HOST = '127.0.2.61';
const state = new FakeComputeState({ project: 'kafka-prod-1', pollsToFinish: 1 });
const compute = new FakeCompute(state, { host: HOST });
const brokers = new Map<string, { server: Server; port: number }>();
let clients: GcpClients;
let standIn: PscPortMappingStandIn;

const spec = parseSpec({
  cluster: 'orders',
  provider: {
    gcp: {
      project: 'kafka-prod-1',
      region: 'us-west1',
      network: 'kafka-vpc',
      subnetwork: 'brokers-subnet',
      consumerCidrs: ['10.128.0.0/18'],
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
      brokerPorts: { from: 29093, to: 29095 },
      advertisedListenerPattern: '<broker_id>.abc.example.com:<port>',
    },
  ],
});

beforeAll(async () => {
  const { port } = await compute.start();
  clients = createGcpClients({ endpoint: { host: HOST, port, token: FAKE_TOKEN } });
  state.addSubnetwork({
    name: 'brokers-subnet',
    network: 'kafka-vpc',
    ipCidrRange: '10.64.0.0/18',
    purpose: 'PRIVATE',
  });
  for (const name of ['broker-node1', 'broker-node2']) {
    state.addInstance({ name, zone: 'us-west1-a', networkIP: name === 'broker-node1' ? '10.64.0.10' : '10.64.0.11' });
    const server = createServer((socket) => socket.end(name));
    await new Promise<void>((resolve) => server.listen(0, BROKERS_HOST, resolve));
    brokers.set(name, { server, port: (server.address() as AddressInfo).port });
  }
  standIn = new PscPortMappingStandIn({
    state,
    neg: 'bl-orders-neg',
    host: HOST,
    resolve: ({ instance }) => ({ host: BROKERS_HOST, port: brokers.get(instance)!.port }),
  });
  await standIn.start();
  const psc = new PscProducer({ clients });
  for (;;) {
    const result = await psc.ensure(spec);
    if (result.ready) break;
    while (!(await psc.operationDone(spec, result.pending))) {
      // poll
    }
  }
});

afterAll(async () => {
  await standIn.stop();
  await closeGcpClients(clients);
  await compute.stop();
  for (const { server } of brokers.values()) await new Promise<void>((resolve) => server.close(() => resolve()));
});

function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error:${error.code}`));
  });
}

async function settle(ref: Awaited<ReturnType<NegEndpoints['attach']>>): Promise<void> {
  while (!(await new PscProducer({ clients }).operationDone(spec, ref))) {
    // poll
  }
  await standIn.sync();
}

describe('PscPortMappingStandIn', () => {
  it('sends each client port to exactly the VM of its endpoint, and nothing once detached', async () => {
    const negs = new NegEndpoints({ clients });
    const one = { instance: 'us-west1-a/broker-node1', port: 39092, clientDestinationPort: 29093 };
    const two = { instance: 'us-west1-a/broker-node2', port: 39092, clientDestinationPort: 29094 };
    await settle(await negs.attach(spec, [one, two], 'k1'));
    expect(standIn.ports()).toEqual([29093, 29094]);
    expect(await ask(29093)).toBe('broker-node1');
    expect(await ask(29094)).toBe('broker-node2');
    await settle(await negs.detach(spec, [two], 'k2'));
    expect(await ask(29094)).toBe('error:ECONNREFUSED');
    await settle(await negs.attach(spec, [{ ...two, clientDestinationPort: 29095 }], 'k3'));
    expect(await ask(29095)).toBe('broker-node2');
  });
});
