import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { ExecutionsClient } from '@google-cloud/workflows';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  closeGcpClients,
  createExecutionsClient,
  createGcpClients,
  createStorageClient,
  type GcpClients,
} from '../../shared/providers/gcp/clients.ts';
import { FAKE_TOKEN, FakeCompute, FakeComputeState } from '../../shared/providers/gcp/testing/fake-compute.ts';
import { FakeStorage } from '../../shared/providers/gcp/testing/fake-storage.ts';
import { FakeWorkflowExecutions } from '../../shared/providers/gcp/testing/fake-workflow-executions.ts';
import {
  ComputeInstanceDirectory,
  GcsStoredSpecs,
  WorkflowsStarter,
} from '../../shared/providers/gcp/trigger-ports.ts';
import {
  asCloudEventFunction,
  instanceInsertedHandler,
  jsonLog,
  specChangedHandler,
  type TriggerDeps,
} from './triggers.ts';

/*
 * The trigger functions on the functions framework, receiving CloudEvents over HTTP, with the GCP trigger ports
 * over the real clients against the fakes (Compute, Cloud Storage, Workflow Executions).
 */

const HOST = '127.0.2.80';
const project = 'kafka-prod-1';
const state = new FakeComputeState({ project });
const compute = new FakeCompute(state, { host: HOST });
const storage = new FakeStorage({ buckets: ['kafka-prod-1-brokerlink'], token: FAKE_TOKEN, host: HOST });
const executions = new FakeWorkflowExecutions({
  token: FAKE_TOKEN,
  host: HOST,
  workflows: ['brokerlink-provision', 'brokerlink-drift-check'],
});
let clients: GcpClients;
let executionsClient: ExecutionsClient;
const logs: string[] = [];
const servers: Record<string, { server: Server; url: string }> = {};

const SPEC = JSON.stringify({
  cluster: 'orders',
  provider: {
    gcp: {
      project,
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
      brokerPorts: { from: 9093, to: 9095 },
      advertisedListenerPattern: '<broker_id>.abc.example.com:<port>',
    },
  ],
});

beforeAll(async () => {
  const { port } = await compute.start();
  await storage.start();
  const exec = await executions.start();
  clients = createGcpClients({ endpoint: { host: HOST, port, token: FAKE_TOKEN } });
  executionsClient = createExecutionsClient({ endpoint: { host: HOST, port: exec.port, token: FAKE_TOKEN } });
  const bucket = createStorageClient({
    endpoint: { host: HOST, port: storage.server.port, token: FAKE_TOKEN },
    projectId: project,
  }).bucket('kafka-prod-1-brokerlink');
  state.addSubnetwork({
    name: 'brokers-subnet',
    network: 'kafka-vpc',
    ipCidrRange: '10.64.0.0/18',
    purpose: 'PRIVATE',
  });
  state.addInstance({
    name: 'broker-node4',
    zone: 'us-west1-b',
    networkIP: '10.64.0.13',
    labels: { 'brokerlink-cluster': 'orders', 'kafka-node-id': '4' },
  });
  state.addInstance({ name: 'web-1', zone: 'us-west1-b', networkIP: '10.64.0.99', labels: { team: 'web' } });
  const deps: TriggerDeps = {
    starter: new WorkflowsStarter({ client: executionsClient, project, location: 'us-west1' }),
    instances: new ComputeInstanceDirectory({ clients, project }),
    specs: new GcsStoredSpecs({ bucket }),
    bucket: 'kafka-prod-1-brokerlink',
    log: jsonLog((line) => logs.push(line)),
  };
  cloudEvent('onInstanceInserted', asCloudEventFunction(instanceInsertedHandler(() => deps)));
  cloudEvent('onSpecChanged', asCloudEventFunction(specChangedHandler(() => deps)));
  for (const name of ['onInstanceInserted', 'onSpecChanged']) {
    const server = getTestServer(name);
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    servers[name] = { server, url: `http://${HOST}:${(server.address() as AddressInfo).port}/` };
  }
});

