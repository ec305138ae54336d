import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretUnavailable } from '../../port-errors.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { parseSpec } from '../../spec/validate.ts';
import {
  closeGcpClients,
  createGcpClients,
  createSecretManagerClient,
  createStorageClient,
  type GcpClients,
} from './clients.ts';
import { ComputeBrokerDiscovery, labelFilter } from './discovery.ts';
import {
  GcpBrokerInstanceInvalid,
  GcpDuplicateBrokerNodeId,
  GcpLockRecordCorrupt,
  GcpSpecNotStored,
  GuestAttributesRateLimited,
} from './errors.ts';
import { GcsClusterLock } from './lock.ts';
import { MetadataCommandChannel } from './metadata-command-channel.ts';
import { GcpSecretResolver } from './secrets.ts';
import { GcsSpecStore } from './spec-store.ts';
import { FAKE_TOKEN, FakeCompute, FakeComputeState } from './testing/fake-compute.ts';
import { FakeMetadataServer } from './testing/fake-metadata-server.ts';
import { FakeSecretManager } from './testing/fake-secret-manager.ts';
import { FakeStorage } from './testing/fake-storage.ts';

/*
 * The GCP adapters over the real @google-cloud clients (compute v7, storage, secret-manager) talking HTTP to the
 * stateful fakes; the command channel end to end with the real metadata agent on bash.
 */

const HOST = '127.0.2.30';
const project = 'kafka-prod-1';
let now = Date.parse('2026-12-01T10:00:00Z');
const clock = { now: () => new Date(now) };

const state = new FakeComputeState({ project, now: () => now });
const compute = new FakeCompute(state, { host: HOST });
const storageFake = new FakeStorage({ buckets: ['brokerlink-state'], token: FAKE_TOKEN, host: HOST });
const secretsFake = new FakeSecretManager({ project, token: FAKE_TOKEN, host: HOST });
let clients: GcpClients;
let bucket: ReturnType<ReturnType<typeof createStorageClient>['bucket']>;
let secretClient: ReturnType<typeof createSecretManagerClient>;

beforeAll(async () => {
  const { port } = await compute.start();
  await storageFake.start();
  const secrets = await secretsFake.start();
  clients = createGcpClients({ endpoint: { host: HOST, port, token: FAKE_TOKEN } });
  bucket = createStorageClient({
    endpoint: { host: HOST, port: storageFake.server.port, token: FAKE_TOKEN },
    projectId: project,
  }).bucket('brokerlink-state');
  secretClient = createSecretManagerClient({ endpoint: { host: HOST, port: secrets.port, token: FAKE_TOKEN } });
  state.addSubnetwork({
    name: 'brokers-subnet',
    network: 'kafka-vpc',
    ipCidrRange: '10.64.0.0/18',
    purpose: 'PRIVATE',
  });
  for (const [i, zone] of ['us-west1-a', 'us-west1-b', 'us-west1-c'].entries()) {
    state.addInstance({
      name: `broker-node${i + 1}`,
      zone,
      networkIP: `10.64.0.${10 + i}`,
      labels: { 'brokerlink-cluster': 'orders', 'kafka-node-id': String(i + 1) },
      metadata: { 'enable-guest-attributes': 'TRUE', 'startup-script': '#!/bin/sh\necho hi' },
    });
  }
  state.addInstance({
    name: 'other-cluster',
    zone: 'us-west1-a',
    networkIP: '10.64.0.50',
    labels: { 'brokerlink-cluster': 'payments', 'kafka-node-id': '1' },
  });
});

afterAll(async () => {
  await closeGcpClients(clients);
  await secretClient.close();
  await compute.stop();
  await storageFake.stop();
  await secretsFake.stop();
});

function spec(): ClusterSpec {
  return parseSpec({
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
        advertisedListenerPattern: '<broker_id>.abc.us-west1.gcp.example.com:<port>',
      },
    ],
  });
}

describe('GcsClusterLock', () => {
  const lock = () => new GcsClusterLock({ bucket, clock });

  it('lets exactly one of five racing contenders win, and tells the others who holds it', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => lock().acquire('race', `exec-${n}`, 600)));
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const owner = (winners[0] as { owner: string }).owner;
    for (const loser of results.filter((r) => !r.acquired)) expect(loser).toMatchObject({ holder: owner });
  });

  it('is taken over once expired, and a late release by the old owner frees nothing', async () => {
    const first = lock();
    expect(await first.acquire('orders', 'exec-old', 60)).toMatchObject({ acquired: true });
    expect(await lock().acquire('orders', 'exec-new', 60)).toMatchObject({ acquired: false, holder: 'exec-old' });
    now += 61_000;
    expect(await lock().acquire('orders', 'exec-new', 60)).toMatchObject({ acquired: true, owner: 'exec-new' });
    await first.release('orders', 'exec-old');
    expect(await lock().acquire('orders', 'exec-third', 60)).toMatchObject({ acquired: false, holder: 'exec-new' });
    await lock().release('orders', 'exec-new');
    expect(storageFake.read('brokerlink-state', 'locks/orders.json')).toBeUndefined(); // released: nothing left
    expect(await lock().acquire('orders', 'exec-third', 60)).toMatchObject({ acquired: true });
  });

  it('refuses a lock object that is not a lock record', async () => {
    storageFake.put('brokerlink-state', 'locks/corrupt.json', 'not json');
    await expect(lock().acquire('corrupt', 'exec-1', 60)).rejects.toBeInstanceOf(GcpLockRecordCorrupt);
  });
});

