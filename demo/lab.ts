/**
 * The local lab: a Kafka cluster, a load balancer and a cluster spec on one machine, for `npm start`, the
 * end-to-end tests (test/e2e/) and the benchmarks (bench/roll-*.ts, bench/demo-*.ts).
 *
 * Real: the local provider's load balancer daemon (TCP on loopback, serving its JSON ledger), the ledger and lock
 * files, the command channel (the real broker-writer run with bash on real server.properties files, and the spec's
 * restart script run as a real program), the provision / drift-check state machines (statemachines/*.asl.yaml,
 * run by cli/execution.ts), Kafka protocol bytes over TCP for every health gate and verification.
 *
 * TEST FAKE, and how it stays faithful:
 * - Brokers are testkit Kafka-protocol test brokers (no JVM Kafka here). They run in this process because they
 *   share one in-memory cluster model (TestCluster: ISRs, controller, fencing); each reads its own real
 *   server.properties at every (re)start.
 * - Each broker plays a host of its own: broker N is "host" 127.0.0.(10+N) with its file system under
 *   `<dir>/hosts/<N>/` (the command channel's `perBrokerRoot`). Like on a VM, a wildcard listener (0.0.0.0) binds
 *   that host's address (the test broker's `hostAddress`).
 * - A restart is the spec's restart script (testkit/kafka/restart-testbroker.sh, copied into the lab dir) asking the broker over a
 *   loopback control port written next to its properties file; the broker stops at once and starts again,
 *   re-reading server.properties, after `restartDelayMs`.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { type ExecuteOptions, execute, type Machine } from '../cli/execution.ts';
import { createKafkaAdmin } from '../shared/kafka/admin.ts';
import type { EventLog } from '../shared/orchestration/local-state-machine.ts';
import { type Notifier, type SpecStore, systemClock } from '../shared/ports.ts';
import { createLocalCommandChannel, perBrokerRoot } from '../shared/providers/local/command-channel.ts';
import { createLocalDiscovery } from '../shared/providers/local/discovery.ts';
import { createLocalLedger } from '../shared/providers/local/ledger.ts';
import { createLocalLoadBalancer } from '../shared/providers/local/load-balancer.ts';
import {
  type LocalLoadBalancerDaemon,
  startLocalLoadBalancer,
} from '../shared/providers/local/load-balancer-daemon.ts';
import { createLocalClusterLock } from '../shared/providers/local/lock.ts';
import { createLocalSecrets } from '../shared/providers/local/secrets.ts';
import { type LocalLbState, readLocalState } from '../shared/providers/local/state-file.ts';
import type { ClusterSpecInput } from '../shared/spec/schema.ts';
import type { StepDeps } from '../shared/steps/deps.ts';
import { startTestBroker, type TestBroker } from '../testkit/kafka/broker.ts';
import { TestCluster } from '../testkit/kafka/cluster.ts';
import { RESTART_SCRIPT_URL, type RestartControl, startRestartControl } from '../testkit/kafka/control.ts';

/** Where server.properties lives on every broker "host" (as the spec names it). */
export const LAB_PROPERTIES_PATH = '/etc/kafka/server.properties';
export const LAB_RESTART_SCRIPT = fileURLToPath(RESTART_SCRIPT_URL);

export interface LabRollout {
  healthyChecks?: number;
  healthTimeoutSeconds?: number;
  canRollTimeoutSeconds?: number;
  portCooldownSeconds?: number;
  batch?: 'none' | 'rack';
}

export interface LabOptions {
  /** Node ids of the initial brokers (KRaft combined broker+controller nodes, the quorum voters). Default 1,2,3. */
  brokerIds?: number[];
  cluster?: string;
  /** How long a restarted broker stays down before it starts again. Default 0. */
  restartDelayMs?: number;
  drift?: 'report' | 'repair';
  rollout?: LabRollout;
  /** Milliseconds every Wait state of the state machines pauses. Default 20. */
  waitMs?: number;
  /** A replicated topic over the initial brokers (the safety gates look at it); false for none. */
  topic?: { name: string; partitions: number; replicationFactor: number; minInsyncReplicas: number } | false;
  /** Number of consumer-side broker ports in the exposure's range. Default 8. */
  brokerPortCount?: number;
  /** `broker.rack` per node id, written into each broker's seed server.properties. */
  racks?: Readonly<Record<number, string>>;
}

