/**
 * Benchmark: Google Cloud API calls of the read side of an apply that finds 48 brokers converged, through the real
 * @google-cloud clients against the stateful fakes (which count every request): load the spec (Cloud Storage),
 * discover the brokers (Compute aggregatedList by labels), list the NEG's port mappings, and check every PSC
 * producer resource (what ensureConsumerEndpoint reads). Prints one JSON line.
 *
 *   npx node bench/gcp-api-calls.ts
 *
 * The scheduled drift check itself, measured end to end on the bed, is bench/gcp-drift-calls.ts.
 */
import { closeGcpClients, createGcpClients, createStorageClient } from '../shared/providers/gcp/clients.ts';
import { ComputeBrokerDiscovery } from '../shared/providers/gcp/discovery.ts';
import { NegEndpoints } from '../shared/providers/gcp/neg-endpoints.ts';
import { PscProducer } from '../shared/providers/gcp/psc.ts';
import { GcsSpecStore } from '../shared/providers/gcp/spec-store.ts';
import { FAKE_TOKEN, FakeCompute, FakeComputeState } from '../shared/providers/gcp/testing/fake-compute.ts';
import { FakeStorage } from '../shared/providers/gcp/testing/fake-storage.ts';
import { parseSpec } from '../shared/spec/validate.ts';

const HOST = '127.0.2.40';
const project = 'kafka-prod-1';
const BROKERS = 48;
const state = new FakeComputeState({ project, pollsToFinish: 1 });
const compute = new FakeCompute(state, { host: HOST });
const storage = new FakeStorage({ buckets: ['brokerlink-state'], token: FAKE_TOKEN, host: HOST });
const { port } = await compute.start();
await storage.start();
const clients = createGcpClients({ endpoint: { host: HOST, port, token: FAKE_TOKEN } });
const bucket = createStorageClient({
  endpoint: { host: HOST, port: storage.server.port, token: FAKE_TOKEN },
  projectId: project,
}).bucket('brokerlink-state');
try {
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
  for (let id = 1; id <= BROKERS; id++) {
    state.addInstance({
      name: `broker-${id}`,
      zone: `us-west1-${'abc'[id % 3]}`,
      networkIP: `10.64.1.${id}`,
      labels: { 'brokerlink-cluster': 'orders', 'kafka-node-id': String(id) },
    });
  }
  const spec = parseSpec({
    cluster: 'orders',
    provider: {
      gcp: {
        project,
        region: 'us-west1',
        network: 'kafka-vpc',
        subnetwork: 'brokers-subnet',
        consumerCidrs: ['10.128.0.0/18'],
        privateServiceConnect: {
          natSubnetwork: 'psc-subnet',
          consumerAcceptList: [{ project: 'tidbcloud-prod-000', connectionLimit: 10 }],
        },
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink-cluster': 'orders' }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/home/kafka/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.64.1.1:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        brokerPorts: { from: 9093, to: 9200 },
        advertisedListenerPattern: '<broker_id>.abc.us-west1.gcp.example.com:<port>',
      },
    ],
  });
  // Converge first (not counted): PSC resources, then the 48 port mappings.
  const psc = new PscProducer({ clients });
  for (let round = 0; round < 10; round++) {
    const result = await psc.ensure(spec);
    if (result.ready) break;
    while (!(await psc.operationDone(spec, result.pending))) {
      // polls
    }
  }
  const negs = new NegEndpoints({ clients });
  const mappings = Array.from({ length: BROKERS }, (_, i) => ({
    instance: `us-west1-${'abc'[(i + 1) % 3]}/broker-${i + 1}`,
    port: 39092,
    clientDestinationPort: 9093 + i,
  }));
  const op = await negs.attach(spec, mappings, 'bench');
  while (!(await psc.operationDone(spec, op))) {
    // polls
  }
  await new GcsSpecStore({ bucket }).save('orders', 'spec text');

  const computeBefore = compute.server.requests.length;
  const storageBefore = storage.server.requests.length;
  await new GcsSpecStore({ bucket }).load('orders');
  const brokers = await new ComputeBrokerDiscovery({ clients, project }).discoverBrokers(spec);
  const endpoints = await negs.list(spec);
  const check = await psc.ensure(spec);
  if (brokers.length !== BROKERS || endpoints?.length !== BROKERS || !check.ready || check.changed.length > 0)
    throw new Error('setup is miswired');
  const computeCalls = compute.server.requests.slice(computeBefore);
  const byPath: Record<string, number> = {};
  for (const r of computeCalls) {
    const key = `${r.method} ${r.path.replace(/^\/compute\/v1\/projects\/[^/]+\//, '').replace(/\/[^/]+$/, (m) => (/(listNetworkEndpoints)$/.test(m) ? m : '/…'))}`;
    byPath[key] = (byPath[key] ?? 0) + 1;
  }
  process.stdout.write(
    `${JSON.stringify({ figure: 'gcp-api-calls-no-drift-48', brokers: BROKERS, computeCalls: computeCalls.length, storageCalls: storage.server.requests.length - storageBefore, total: computeCalls.length + storage.server.requests.length - storageBefore, byPath })}\n`,
  );
} finally {
  await closeGcpClients(clients);
  await compute.stop();
  await storage.stop();
}