describe('GcsSpecStore and GcpSecretResolver', () => {
  it('stores and loads a spec, and names the object when none is stored', async () => {
    const store = new GcsSpecStore({ bucket });
    await expect(store.load('nothing')).rejects.toBeInstanceOf(GcpSpecNotStored);
    await store.save('orders', 'cluster: orders\n');
    expect(await store.load('orders')).toBe('cluster: orders\n');
    expect(storageFake.read('brokerlink-state', 'specs/orders.yaml')?.contentType).toBe('application/yaml');
  });

  it('resolves gcp-secretmanager references, short and full, and says why one cannot be', async () => {
    secretsFake.addVersion('kafka-password', 'v1');
    secretsFake.addVersion('kafka-password', 'v2');
    const secrets = new GcpSecretResolver({ secretManager: secretClient, project, env: { KAFKA_USER: 'brokerlink' } });
    expect(await secrets.resolve('gcp-secretmanager:kafka-password')).toBe('v2');
    expect(await secrets.resolve(`gcp-secretmanager:projects/${project}/secrets/kafka-password/versions/1`)).toBe('v1');
    expect(await secrets.resolve('env:KAFKA_USER')).toBe('brokerlink');
    await expect(secrets.resolve('gcp-secretmanager:missing')).rejects.toBeInstanceOf(SecretUnavailable);
    await expect(secrets.resolve('aws-ssm:/x')).rejects.toThrow(/not available on Google Cloud/);
  });
});

describe('ComputeBrokerDiscovery', () => {
  it('finds the brokers by labels across zones with node id, nic0 address and zone', async () => {
    const found = await new ComputeBrokerDiscovery({ clients, project }).discoverBrokers(spec());
    expect(found).toEqual([
      {
        id: 1,
        host: '10.64.0.10',
        instanceId: 'us-west1-a/broker-node1',
        az: 'us-west1-a',
        azId: 'us-west1-a',
        state: 'running',
      },
      {
        id: 2,
        host: '10.64.0.11',
        instanceId: 'us-west1-b/broker-node2',
        az: 'us-west1-b',
        azId: 'us-west1-b',
        state: 'running',
      },
      {
        id: 3,
        host: '10.64.0.12',
        instanceId: 'us-west1-c/broker-node3',
        az: 'us-west1-c',
        azId: 'us-west1-c',
        state: 'running',
      },
    ]);
    expect(labelFilter({ a: 'x', b: 'y' })).toBe('labels.a = "x" AND labels.b = "y"');
  });

  it('names instances without a usable node id, and refuses two running claimants of one id', async () => {
    state.addInstance({
      name: 'bad-id',
      zone: 'us-west1-a',
      networkIP: '10.64.0.60',
      labels: { 'brokerlink-cluster': 'dupes', 'kafka-node-id': 'one' },
    });
    const dupes = {
      ...spec(),
      brokers: { ...spec().brokers, discover: { tags: { 'brokerlink-cluster': 'dupes' }, nodeIdTag: 'kafka-node-id' } },
    };
    await expect(new ComputeBrokerDiscovery({ clients, project }).discoverBrokers(dupes)).rejects.toThrow(
      GcpBrokerInstanceInvalid,
    );
    state.instances.delete('bad-id');
    state.addInstance({
      name: 'twin-a',
      zone: 'us-west1-a',
      networkIP: '10.64.0.61',
      labels: { 'brokerlink-cluster': 'dupes', 'kafka-node-id': '7' },
    });
    state.addInstance({
      name: 'twin-b',
      zone: 'us-west1-b',
      networkIP: '10.64.0.62',
      labels: { 'brokerlink-cluster': 'dupes', 'kafka-node-id': '7' },
    });
    await expect(new ComputeBrokerDiscovery({ clients, project }).discoverBrokers(dupes)).rejects.toBeInstanceOf(
      GcpDuplicateBrokerNodeId,
    );
  });
});