export interface LabPorts {
  /** INTERNAL listener port (every host). */
  internal: number;
  /** CONTROLLER listener port (every host). */
  controller: number;
  /** EXTERNAL listener bind port (the exposure's brokerPort, every host). */
  external: number;
  /** Consumer-side bootstrap port on the LB. */
  bootstrap: number;
  /** Consumer-side broker port range on the LB. */
  from: number;
  to: number;
}

export interface LabBroker {
  readonly id: number;
  readonly host: string;
  /** The real server.properties file on this machine. */
  readonly propertiesFile: string;
  broker: TestBroker;
  /** Its restart control port (what the restart script talks to). */
  control: RestartControl;
  /** Restarts requested through the restart script. */
  readonly restarts: number;
  /** Why the last (re)start failed, if it did. */
  lastStartError: string | null;
}

export interface RunOptions {
  waitMs?: number;
  onEvent?: (event: EventLog) => void;
  executionId?: string;
  deps?: StepDeps;
  wrapTask?: ExecuteOptions['wrapTask'];
}

/** Members every lab has, whichever Kafka runs in it (the e2e helpers and the demo use only these). */
export interface LabBase extends Omit<LabCore, 'closeCore'> {
  readonly brokers: Map<number, { readonly id: number; readonly host: string; readonly restarts: number }>;
  /** Starts a broker-only node and adds it to the spec's static broker list (and the Kafka bootstrap list). */
  addBroker(id: number): Promise<unknown>;
  /** Waits until broker `id` is live and in the ISR of every partition it replicates. */
  waitInSync(id: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The lab on Kafka-protocol test brokers (one process, one in-memory cluster model). */
export interface Lab extends LabBase {
  readonly cluster: TestCluster;
  readonly brokers: Map<number, LabBroker>;
  /** Writes a seed-like server.properties (no EXTERNAL listener) unless one exists, and starts the broker. */
  startBroker(id: number, options?: { roles?: 'broker' | 'broker,controller' }): Promise<LabBroker>;
  addBroker(id: number): Promise<LabBroker>;
  /** Removes a broker from the spec and stops it (a decommissioned host). */
  removeBroker(id: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------- ports

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function allBindable(hosts: readonly string[], ports: readonly number[]): Promise<boolean> {
  for (const port of ports) {
    for (const host of hosts) if (!(await canBind(host, port))) return false;
  }
  return true;
}

/**
 * Picks ports below the kernel's ephemeral range (so client sockets do not take them) that are free now, from
 * `[low, low + span)`: test-broker labs take 20000-31999, real-Kafka labs 10000-19999.
 */
export async function pickPorts(
  brokerHosts: readonly string[],
  brokerPortCount: number,
  range: { low: number; span: number } = { low: 20_000, span: 12_000 },
): Promise<LabPorts> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = range.low + Math.floor(Math.random() * (range.span - brokerPortCount - 1));
    const lbPorts = Array.from({ length: brokerPortCount + 1 }, (_, i) => base + i);
    const hostBase = range.low + Math.floor(Math.random() * (range.span - 3));
    const hostPorts = [hostBase, hostBase + 1, hostBase + 2];
    if (hostPorts.some((p) => lbPorts.includes(p))) continue;
    if (!(await allBindable(['127.0.0.1'], lbPorts))) continue;
    if (!(await allBindable(brokerHosts, hostPorts))) continue;
    return {
      internal: hostPorts[0]!,
      controller: hostPorts[1]!,
      external: hostPorts[2]!,
      bootstrap: base,
      from: base + 1,
      to: base + brokerPortCount,
    };
  }
  throw new Error('could not find free loopback ports for the lab');
}

// ---------------------------------------------------------------------------------------------- files

export function labHost(id: number): string {
  if (!Number.isInteger(id) || id < 0 || id > 240) throw new Error(`lab broker ids are 0-240, got ${id}`);
  return `127.0.0.${10 + id}`;
}

/** A server.properties as the seeds' runbooks start from: INTERNAL + CONTROLLER, no EXTERNAL yet. */
export function seedProperties(
  id: number,
  ports: LabPorts,
  voters: readonly number[],
  roles: string,
  rack?: string,
): string {
  const controller = roles.includes('controller');
  return `${[
    `# broker-node${id} server.properties (seed-like: INTERNAL and CONTROLLER listeners only)`,
    `process.roles=${roles}`,
    `node.id=${id}`,
    `controller.quorum.voters=${voters.map((v) => `${v}@${labHost(v)}:${ports.controller}`).join(',')}`,
    controller
      ? `listeners=INTERNAL://0.0.0.0:${ports.internal},CONTROLLER://0.0.0.0:${ports.controller}`
      : `listeners=INTERNAL://0.0.0.0:${ports.internal}`,
    'inter.broker.listener.name=INTERNAL',
    `advertised.listeners=INTERNAL://${labHost(id)}:${ports.internal}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    'log.dirs=./data',
    'num.partitions=3',
    'default.replication.factor=3',
    'min.insync.replicas=2',
    ...(rack !== undefined ? [`broker.rack=${rack}`] : []),
  ].join('\n')}\n`;
}

function runFile(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: 30_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} failed: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}

/**
 * Runtime state a host keeps on its own is not part of what brokerlink changes: a real Kafka node's data and logs
 * (`var/`), its JVM's console output. Left out of `files()`.
 */
const HOST_RUNTIME = /(^|\/)(var|stdout\.log)$/;

async function listFiles(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    const full = join(dir, entry.name);
    if (HOST_RUNTIME.test(rel)) continue;
    if (entry.isDirectory()) Object.assign(out, await listFiles(full, rel));
    else if (entry.isFile()) out[rel] = await readFile(full, 'utf8').catch(() => '<unreadable>');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- the lab

/** What every lab has, whichever Kafka runs in it: files, the LB daemon, the spec, the steps' deps, the runner. */
export interface LabCoreOptions {
  dir: string;
  clusterName: string;
  ports: LabPorts;
  waitMs: number;
  /** Restart scripts copied into `<dir>/bin/` (the first one is the spec's `brokers.restart.script`). */
  restartScripts: readonly string[];
  commandTimeouts?: { config: number; restart: number };
}

export interface LabCore {
  readonly dir: string;
  readonly hostsDir: string;
  readonly stateFile: string;
  readonly specFile: string;
  readonly restartScript: string;
  readonly ports: LabPorts;
  readonly lb: LocalLoadBalancerDaemon;
  readonly driftReports: { cluster: string; drift: number; details: string[] }[];
  hostOf(id: number): string;
  propertiesFile(id: number): string;
  spec(): ClusterSpecInput;
  writeSpec(spec: ClusterSpecInput): Promise<void>;
  writeSpecText(text: string): Promise<void>;
  updateSpec(mutate: (spec: ClusterSpecInput) => void): Promise<void>;
  /** Runs a restart script (default the spec's) for one broker, as config management would. */
  runRestartScript(id: number, script?: string): Promise<string>;
  deps(overrides?: Partial<StepDeps>): StepDeps;
  run(machine: Machine, input?: Record<string, unknown>, options?: RunOptions): Promise<unknown>;
  readState(): Promise<LocalLbState>;
  files(): Promise<Record<string, string>>;
  /** Stops the LB daemon and removes the lab dir. */
  closeCore(): Promise<void>;
}

export async function createLabCore(options: LabCoreOptions): Promise<LabCore> {
  const { dir, clusterName, ports } = options;
  const hostsDir = join(dir, 'hosts');
  const stateFile = join(dir, 'lb-state.json');
  const specFile = join(dir, `${clusterName}.yaml`);
  const binDir = join(dir, 'bin');
  const restartScript = join(binDir, basename(options.restartScripts[0]!));
  const driftReports: LabCore['driftReports'] = [];
  let currentSpec: ClusterSpecInput | undefined;
  const propertiesFile = (id: number) =>
    perBrokerRoot(hostsDir)({ brokerId: id, host: labHost(id) }, LAB_PROPERTIES_PATH);

  await mkdir(binDir, { recursive: true });
  for (const script of options.restartScripts) {
    const copy = join(binDir, basename(script));
    await copyFile(script, copy);
    await chmod(copy, 0o755);
  }
  const lb = await startLocalLoadBalancer({ stateFile, host: '127.0.0.1', pollIntervalMs: 200 });

  const specStore: SpecStore = {
    load: async (name) => {
      if (name !== clusterName) throw new Error(`the lab has no spec for cluster "${name}"`);
      return readFile(specFile, 'utf8');
    },
    save: async () => {
      throw new Error('the lab spec is written by the lab, not by steps');
    },
  };
  const notifier: Notifier = {
    driftFound: async (report) => {
      driftReports.push(structuredClone(report));
    },
  };
  const secrets = createLocalSecrets();

  function deps(overrides: Partial<StepDeps> = {}): StepDeps {
    return {
      discovery: createLocalDiscovery(),
      loadBalancer: createLocalLoadBalancer({ stateFile, host: '127.0.0.1', daemon: lb }),
      ledger: createLocalLedger({ stateFile }),
      commands: createLocalCommandChannel({
        propertiesPath: LAB_PROPERTIES_PATH,
        resolvePath: perBrokerRoot(hostsDir),
        timeouts: options.commandTimeouts ?? { config: 15_000, restart: 30_000 },
      }),
      lock: createLocalClusterLock({ stateFile }),
      secrets,
      specs: specStore,
      notifier,
      clock: systemClock,
      kafka: (spec) => createKafkaAdmin(spec, secrets),
      ...overrides,
    };
  }

  async function writeSpec(spec: ClusterSpecInput): Promise<void> {
    currentSpec = structuredClone(spec);
    await writeFile(specFile, stringify(spec));
  }

  const core: LabCore = {
    dir,
    hostsDir,
    stateFile,
    specFile,
    restartScript,
    ports,
    lb,
    driftReports,
    hostOf: labHost,
    propertiesFile,
    spec: () => structuredClone(currentSpec!),
    writeSpec,
    writeSpecText: (text) => writeFile(specFile, text),
    async updateSpec(mutate) {
      const next = structuredClone(currentSpec!);
      mutate(next);
      await writeSpec(next);
    },
    runRestartScript: (id, script) =>
      runFile(script ? join(binDir, basename(script)) : restartScript, [propertiesFile(id)]),
    deps,
    run(machine, input, runOptions = {}) {
      return execute(
        machine,
        input ?? (machine === 'provision' ? { cluster: clusterName, mode: 'apply' } : { cluster: clusterName }),
        {
          deps: runOptions.deps ?? deps(),
          waitMs: runOptions.waitMs ?? options.waitMs,
          ...(runOptions.onEvent ? { onEvent: runOptions.onEvent } : {}),
          ...(runOptions.executionId ? { executionId: runOptions.executionId } : {}),
          ...(runOptions.wrapTask ? { wrapTask: runOptions.wrapTask } : {}),
        },
      );
    },
    readState: () => readLocalState(stateFile),
    files: () => listFiles(dir),
    async closeCore() {
      await lb.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return core;
}

/** The spec every lab starts from: static brokers, the restart script, one EXTERNAL exposure on the local LB. */
export function labSpec(options: {
  clusterName: string;
  stateFile: string;
  restartScript: string;
  ids: readonly number[];
  ports: LabPorts;
  drift: 'report' | 'repair';
  rollout?: LabRollout;
  requestTimeoutMs: number;
  pattern?: string;
}): ClusterSpecInput {
  const { ports, ids } = options;
  return {
    cluster: options.clusterName,
    provider: { local: { host: '127.0.0.1', stateFile: options.stateFile } },
    brokers: {
      static: ids.map((id) => ({ id, host: labHost(id) })),
      propertiesPath: LAB_PROPERTIES_PATH,
      restart: { script: options.restartScript },
    },
    kafka: {
      bootstrap: ids.map((id) => `${labHost(id)}:${ports.internal}`),
      requestTimeoutMs: options.requestTimeoutMs,
    },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: ports.external,
        bootstrapPort: ports.bootstrap,
        brokerPorts: { from: ports.from, to: ports.to },
        advertisedListenerPattern: options.pattern ?? '<broker_id>.kafka.demo.internal:<port>',
      },
    ],
    drift: { action: options.drift },
    rollout: {
      healthyChecks: options.rollout?.healthyChecks ?? 2,
      healthTimeoutSeconds: options.rollout?.healthTimeoutSeconds ?? 20,
      canRollTimeoutSeconds: options.rollout?.canRollTimeoutSeconds ?? 10,
      portCooldownSeconds: options.rollout?.portCooldownSeconds ?? 3600,
      ...(options.rollout?.batch !== undefined ? { batch: options.rollout.batch } : {}),
    },
  };
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const initialIds = options.brokerIds ?? [1, 2, 3];
  const clusterName = options.cluster ?? 'demo';
  const restartDelayMs = options.restartDelayMs ?? 0;
  const dir = await mkdtemp(join(tmpdir(), 'brokerlink-lab-'));
  const cluster = new TestCluster();
  const brokers = new Map<number, LabBroker>();
  let closed = false;
  let core: LabCore | undefined;

  const ports = await pickPorts(
    Array.from({ length: 9 }, (_, i) => labHost(i + 1)),
    options.brokerPortCount ?? 8,
  );
  const propertiesFile = (id: number) =>
    perBrokerRoot(join(dir, 'hosts'))({ brokerId: id, host: labHost(id) }, LAB_PROPERTIES_PATH);

  async function startInstance(lab: LabBroker): Promise<void> {
    try {
      await lab.broker.start();
      lab.lastStartError = null;
    } catch (error) {
      lab.lastStartError = (error as Error).message;
    }
  }

  async function startBroker(
    id: number,
    startOptions: { roles?: 'broker' | 'broker,controller' } = {},
  ): Promise<LabBroker> {
    if (brokers.has(id)) throw new Error(`lab broker ${id} already exists`);
    const file = propertiesFile(id);
    await mkdir(dirname(file), { recursive: true });
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    if (!exists) {
      const roles = startOptions.roles ?? (initialIds.includes(id) ? 'broker,controller' : 'broker');
      await writeFile(file, seedProperties(id, ports, initialIds, roles, options.racks?.[id]));
    }
    const broker = await startTestBroker({ propertiesPath: file, cluster, hostAddress: labHost(id) });
    const control = await startRestartControl({
      broker,
      propertiesPath: file,
      restartDelayMs,
      start: () => startInstance(lab),
    });
    const lab: LabBroker = {
      id,
      host: labHost(id),
      propertiesFile: file,
      broker,
      control,
      get restarts() {
        return control.restarts;
      },
      lastStartError: null,
    };
    brokers.set(id, lab);
    return lab;
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    for (const b of brokers.values()) {
      await b.control.close().catch(() => undefined);
      await b.broker.close().catch(() => undefined);
    }
    cluster.close();
    if (core) await core.closeCore();
    else await rm(dir, { recursive: true, force: true });
  }

  try {
    core = await createLabCore({
      dir,
      clusterName,
      ports,
      waitMs: options.waitMs ?? 20,
      restartScripts: [LAB_RESTART_SCRIPT],
    });
    const c = core;
    const lab: Lab = {
      ...c,
      cluster,
      brokers,
      startBroker,
      async addBroker(id) {
        const added = await startBroker(id, { roles: 'broker' });
        await c.updateSpec((spec) => {
          spec.brokers.static = [...(spec.brokers.static ?? []), { id, host: labHost(id) }];
          spec.kafka.bootstrap = [...spec.kafka.bootstrap, `${labHost(id)}:${ports.internal}`];
        });
        return added;
      },
      async removeBroker(id) {
        await c.updateSpec((spec) => {
          spec.brokers.static = (spec.brokers.static ?? []).filter((b) => b.id !== id);
          spec.kafka.bootstrap = spec.kafka.bootstrap.filter((hp) => hp !== `${labHost(id)}:${ports.internal}`);
        });
        const gone = brokers.get(id);
        if (gone) {
          await gone.control.close();
          await gone.broker.close();
          brokers.delete(id);
        }
      },
      async waitInSync(id, timeoutMs = 10_000) {
        await cluster.waitFor((tc) => tc.inAllIsrs(id), { timeoutMs, what: `broker ${id} back in sync` });
      },
      close,
    };
    for (const id of initialIds) await startBroker(id, { roles: 'broker,controller' });
    const topic =
      options.topic === undefined
        ? { name: 'orders', partitions: 6, replicationFactor: Math.min(3, initialIds.length), minInsyncReplicas: 2 }
        : options.topic;
    if (topic !== false) {
      cluster.createTopic(topic.name, topic.partitions, {
        replicationFactor: topic.replicationFactor,
        minInsyncReplicas: Math.min(topic.minInsyncReplicas, topic.replicationFactor),
      });
    }
    await c.writeSpec(
      labSpec({
        clusterName,
        stateFile: c.stateFile,
        restartScript: c.restartScript,
        ids: initialIds,
        ports,
        drift: options.drift ?? 'repair',
        ...(options.rollout ? { rollout: options.rollout } : {}),
        requestTimeoutMs: 2_000,
      }),
    );
    return lab;
  } catch (error) {
    await close();
    throw error;
  }
}
