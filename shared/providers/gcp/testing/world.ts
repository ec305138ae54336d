/*
 * Test support: one Google Cloud "project" of fakes — Compute (fake-compute.ts) and Cloud Storage
 * (fake-storage.ts) on loopback HTTP, with the real @google-cloud clients pointed at them — and the brokerlink
 * layout the runbook starts from: the VPC `kafka-vpc` with the brokers' subnetwork and the PSC NAT subnetwork.
 * Instances are added by the test. Everything binds `host` (127.0.2.0/24) on port 0; `close()` stops it all.
 */
import type { Bucket } from '@google-cloud/storage';
import type { ClusterSpec, ClusterSpecInput } from '../../../spec/schema.ts';
import { parseSpec } from '../../../spec/validate.ts';
import { closeGcpClients, createGcpClients, createStorageClient, type GcpClients } from '../clients.ts';
import { FAKE_TOKEN, FakeCompute, type FakeComputeOptions, FakeComputeState } from './fake-compute.ts';
import { FakeStorage } from './fake-storage.ts';

export const FAKE_PROJECT = 'kafka-prod-1';
export const FAKE_REGION = 'us-west1';
export const STATE_BUCKET = 'brokerlink-state';
export const BROKERS_SUBNET = { name: 'brokers-subnet', cidr: '10.64.0.0/18' } as const;
export const PSC_SUBNET = { name: 'psc-subnet', cidr: '10.128.0.0/18' } as const;
export const ZONES = ['us-west1-a', 'us-west1-b', 'us-west1-c'] as const;

export interface FakeGcp {
  state: FakeComputeState;
  compute: FakeCompute;
  storage: FakeStorage;
  clients: GcpClients;
  bucket: Bucket;
  endpoints: { compute: { host: string; port: number }; storage: { host: string; port: number } };
  /** Adds a broker VM in the brokers' subnetwork: `broker-<cluster>-<id>`, labels for discovery, zone by id. */
  addBroker(cluster: string, id: number, options?: { ip?: string; guestAttributes?: boolean }): BrokerVm;
  close(): Promise<void>;
}

export interface BrokerVm {
  name: string;
  zone: string;
  /** `zone/name`, as discovery reports it. */
  instanceId: string;
  ip: string;
}

export async function startFakeGcp(
  options: { host: string; compute?: Omit<FakeComputeOptions, 'project' | 'region'> } = { host: '127.0.2.1' },
): Promise<FakeGcp> {
  const state = new FakeComputeState({ project: FAKE_PROJECT, region: FAKE_REGION, ...options.compute });
  state.addSubnetwork({
    name: BROKERS_SUBNET.name,
    network: 'kafka-vpc',
    ipCidrRange: BROKERS_SUBNET.cidr,
    purpose: 'PRIVATE',
  });
  state.addSubnetwork({
    name: PSC_SUBNET.name,
    network: 'kafka-vpc',
    ipCidrRange: PSC_SUBNET.cidr,
    purpose: 'PRIVATE_SERVICE_CONNECT',
  });
  const compute = new FakeCompute(state, { host: options.host });
  const storage = new FakeStorage({ buckets: [STATE_BUCKET], token: FAKE_TOKEN, host: options.host });
  const computeAddress = await compute.start();
  try {
    await storage.start();
  } catch (error) {
    await compute.stop();
    throw error;
  }
  const storageAddress = { host: options.host, port: storage.server.port };
  const clients = createGcpClients({ endpoint: { ...computeAddress, token: FAKE_TOKEN } });
  const bucket = createStorageClient({
    endpoint: { ...storageAddress, token: FAKE_TOKEN },
    projectId: FAKE_PROJECT,
  }).bucket(STATE_BUCKET);
  const used = new Set<string>();
  return {
    state,
    compute,
    storage,
    clients,
    bucket,
    endpoints: { compute: computeAddress, storage: storageAddress },
    addBroker(cluster, id, brokerOptions = {}) {
      const zone = ZONES[id % ZONES.length]!;
      const name = `broker-${cluster}-${id}`;
      let ip = brokerOptions.ip;
      for (let n = 10 + id; ip === undefined || used.has(ip); n++) ip = `10.64.${Math.floor(n / 250)}.${(n % 250) + 2}`;
      used.add(ip);
      state.addInstance({
        name,
        zone,
        networkIP: ip,
        labels: { 'brokerlink-cluster': cluster, 'kafka-node-id': String(id) },
        tags: ['kafka-broker'],
        metadata: brokerOptions.guestAttributes === false ? {} : { 'enable-guest-attributes': 'TRUE' },
      });
      return { name, zone, instanceId: `${zone}/${name}`, ip };
    },
    async close() {
      await closeGcpClients(clients);
      await Promise.allSettled([compute.stop(), storage.stop()]);
    },
  };
}

/** A GCP spec of the runbook's shape: one EXTERNAL exposure on the broker port 39092, PSC published to one project. */
export function gcpSpecInput(overrides: Partial<ClusterSpecInput> & { cluster?: string } = {}): ClusterSpecInput {
  const cluster = overrides.cluster ?? 'orders';
  return {
    cluster,
    provider: {
      gcp: {
        project: FAKE_PROJECT,
        region: FAKE_REGION,
        network: 'kafka-vpc',
        subnetwork: BROKERS_SUBNET.name,
        privateServiceConnect: {
          natSubnetwork: PSC_SUBNET.name,
          consumerAcceptList: [{ project: 'tidbcloud-prod-000', connectionLimit: 10 }],
        },
        firewallTarget: { networkTag: 'kafka-broker' },
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink-cluster': cluster }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/home/kafka/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.64.0.12:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        brokerPorts: { from: 9093, to: 9110 },
        advertisedListenerPattern: '<broker_id>.abc.us-west1.gcp.example.com:<port>',
      },
    ],
    ...overrides,
  } as ClusterSpecInput;
}

export function gcpSpec(overrides: Partial<ClusterSpecInput> & { cluster?: string } = {}): ClusterSpec {
  return parseSpec(gcpSpecInput(overrides));
}