afterAll(async () => {
  for (const { server } of Object.values(servers)) await new Promise<void>((resolve) => server.close(() => resolve()));
  await closeGcpClients(clients);
  await executionsClient.close();
  await compute.stop();
  await storage.stop();
  await executions.stop();
});

beforeEach(() => {
  executions.executions.length = 0;
});

/** Delivers a CloudEvent in structured mode, as Eventarc may. */
function deliver(fn: string, event: Record<string, unknown>) {
  return fetch(servers[fn]!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({ specversion: '1.0', ...event }),
  });
}

function insertEvent(id: string, instance: string, last = true) {
  return {
    id,
    source: '//cloudaudit.googleapis.com/projects/kafka-prod-1/logs/activity',
    type: 'google.cloud.audit.log.v1.written',
    data: {
      protoPayload: {
        serviceName: 'compute.googleapis.com',
        methodName: 'v1.compute.instances.insert',
        resourceName: `projects/${project}/zones/us-west1-b/instances/${instance}`,
      },
      operation: last ? { id: 'op', last: true } : { id: 'op', first: true },
    },
  };
}

describe('onInstanceInserted', () => {
  it('starts provision (apply, queued behind the lock) for the new broker’s cluster, once per event', async () => {
    expect((await deliver('onInstanceInserted', insertEvent('evt-1', 'broker-node4'))).status).toBe(204);
    expect(executions.executions.map((e) => [e.workflow, e.argument])).toEqual([
      ['brokerlink-provision', { cluster: 'orders', mode: 'apply', trigger: 'instance-running', waitForLock: true }],
    ]);
    await deliver('onInstanceInserted', insertEvent('evt-1', 'broker-node4')); // redelivered
    expect(executions.executions).toHaveLength(1);
  });

  it('ignores the first entry of an insert and instances without the cluster label', async () => {
    await deliver('onInstanceInserted', insertEvent('evt-2', 'broker-node4', false));
    await deliver('onInstanceInserted', insertEvent('evt-3', 'web-1'));
    expect(executions.executions).toEqual([]);
  });

  it('fails on a bad event, naming the field, and starts nothing', async () => {
    const bad = insertEvent('evt-4', 'broker-node4');
    (bad.data.protoPayload as Record<string, unknown>).resourceName = 'projects/p/zones/us-west1-b/instances/;reboot';
    const answer = await deliver('onInstanceInserted', bad);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(executions.executions).toEqual([]);
  });
});

describe('onSpecChanged', () => {
  const finalized = (id: string, name: string) => ({
    id,
    source: '//storage.googleapis.com/projects/_/buckets/kafka-prod-1-brokerlink',
    type: 'google.cloud.storage.object.v1.finalized',
    data: {
      bucket: 'kafka-prod-1-brokerlink',
      name,
      generation: String(storage.read('kafka-prod-1-brokerlink', name)?.generation ?? 1),
    },
  });

  it('starts provision for a valid spec, once per stored version', async () => {
    storage.put('kafka-prod-1-brokerlink', 'specs/orders.yaml', SPEC, 'application/yaml');
    await deliver('onSpecChanged', finalized('evt-10', 'specs/orders.yaml'));
    // Eventarc delivers at least once; a redelivery keeps the CloudEvent id (execution names carry it: see
    // shared/triggers/spec-changed.ts).
    await deliver('onSpecChanged', finalized('evt-10', 'specs/orders.yaml'));
    expect(executions.executions.map((e) => e.argument)).toEqual([
      expect.objectContaining({ cluster: 'orders', mode: 'apply', trigger: 'spec-change' }),
    ]);
  });

  it('starts nothing for an invalid spec and logs every problem', async () => {
    storage.put(
      'kafka-prod-1-brokerlink',
      'specs/orders.yaml',
      SPEC.replace('"brokerPort":39092', '"brokerPort":70000'),
      'application/yaml',
    );
    await deliver('onSpecChanged', finalized('evt-12', 'specs/orders.yaml'));
    expect(executions.executions).toEqual([]);
    expect(logs.some((line) => line.includes('brokerPort'))).toBe(true);
  });
});
