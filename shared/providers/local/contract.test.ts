/*
 * The local provider's adapters against the port contract suites (shared/providers/testing/contract/). The load
 * balancer runs three ways: the state file alone (a change is done when written), with an in-process daemon (done
 * once it serves it), and with a daemon it only sees through `<stateFile>.served.json` (a change is an operation the
 * suite polls until the daemon serves it). The job fake runs the same suites with every change an asynchronous job,
 * the shape of Alibaba NLB jobs and Compute operations.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import type { PlanTarget } from '../../model/plan.ts';
import type { ClusterSpecInput } from '../../spec/schema.ts';
import { parseSpec } from '../../spec/validate.ts';
import {
  describeBrokerDiscoveryContract,
  describeClusterLockContract,
  describeCommandChannelContract,
  describeLoadBalancerContract,
  describePortLedgerContract,
  describeSpecStoreContract,
  type PortLedgerSubject,
} from '../testing/contract/index.ts';
import { createJobLoadBalancer } from '../testing/job-load-balancer.ts';
import { createLocalCommandChannel, perBrokerRoot } from './command-channel.ts';
import { createLocalDiscovery } from './discovery.ts';
import { createLocalLedger } from './ledger.ts';
import { createLocalLoadBalancer } from './load-balancer.ts';
import { type LocalLoadBalancerDaemon, startLocalLoadBalancer } from './load-balancer-daemon.ts';
import { createLocalClusterLock } from './lock.ts';
import { createFileSpecStore } from './spec-store.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bl-local-contract-'));
  dirs.push(dir);
  return dir;
}

/** The daemon listens on a loopback address no other test uses, so the ports it binds collide with nobody's. */
const DAEMON_HOST = `127.0.5.${1 + Math.floor(Math.random() * 250)}`;

function specFor(stateFile: string, cluster = 'orders') {
  return parseSpec({
    cluster,
    provider: { local: { host: DAEMON_HOST, stateFile } },
    brokers: {
      static: [
        { id: 1, host: '127.0.0.21' },
        { id: 2, host: '127.0.0.22' },
      ],
      propertiesPath: '/etc/kafka/server.properties',
      restart: { script: '/opt/kafka/restart.sh' },
    },
    kafka: { bootstrap: ['127.0.0.21:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        bootstrapPort: 19092,
        brokerPorts: { from: 19093, to: 19110 },
        advertisedListenerPattern: '<broker_id>.kafka.local.test:<port>',
      },
    ],
  } satisfies ClusterSpecInput);
}

const target = (brokerId: number): PlanTarget => ({ brokerId, host: `127.0.0.${20 + brokerId}`, port: 39092 });
const TARGETS = [target(1), target(2)] as const;

type Serving = 'file only' | 'in-process daemon' | 'daemon seen through its served file';

async function localSubject(serving: Serving): Promise<PortLedgerSubject> {
  const dir = await tempDir();
  const stateFile = join(dir, 'lb.json');
  const otherFile = join(dir, 'payments-lb.json');
  let daemon: LocalLoadBalancerDaemon | undefined;
  if (serving !== 'file only') {
    daemon = await startLocalLoadBalancer({ stateFile, host: DAEMON_HOST, pollIntervalMs: 20, debounceMs: 5 });
  }
  const loadBalancer = createLocalLoadBalancer({
    stateFile,
    ...(serving === 'in-process daemon' ? { daemon: daemon! } : {}),
    ...(serving === 'daemon seen through its served file' ? { waitForServedMs: 10_000 } : {}),
  });
  return {
    spec: specFor(stateFile),
    loadBalancer,
    ledger: createLocalLedger({ stateFile }),
    targets: TARGETS,
    otherCluster: {
      spec: specFor(otherFile, 'payments'),
      loadBalancer: createLocalLoadBalancer({ stateFile: otherFile }),
      ledger: createLocalLedger({ stateFile: otherFile }),
      target: target(1),
    },
    close: async () => {
      await daemon?.close();
    },
  };
}

for (const serving of ['file only', 'in-process daemon', 'daemon seen through its served file'] as const) {
  describeLoadBalancerContract(`local (${serving})`, 'local', () => localSubject(serving));
  describePortLedgerContract(`local state file (${serving})`, 'local', () => localSubject(serving));
}

async function jobSubject(): Promise<PortLedgerSubject> {
  const jobs = createJobLoadBalancer({ pollsPerJob: 2 });
  const other = createJobLoadBalancer({ pollsPerJob: 0 });
  return {
    spec: specFor('/unused/lb.json'),
    loadBalancer: jobs,
    ledger: jobs.ledger,
    targets: TARGETS,
    between: async () => {},
    otherCluster: {
      spec: specFor('/unused/payments.json', 'payments'),
      loadBalancer: other,
      ledger: other.ledger,
      target: target(1),
    },
  };
}
describeLoadBalancerContract('job fake (every change an asynchronous job)', 'local', jobSubject);
describePortLedgerContract('job fake (every change an asynchronous job)', 'local', jobSubject);

describeCommandChannelContract('local (the writer script on this machine, one root per broker)', async () => {
  const hostsDir = await tempDir();
  const propertiesPath = '/etc/kafka/server.properties';
  const onHost = join(hostsDir, '1', propertiesPath);
  await mkdir(dirname(onHost), { recursive: true });
  const script = join(hostsDir, 'restart.sh');
  await writeFile(script, '#!/bin/sh\n[ -f "$1" ] || exit 9\n');
  await chmod(script, 0o755);
  return {
    channel: createLocalCommandChannel({ propertiesPath, resolvePath: perBrokerRoot(hostsDir) }),
    target: { brokerId: 1, host: '127.0.0.21', instanceId: '127.0.0.21' },
    path: propertiesPath,
    readFile: () => readFile(onHost, 'utf8'),
    writeFile: (text) => writeFile(onHost, text),
    restart: { script },
  };
});

describeClusterLockContract('local (lock file next to the state file)', async () => {
  const dir = await tempDir();
  let now = Date.parse('2026-05-01T12:00:00.000Z');
  return {
    lock: createLocalClusterLock({ stateFile: join(dir, 'lb.json'), clock: { now: () => new Date(now) } }),
    advance: (seconds) => {
      now += seconds * 1000;
    },
  };
});

describeSpecStoreContract('local (a directory of spec files)', async () => ({
  specs: createFileSpecStore(join(await tempDir(), 'specs')),
}));

describeBrokerDiscoveryContract('local (the spec’s static list)', async () => {
  const spec = specFor('/unused/lb.json');
  return {
    discovery: createLocalDiscovery(),
    spec,
    expected: spec.brokers.static!.map(({ id, host }) => ({ id, host })),
  };
});
