/*
 * The Google Cloud adapters against the port contract suites (shared/providers/testing/contract/), through the real
 * @google-cloud clients (compute v7 over REST, storage) talking HTTP to the stateful fakes of Compute and Cloud
 * Storage. The command channel runs the real metadata agent (bash) against the fake metadata server, which runs
 * the real brokerlink-writer.sh on a real file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { PlanTarget } from '../../model/plan.ts';
import {
  describeBrokerDiscoveryContract,
  describeClusterLockContract,
  describeCommandChannelContract,
  describeLoadBalancerContract,
  describePortLedgerContract,
  describeSpecStoreContract,
  type PortLedgerSubject,
} from '../testing/contract/index.ts';
import { ComputeBrokerDiscovery } from './discovery.ts';
import { GcsPortLedger } from './ledger.ts';
import { GcpLoadBalancer } from './load-balancer.ts';
import { GcsClusterLock } from './lock.ts';
import { MetadataCommandChannel } from './metadata-command-channel.ts';
import { GcsSpecStore } from './spec-store.ts';
import { FakeMetadataServer } from './testing/fake-metadata-server.ts';
import { type BrokerVm, FAKE_PROJECT, type FakeGcp, gcpSpec, startFakeGcp } from './testing/world.ts';

const HOST = '127.0.2.60';
const AGENT = fileURLToPath(new URL('./agent/brokerlink-metadata-agent.sh', import.meta.url));
const WRITER = fileURLToPath(new URL('../../broker-writer/brokerlink-writer.sh', import.meta.url));

const target = (vm: BrokerVm, brokerId: number): PlanTarget => ({
  brokerId,
  instanceId: vm.instanceId,
  host: vm.ip,
  port: 39092,
});

/** The LB and its ledger over one fake project; a second cluster ("payments") with a NEG of its own beside it. */
async function pscSubject(): Promise<PortLedgerSubject> {
  const gcp = await startFakeGcp({ host: HOST });
  const adapters = () => {
    const ledger = new GcsPortLedger({ bucket: gcp.bucket });
    return { ledger, loadBalancer: new GcpLoadBalancer({ clients: gcp.clients, ledger }) };
  };
  const ours = [gcp.addBroker('orders', 1), gcp.addBroker('orders', 2)];
  const theirs = gcp.addBroker('payments', 7);
  // consumerAddress on a world where nothing exists yet: the address of a PSC endpoint the verifier reaches.
  const psc = { natSubnetwork: 'psc-subnet', verifyAddress: '10.200.0.5' };
  return {
    spec: gcpSpec({ provider: { gcp: { ...gcpSpec().provider.gcp!, privateServiceConnect: { ...psc } } } }),
    ...adapters(),
    targets: [target(ours[0]!, 1), target(ours[1]!, 2)],
    // Compute operations finish after a few reads of them: polling is what moves them here, no pause needed.
    between: async () => {},
    otherCluster: {
      spec: gcpSpec({
        cluster: 'payments',
        provider: { gcp: { ...gcpSpec().provider.gcp!, privateServiceConnect: { ...psc } } },
      }),
      ...adapters(),
      target: target(theirs, 7),
    },
    close: () => gcp.close(),
  };
}

describeLoadBalancerContract('gcp PSC port-mapping NEG (fake Compute)', 'gcp', pscSubject);
describePortLedgerContract('gcp ledger object in Cloud Storage (fake Storage)', 'gcp', pscSubject);

describeCommandChannelContract('gcp instance metadata + guest attributes (the real agent on bash)', async () => {
  let now = Date.parse('2026-06-01T10:00:00Z');
  const gcp: FakeGcp = await startFakeGcp({ host: HOST, compute: { now: () => now } });
  const vm = gcp.addBroker('orders', 1);
  const dir = await mkdtemp(join(tmpdir(), 'bl-gcp-contract-'));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'systemctl'), '#!/bin/sh\n[ "$1" = restart ] && [ "$2" = -- ] || exit 9\n', {
    mode: 0o755,
  });
  const path = join(dir, 'config', 'server.properties');
  await mkdir(join(dir, 'config'));
  const metadata = new FakeMetadataServer(gcp.state, vm.name, { host: HOST });
  let agent: ChildProcess | undefined;
  try {
    const url = await metadata.start();
    agent = spawn('timeout', ['120', 'bash', AGENT], {
      detached: true,
      stdio: 'ignore',
      env: {
        ...process.env,
        PATH: `${bin}:${process.env['PATH']}`,
        BROKERLINK_METADATA_URL: url,
        BROKERLINK_WRITER: WRITER,
        BROKERLINK_STATE_DIR: join(dir, 'state'),
        BROKERLINK_WAIT_SECONDS: '5',
      },
    });
  } catch (error) {
    await metadata.stop();
    await gcp.close();
    throw error;
  }
  return {
    channel: new MetadataCommandChannel({ clients: gcp.clients, project: FAKE_PROJECT }),
    target: { brokerId: 1, host: vm.ip, instanceId: vm.instanceId },
    path,
    readFile: () => readFile(path, 'utf8'),
    writeFile: (text) => writeFile(path, text),
    restart: { systemdUnit: 'kafka.service' },
    // The workflow sleeps ≥ 6 s between polls (10 guest-attribute reads a minute per VM); the agent runs meanwhile.
    between: async () => {
      now += 6_100;
      await sleep(25);
    },
    close: async () => {
      if (agent?.pid !== undefined && agent.exitCode === null) {
        try {
          process.kill(-agent.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await metadata.stop();
      await gcp.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describeClusterLockContract('gcp lock object in Cloud Storage (fake Storage)', async () => {
  const gcp = await startFakeGcp({ host: HOST });
  let now = Date.parse('2026-06-01T10:00:00Z');
  return {
    lock: new GcsClusterLock({ bucket: gcp.bucket, clock: { now: () => new Date(now) } }),
    advance: (seconds) => {
      now += seconds * 1000;
    },
    close: () => gcp.close(),
  };
});

describeSpecStoreContract('gcp spec object in Cloud Storage (fake Storage)', async () => {
  const gcp = await startFakeGcp({ host: HOST });
  return { specs: new GcsSpecStore({ bucket: gcp.bucket }), close: () => gcp.close() };
});

describeBrokerDiscoveryContract('gcp instance labels (fake Compute aggregatedList)', async () => {
  const gcp = await startFakeGcp({ host: HOST });
  const ours = [1, 2, 3].map((id) => gcp.addBroker('orders', id));
  gcp.addBroker('payments', 8);
  gcp.addBroker('payments', 9);
  return {
    discovery: new ComputeBrokerDiscovery({ clients: gcp.clients, project: FAKE_PROJECT }),
    spec: gcpSpec(),
    expected: ours.map((vm, index) => ({ id: index + 1, host: vm.ip })),
    close: () => gcp.close(),
  };
});
