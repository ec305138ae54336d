/**
 * Real Apache Kafka for the test bed: a KRaft cluster of real JVMs on loopback, each node playing a host of its own
 * (node N is 127.0.0.(10+N) by default, its "file system" under `<dir>/<N>/`, as the local command channel's
 * `perBrokerRoot` lays it out). Storage is formatted with Kafka's own StorageTool; each node starts from a
 * seed-like server.properties (INTERNAL + CONTROLLER, no EXTERNAL) through a generated `kafka-start.sh` next to it,
 * which is also what the restart scripts (restart-kafka.sh, kill-restart-kafka.sh) run to start it again.
 *
 * Teardown never depends on the test being polite: every JVM runs in a process group of its own (setsid) with a
 * watchdog that kills it when the owning Node process is gone; `close()` kills every group, and a last-resort
 * `exit` hook does the same synchronously.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerlinkError } from '../../shared/errors.ts';
import { createProbe } from '../../shared/kafka/probe/probe.ts';
import type { ClusterSnapshot } from '../../shared/kafka/snapshot.ts';
import { type ApacheKafkaInstall, apacheKafkaInstall, apacheKafkaInstalled } from './install.ts';

const run = promisify(execFile);

/** JVM options per node, sized for a 2-core machine shared by several clusters (see ../shared/FIELD-NOTES.md). */
export const NODE_JVM_OPTIONS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:-UsePerfData',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
  // AF_INET sockets, so the bind-host shim sees (and maps) the wildcard binds.
  '-Djava.net.preferIPv4Stack=true',
];

/** Broker settings that keep a 4-node cluster small on this machine; none of them changes a gate's behaviour. */
export const SMALL_MACHINE_PROPERTIES: Readonly<Record<string, string>> = {
  'num.network.threads': '2',
  'num.io.threads': '2',
  'num.recovery.threads.per.data.dir': '1',
  'num.replica.fetchers': '1',
  'background.threads': '2',
  'log.cleaner.threads': '1',
  // The default 128 MiB dedupe buffer is allocated on the heap.
  'log.cleaner.dedupe.buffer.size': '16777216',
  'group.initial.rebalance.delay.ms': '0',
  'offsets.topic.replication.factor': '3',
  'offsets.topic.num.partitions': '3',
  'transaction.state.log.replication.factor': '3',
  'transaction.state.log.min.isr': '2',
  'transaction.state.log.num.partitions': '3',
};

export interface ApacheNodeSpec {
  id: number;
  /**
   * 'broker,controller' for quorum voters in combined mode, 'controller' for a dedicated voter (no broker
   * listener: it never appears in Metadata), 'broker' for broker-only nodes.
   */
  roles: 'broker,controller' | 'controller' | 'broker';
  /** `broker.rack` of a broker-role node (Kafka's rack-aware replica placement, brokerlink's rack batches). */
  rack?: string;
}

/** Whether the node serves the INTERNAL (broker) listener. */
export function hasBrokerRole(spec: Pick<ApacheNodeSpec, 'roles'>): boolean {
  return spec.roles.includes('broker');
}

export interface ApacheClusterOptions {
  /** Root of the hosts' file systems: node N's server.properties is `<dir>/<N>/etc/kafka/server.properties`. */
  dir: string;
  nodes: readonly ApacheNodeSpec[];
  /** Host address of node N; default 127.0.0.(10+N). */
  hostOf?: (id: number) => string;
  /** INTERNAL and CONTROLLER listener ports, the same on every host (as on VMs). Default: free ports picked. */
  ports?: { internal: number; controller: number };
  /** Extra server.properties entries for every node (e.g. an authorizer), appended after the seed entries. */
  extraProperties?: Readonly<Record<string, string>>;
  /** Extra JVM options (e.g. -Djava.security.auth.login.config=...). */
  jvmOptions?: readonly string[];
  /** How long a start may take until the node is registered and unfenced. Default 90 s. */
  startTimeoutMs?: number;
  /**
   * When INTERNAL is SASL_PLAINTEXT (an authorizer test): the super user the launcher's own probes and Kafka's
   * tools (`--command-config`) authenticate as, with PLAIN.
   */
  adminSasl?: { username: string; password: string };
}

export interface ApacheNode {
  readonly id: number;
  readonly host: string;
  readonly roles: ApacheNodeSpec['roles'];
  readonly propertiesFile: string;
  readonly startScript: string;
  readonly logFile: string;
  /** Holds the id of the JVM's process group (its watchdog shell leads it). */
  readonly groupFile: string;
  /** JVM pid from the pid file, or null when none is running. */
  pid(): number | null;
  running(): boolean;
  /** How many times the JVM was started (the first start included). */
  starts(): number;
  /** When each start began (epoch milliseconds, from the start script's starts.log), oldest first. */
  startTimes(): number[];
}