describe('MetadataCommandChannel with the real agent', () => {
  const AGENT = fileURLToPath(new URL('./agent/brokerlink-metadata-agent.sh', import.meta.url));
  const WRITER = fileURLToPath(new URL('../../broker-writer/brokerlink-writer.sh', import.meta.url));
  let dir: string;
  let metadata: FakeMetadataServer;
  let agent: ChildProcess;
  let propertiesPath: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'brokerlink-channel-'));
    propertiesPath = join(dir, 'server.properties');
    writeFileSync(propertiesPath, 'node.id=1\n');
    metadata = new FakeMetadataServer(state, 'broker-node1', { host: HOST });
    const url = await metadata.start();
    agent = spawn('timeout', ['120', 'bash', AGENT], {
      detached: true,
      stdio: 'ignore',
      env: {
        ...process.env,
        BROKERLINK_METADATA_URL: url,
        BROKERLINK_WRITER: WRITER,
        BROKERLINK_STATE_DIR: join(dir, 'state'),
        BROKERLINK_WAIT_SECONDS: '5',
      },
    });
  });

  afterEach(async () => {
    if (agent.pid !== undefined && agent.exitCode === null) {
      try {
        process.kill(-agent.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await metadata.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const target = { brokerId: 1, host: '10.64.0.10', instanceId: 'us-west1-a/broker-node1' };

  /** Polls as the workflow does: no faster than the guest-attribute read limit allows (the fake's clock). */
  async function settle(channel: MetadataCommandChannel, handle: Awaited<ReturnType<MetadataCommandChannel['start']>>) {
    for (let i = 0; i < 400; i++) {
      now += 6_100;
      const status = await channel.poll(handle);
      if (status.state !== 'running') return status;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('command never finished');
  }

  it('reads and writes server.properties through metadata and guest attributes, keeping other metadata', async () => {
    const channel = new MetadataCommandChannel({ clients, project });
    const read = await settle(channel, await channel.start(target, { kind: 'read-config', path: propertiesPath }));
    expect(read.state).toBe('succeeded');
    const sha = JSON.parse((read as { stdout: string }).stdout).sha256 as string;
    expect(sha).toBe(createHash('sha256').update('node.id=1\n').digest('hex'));
    const content = Buffer.from('node.id=1\nadvertised.listeners=EXTERNAL://b1.abc.example:9093\n').toString('base64');
    const write = await settle(
      channel,
      await channel.start(target, {
        kind: 'write-config',
        path: propertiesPath,
        expectedSha256: sha,
        contentBase64: content,
        expectedNodeId: 1,
      }),
    );
    expect(write.state).toBe('succeeded');
    expect(readFileSync(propertiesPath, 'utf8')).toContain('advertised.listeners=EXTERNAL://b1.abc.example:9093');
    expect(state.instances.get('broker-node1')!.metadata.items.get('startup-script')).toBe('#!/bin/sh\necho hi');
  });

  it('retries its write when the metadata fingerprint moved under it (412)', async () => {
    const channel = new MetadataCommandChannel({ clients, project });
    const original = clients.instances.get.bind(clients.instances);
    let first = true;
    clients.instances.get = (async (...args: Parameters<typeof original>) => {
      const answer = await original(...args);
      if (first) {
        first = false;
        state.setMetadataItem('broker-node1', 'touched-by-someone', 'yes'); // a person edits metadata meanwhile
      }
      return answer;
    }) as unknown as typeof original;
    const writes = compute.server.count('POST', /\/setMetadata$/);
    try {
      const status = await settle(channel, await channel.start(target, { kind: 'read-config', path: propertiesPath }));
      expect(status.state).toBe('succeeded');
      expect(state.instances.get('broker-node1')!.metadata.items.get('touched-by-someone')).toBe('yes');
      expect(compute.server.count('POST', /\/setMetadata$/) - writes).toBe(2); // refused once (412), then written
    } finally {
      clients.instances.get = original;
    }
  });

  it('reports polling faster than 10 guest-attribute reads a minute as a wait', async () => {
    const channel = new MetadataCommandChannel({ clients, project });
    const handle = await channel.start(target, { kind: 'read-config', path: propertiesPath });
    now += 60_000;
    await expect(
      (async () => {
        for (let i = 0; i < 12; i++) await channel.poll(handle);
      })(),
    ).rejects.toBeInstanceOf(GuestAttributesRateLimited);
  });

  it('refuses a target without a zone/instance id before sending anything', async () => {
    const channel = new MetadataCommandChannel({ clients, project });
    const calls = compute.server.requests.length;
    await expect(
      channel.start({ brokerId: 9, host: '10.0.0.9' }, { kind: 'read-config', path: propertiesPath }),
    ).rejects.toThrow(/zone\/instance/);
    await expect(channel.start(target, { kind: 'read-config', path: '/etc/x;reboot' })).rejects.toThrow(/path/);
    expect(compute.server.requests.length).toBe(calls);
  });
});