/** The real-Kafka test cluster could not do what was asked (format, start, stop, a tool run, a wait). */
export class ApacheClusterError extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ApacheClusterError';
}

/** A node's JVM exited while the launcher waited for it: waiting longer cannot help. */
export class ApacheNodeExited extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ApacheNodeExited';
}

const liveClusters = new Set<ApacheKafkaCluster>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort (a test that never reached afterAll, an uncaught error): no JVM outlives this process. Group ids
  // are read now, so JVMs started again by the restart scripts are found too.
  process.on('exit', () => {
    for (const cluster of liveClusters) cluster.killAllNow();
  });
}

function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // already gone
  }
}

function readInt(file: string): number | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^[1-9]\d*$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

function alive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Two ports below the ephemeral range (client sockets never take them) that every host can bind now. */
export async function pickHostPorts(hosts: readonly string[], count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * 9_900);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    let free = true;
    for (const port of ports) for (const host of hosts) free &&= await canBind(host, port);
    if (free) return ports;
  }
  throw new ApacheClusterError('could not find free loopback ports for the Kafka cluster');
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (Kafka's Uuid.toString). */
export function randomClusterId(): string {
  return randomBytes(16).toString('base64url');
}

export class ApacheKafkaCluster {
  readonly dir: string;
  readonly clusterId = randomClusterId();
  readonly install: ApacheKafkaInstall;
  readonly nodes = new Map<number, ApacheNode>();
  ports!: { internal: number; controller: number };
  readonly #options: ApacheClusterOptions;
  readonly #hostOf: (id: number) => string;
  #voters: ApacheNodeSpec[] = [];
  #closed = false;

  constructor(options: ApacheClusterOptions) {
    if (!apacheKafkaInstalled()) {
      throw new ApacheClusterError(
        'Apache Kafka is not in the cache: run `node tools/deps/fetch.ts` (npm test does it first)',
      );
    }
    this.#options = options;
    this.dir = options.dir;
    this.install = apacheKafkaInstall();
    this.#hostOf = options.hostOf ?? ((id) => `127.0.0.${10 + id}`);
    installExitHook();
    liveClusters.add(this);
  }

  hostOf(id: number): string {
    return this.#hostOf(id);
  }

  /** Formats and starts every node of the options (voters together: the quorum needs a majority to elect). */
  async start(): Promise<void> {
    const hosts = this.#options.nodes.map((n) => this.#hostOf(n.id));
    const [internal, controller] = this.#options.ports
      ? [this.#options.ports.internal, this.#options.ports.controller]
      : await pickHostPorts(hosts, 2);
    this.ports = { internal: internal!, controller: controller! };
    this.#voters = this.#options.nodes.filter((n) => n.roles.includes('controller'));
    if (this.#voters.length === 0) throw new ApacheClusterError('a KRaft cluster needs at least one controller node');
    await Promise.all(this.#options.nodes.map((n) => this.#prepare(n)));
    await Promise.all(this.#options.nodes.map((n) => this.startNode(n.id)));
    // A dedicated controller has no broker listener to ask; the brokers registering shows it serves.
    await Promise.all(this.#options.nodes.filter(hasBrokerRole).map((n) => this.waitRegistered(n.id)));
  }

  /** Formats and starts one more node (broker-only by default) with a seed-like server.properties. */
  async addNode(spec: ApacheNodeSpec): Promise<ApacheNode> {
    if (this.nodes.has(spec.id)) throw new ApacheClusterError(`node ${spec.id} exists already`);
    const node = await this.#prepare(spec);
    await this.startNode(spec.id);
    await this.waitRegistered(spec.id);
    return node;
  }

  node(id: number): ApacheNode {
    const node = this.nodes.get(id);
    if (!node) throw new ApacheClusterError(`no node ${id} in this cluster`);
    return node;
  }

  /** The seed-like server.properties of a node: INTERNAL + CONTROLLER only, as the runbooks start from. */
  seedProperties(spec: ApacheNodeSpec): string {
    const host = this.#hostOf(spec.id);
    const { internal, controller } = this.ports;
    const voters = this.#voters.map((v) => `${v.id}@${this.#hostOf(v.id)}:${controller}`).join(',');
    const isController = spec.roles.includes('controller');
    const isBroker = hasBrokerRole(spec);
    const lines = [
      `# broker-node${spec.id} server.properties (seed-like: INTERNAL and CONTROLLER listeners only)`,
      `process.roles=${spec.roles}`,
      `node.id=${spec.id}`,
      `controller.quorum.voters=${voters}`,
      // The controller listener binds its host address explicitly (KAFKA-18281); INTERNAL binds the wildcard, as
      // the runbooks write it (the bind-host shim makes that this node's host address).
      !isBroker
        ? `listeners=CONTROLLER://${host}:${controller}`
        : isController
          ? `listeners=INTERNAL://0.0.0.0:${internal},CONTROLLER://${host}:${controller}`
          : `listeners=INTERNAL://0.0.0.0:${internal}`,
      ...(isBroker
        ? ['inter.broker.listener.name=INTERNAL', `advertised.listeners=INTERNAL://${host}:${internal}`]
        : []),
      ...(isBroker && spec.rack !== undefined ? [`broker.rack=${spec.rack}`] : []),
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
      `log.dirs=${join(this.dir, String(spec.id), 'var', 'lib', 'kafka')}`,
      'num.partitions=3',
      'default.replication.factor=3',
      'min.insync.replicas=2',
      '',
      '# test bed sizing (2 shared cores)',
      ...Object.entries(SMALL_MACHINE_PROPERTIES).map(([k, v]) => `${k}=${v}`),
      ...Object.entries(this.#options.extraProperties ?? {}).map(([k, v]) => `${k}=${v}`),
    ];
    return `${lines.join('\n')}\n`;
  }

  async #prepare(spec: ApacheNodeSpec): Promise<ApacheNode> {
    const host = this.#hostOf(spec.id);
    const etc = join(this.dir, String(spec.id), 'etc', 'kafka');
    const logs = join(this.dir, String(spec.id), 'var', 'log', 'kafka');
    await mkdir(etc, { recursive: true });
    await mkdir(logs, { recursive: true });
    const propertiesFile = join(etc, 'server.properties');
    const startScript = join(etc, 'kafka-start.sh');
    const pidFile = join(etc, 'kafka.pid');
    const groupFile = join(etc, 'kafka.pgid');
    const startsFile = join(etc, 'starts.log');
    const logFile = join(logs, 'server.log');
    await writeFile(propertiesFile, this.seedProperties(spec));
    await writeFile(join(etc, 'log4j2.properties'), log4jProperties(logFile));
    await writeFile(join(etc, 'owner.pid'), `${process.pid}\n`);
    await writeFile(startScript, this.#startScript(host, etc));
    await chmod(startScript, 0o755);
    await this.#format(propertiesFile, etc);
    const node: ApacheNode = {
      id: spec.id,
      host,
      roles: spec.roles,
      propertiesFile,
      startScript,
      logFile,
      groupFile,
      pid: () => {
        const pid = readInt(pidFile);
        return alive(pid) ? pid : null;
      },
      running: () => alive(readInt(pidFile)),
      starts: () => node.startTimes().length,
      startTimes: () => {
        try {
          return readFileSync(startsFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => Math.round(Number(line) * 1000));
        } catch {
          return [];
        }
      },
    };
    this.nodes.set(spec.id, node);
    return node;
  }

  /** The node's start script: what the restart scripts run, and what this launcher runs for the first start. */
  #startScript(host: string, etc: string): string {
    const java = [
      'java',
      ...NODE_JVM_OPTIONS,
      ...(this.#options.jvmOptions ?? []),
      `-Dlog4j2.configurationFile=${join(etc, 'log4j2.properties')}`,
      '-cp',
      `${this.install.libs}/*`,
      'kafka.Kafka',
      join(etc, 'server.properties'),
    ];
    const quoted = java.map(shellQuote).join(' ');
    return `#!/usr/bin/env bash
# Generated by testkit/apache-kafka/cluster.ts: starts this host's Kafka node in the background (like systemd).
# The JVM gets a process group of its own (setsid) led by a watchdog shell that kills it once the test run owning
# the cluster (owner.pid) is gone, so no JVM outlives its test run.
set -euo pipefail
etc=${shellQuote(etc)}
if [[ "\${1:-}" == --run ]]; then
  echo $$ > "$etc/kafka.pgid"
  owner="$(cat "$etc/owner.pid")"
  BROKERLINK_HOST_ADDRESS=${shellQuote(host)} LD_PRELOAD=${shellQuote(this.install.bindShim)} \\
    ${quoted} >> "$etc/stdout.log" 2>&1 < /dev/null &
  jvm=$!
  echo "$jvm" > "$etc/kafka.pid"
  while kill -0 "$owner" 2>/dev/null && kill -0 "$jvm" 2>/dev/null; do sleep 1; done
  kill -KILL "$jvm" 2>/dev/null || true
  exit 0
fi
date +%s.%N >> "$etc/starts.log"
rm -f "$etc/kafka.pid"
setsid "$0" --run < /dev/null > /dev/null 2>&1 &
for _ in $(seq 1 100); do
  [[ -s "$etc/kafka.pid" ]] && exit 0
  sleep 0.05
done
echo "the Kafka JVM did not start" >&2
exit 1
`;
  }

  async #format(propertiesFile: string, etc: string): Promise<void> {
    try {
      await run(
        'java',
        [
          ...NODE_JVM_OPTIONS,
          `-Dlog4j2.configurationFile=${join(etc, 'log4j2.properties')}`,
          '-cp',
          `${this.install.libs}/*`,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          this.clusterId,
          '-c',
          propertiesFile,
        ],
        { timeout: 120_000 },
      );
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new ApacheClusterError(
        `formatting ${propertiesFile} failed: ${(e.stderr || e.stdout || e.message).trim()}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Runs the node's start script (the JVM starts in the background; see `waitRegistered`). */
  async startNode(id: number): Promise<void> {
    if (this.#closed) throw new ApacheClusterError('the cluster is closed');
    const node = this.node(id);
    if (node.running()) return;
    await run(node.startScript, [], { timeout: 30_000 });
  }

  /** Stops a node's JVM with SIGTERM (controlled shutdown) or SIGKILL and waits until the process is gone. */
  async stopNode(id: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', timeoutMs = 120_000): Promise<void> {
    const node = this.node(id);
    const pid = node.pid();
    if (pid === null) return;
    process.kill(pid, signal);
    const deadline = Date.now() + timeoutMs;
    while (alive(pid)) {
      if (Date.now() > deadline)
        throw new ApacheClusterError(`node ${id} (pid ${pid}) did not stop within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** Waits until node `id` is registered and unfenced (listed in Metadata on its own INTERNAL listener). */
  async waitRegistered(id: number, timeoutMs = this.#options.startTimeoutMs ?? 90_000): Promise<void> {
    const node = this.node(id);
    await this.waitFor(
      async () => {
        if (!node.running()) throw new ApacheNodeExited(`node ${id} exited while starting:\n${this.tail(id)}`);
        const metadata = await this.#probe(node.host, (p) => p.metadata());
        return metadata.brokers.some((b) => b.id === id);
      },
      { timeoutMs, what: `node ${id} registered` },
    );
  }

  /** The cluster as the gates see it, from any live node. */
  async snapshot(): Promise<ClusterSnapshot> {
    let last: unknown;
    for (const node of this.nodes.values()) {
      if (!node.running() || !hasBrokerRole(node)) continue;
      try {
        return await this.#probe(node.host, (p) => p.snapshotCluster());
      } catch (error) {
        last = error;
      }
    }
    throw new ApacheClusterError(`no node answered: ${(last as Error | undefined)?.message ?? 'none running'}`);
  }

  /** Waits until node `id` is live and in the ISR of every partition it replicates. */
  async waitInAllIsrs(id: number, timeoutMs = 90_000): Promise<void> {
    await this.waitFor(
      async () => {
        const snapshot = await this.snapshot();
        if (!snapshot.brokers.some((b) => b.id === id)) return false;
        return snapshot.topics.every((t) => t.partitions.every((p) => !p.replicas.includes(id) || p.isr.includes(id)));
      },
      { timeoutMs, what: `node ${id} back in every ISR` },
    );
  }

  /** Polls `check` (errors count as "not yet") every 250 ms until true; throws after `timeoutMs`. */
  async waitFor(check: () => Promise<boolean>, options: { timeoutMs: number; what: string }): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (error) {
        if (error instanceof ApacheNodeExited) throw error;
        last = error;
      }
      if (Date.now() > deadline) {
        throw new ApacheClusterError(
          `timed out after ${options.timeoutMs} ms waiting for ${options.what}${last ? ` (last: ${(last as Error).message})` : ''}`,
        );
      }
      await sleep(250);
    }
  }

  /** Creates a topic with Kafka's own admin client (kafka-topics), so nothing of ours is in the way. */
  async createTopic(
    name: string,
    options: {
      partitions: number;
      replicationFactor: number;
      configs?: Record<string, string>;
      /** Replica broker ids per partition (the first is the preferred leader); overrides partitions/RF. */
      assignment?: readonly (readonly number[])[];
    },
  ): Promise<void> {
    const bootstrap = this.bootstrap();
    const configs = Object.entries(options.configs ?? {}).flatMap(([k, v]) => ['--config', `${k}=${v}`]);
    await this.kafkaTool('org.apache.kafka.tools.TopicCommand', [
      ...(await this.commandConfig()),
      '--bootstrap-server',
      bootstrap,
      '--create',
      '--if-not-exists',
      '--topic',
      name,
      ...(options.assignment
        ? ['--replica-assignment', options.assignment.map((replicas) => replicas.join(':')).join(',')]
        : ['--partitions', String(options.partitions), '--replication-factor', String(options.replicationFactor)]),
      ...configs,
    ]);
  }

  /** The bootstrap list of every node's INTERNAL listener. */
  bootstrap(): string {
    return [...this.nodes.values()]
      .filter(hasBrokerRole)
      .map((n) => `${n.host}:${this.ports.internal}`)
      .join(',');
  }

  /** `--command-config <file>` for Kafka's tools when INTERNAL needs SASL (see `adminSasl`); empty otherwise. */
  async commandConfig(): Promise<string[]> {
    const sasl = this.#options.adminSasl;
    if (!sasl) return [];
    const file = join(this.dir, 'admin-client.properties');
    await writeFile(
      file,
      [
        'security.protocol=SASL_PLAINTEXT',
        'sasl.mechanism=PLAIN',
        `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${sasl.username}" password="${sasl.password}";`,
        '',
      ].join('\n'),
    );
    return ['--command-config', file];
  }

  /** Runs one of Kafka's own command-line tools (a main class of kafka-tools or kafka_2.13) and returns stdout. */
  async kafkaTool(
    mainClass: string,
    args: readonly string[],
    options: { jvmOptions?: readonly string[]; env?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<string> {
    try {
      const { stdout } = await run(
        'java',
        [
          ...NODE_JVM_OPTIONS.filter((o) => !o.startsWith('-Xms')),
          ...(options.jvmOptions ?? []),
          '-Dlog4j2.level=WARN',
          '-Dlog4j2.rootLogger.level=WARN',
          '-cp',
          `${this.install.libs}/*`,
          mainClass,
          ...args,
        ],
        {
          timeout: options.timeoutMs ?? 120_000,
          maxBuffer: 16 * 1024 * 1024,
          ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
        },
      );
      return stdout;
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new ApacheClusterError(
        `${mainClass} ${args.join(' ')} failed: ${(e.stderr || e.stdout || e.message).trim()}`,
        {
          cause: error,
        },
      );
    }
  }

  /** The last lines of a node's server.log (for failure messages). */
  tail(id: number, lines = 30): string {
    const node = this.nodes.get(id);
    if (!node) return '';
    const read = (file: string) => {
      try {
        return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    };
    return `${read(node.logFile)}\n${read(join(node.propertiesFile, '..', 'stdout.log'))}`.trim();
  }

  /** Kills every node's process group and removes the data. Safe to call twice. */
  async close(options: { keepDir?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pids = [...this.nodes.values()].map((n) => n.pid());
    this.killAllNow();
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) await sleep(50);
    liveClusters.delete(this);
    if (!options.keepDir) await rm(this.dir, { recursive: true, force: true });
  }

  /** SIGKILLs every node's process group (JVM and watchdog), synchronously. */
  killAllNow(): void {
    for (const node of this.nodes.values()) {
      const group = readInt(node.groupFile);
      if (group !== null) killGroup(group, 'SIGKILL');
      const pid = readInt(join(node.propertiesFile, '..', 'kafka.pid'));
      if (pid !== null && alive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
  }

  async #probe<T>(host: string, use: (probe: ReturnType<typeof createProbe>) => Promise<T>): Promise<T> {
    const sasl = this.#options.adminSasl;
    const probe = createProbe({
      host,
      port: this.ports.internal,
      timeoutMs: 3_000,
      ...(sasl ? { sasl: { mechanism: 'PLAIN' as const, username: sasl.username, password: sasl.password } } : {}),
    });
    try {
      return await use(probe);
    } finally {
      await probe.close().catch(() => undefined);
    }
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function log4jProperties(logFile: string): string {
  return `${[
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = file',
    'logger.request.name = kafka.request.logger',
    'logger.request.level = WARN',
    'logger.controller.name = org.apache.kafka.controller',
    'logger.controller.level = INFO',
  ].join('\n')}\n`;
}

/** True when the real-Kafka suite can run here: Java 17+ and the cached jars. */
export function canRunApacheKafka(): boolean {
  return apacheKafkaInstalled() && existsSync('/usr/bin/setsid');
}
