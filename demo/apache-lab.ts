/**
 * The local lab on real Apache Kafka: the same load balancer, ledger, command channel, spec and state machines as
 * lab.ts, but the brokers are real Kafka JVMs (testkit/apache-kafka): a 3-node combined-mode KRaft cluster on
 * 127.0.0.11–13 (+ broker-only nodes for enrollment), each node a "host" with its own file system under
 * `<dir>/hosts/<N>/`, started from a seed-like server.properties. A restart is the spec's restart script
 * (testkit/apache-kafka/restart-kafka.sh, copied into `<dir>/bin/`): SIGTERM, wait for the JVM to exit, start it
 * again with the edited file. `kill-restart-kafka.sh` beside it does the same with SIGKILL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApacheKafkaCluster, type ApacheNode } from '../testkit/apache-kafka/cluster.ts';
import { createLabCore, type LabBase, type LabCore, type LabRollout, labHost, labSpec, pickPorts } from './lab.ts';

export const APACHE_RESTART_SCRIPT = fileURLToPath(
  new URL('../testkit/apache-kafka/restart-kafka.sh', import.meta.url),
);
export const APACHE_KILL_RESTART_SCRIPT = fileURLToPath(
  new URL('../testkit/apache-kafka/kill-restart-kafka.sh', import.meta.url),
);

export interface ApacheLabOptions {
  /**
   * Node ids of the initial brokers, the spec's brokers. Without `controllers` they are KRaft combined
   * (broker+controller) nodes, the quorum voters. Default 1,2,3.
   */
  brokerIds?: number[];
  /**
   * Dedicated KRaft controllers (process.roles=controller), the quorum voters; then `brokerIds` are broker-only
   * nodes. Controllers have no broker listener, so they are not in the spec and never restarted by brokerlink.
   */
  controllers?: number[];
  /** `broker.rack` per broker node id (rack-aware replica placement; `rollout.batch: rack`). */
  racks?: Readonly<Record<number, string>>;
  cluster?: string;
  drift?: 'report' | 'repair';
  rollout?: LabRollout;
  /** Milliseconds every Wait state of the state machines pauses. Default 500 (real restarts take seconds). */
  waitMs?: number;
  /** A topic created with Kafka's own tool over the initial nodes; false for none. */
  topic?: { name: string; partitions: number; replicationFactor: number; minInsyncReplicas: number } | false;
  brokerPortCount?: number;
  /** Extra server.properties entries for every node (e.g. an authorizer). */
  extraProperties?: Readonly<Record<string, string>>;
  jvmOptions?: readonly string[];
}

export interface ApacheLabBroker {
  readonly id: number;
  readonly host: string;
  readonly propertiesFile: string;
  readonly node: ApacheNode;
  /** Restarts so far (JVM starts after the first). */
  readonly restarts: number;
}

export interface ApacheLab extends LabBase {
  readonly kafka: ApacheKafkaCluster;
  readonly brokers: Map<number, ApacheLabBroker>;
  /** The SIGKILL variant of the restart script, in the lab's bin dir. */
  readonly killRestartScript: string;
  addBroker(id: number): Promise<ApacheLabBroker>;
}

export async function startApacheLab(options: ApacheLabOptions = {}): Promise<ApacheLab> {
  const initialIds = options.brokerIds ?? [1, 2, 3];
  const clusterName = options.cluster ?? 'demo';
  const dir = await mkdtemp(join(tmpdir(), 'brokerlink-apache-lab-'));
  const brokers = new Map<number, ApacheLabBroker>();
  let core: LabCore | undefined;
  let kafka: ApacheKafkaCluster | undefined;
  let closed = false;

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await kafka?.close({ keepDir: true }).catch(() => undefined);
    if (core) await core.closeCore();
    else await rm(dir, { recursive: true, force: true });
  }

  const track = (node: ApacheNode): ApacheLabBroker => {
    const broker: ApacheLabBroker = {
      id: node.id,
      host: node.host,
      propertiesFile: node.propertiesFile,
      node,
      get restarts() {
        return Math.max(0, node.starts() - 1);
      },
    };
    brokers.set(node.id, broker);
    return broker;
  };

  try {
    const ports = await pickPorts(
      Array.from({ length: 9 }, (_, i) => labHost(i + 1)),
      options.brokerPortCount ?? 8,
      { low: 10_000, span: 10_000 },
    );
    core = await createLabCore({
      dir,
      clusterName,
      ports,
      waitMs: options.waitMs ?? 500,
      restartScripts: [APACHE_RESTART_SCRIPT, APACHE_KILL_RESTART_SCRIPT],
      commandTimeouts: { config: 15_000, restart: 150_000 },
    });
    const c = core;
    kafka = new ApacheKafkaCluster({
      dir: c.hostsDir,
      nodes: [
        ...(options.controllers ?? []).map((id) => ({ id, roles: 'controller' as const })),
        ...initialIds.map((id) => ({
          id,
          roles: options.controllers ? ('broker' as const) : ('broker,controller' as const),
          ...(options.racks?.[id] !== undefined ? { rack: options.racks[id] } : {}),
        })),
      ],
      hostOf: labHost,
      ports: { internal: ports.internal, controller: ports.controller },
      ...(options.extraProperties ? { extraProperties: options.extraProperties } : {}),
      ...(options.jvmOptions ? { jvmOptions: options.jvmOptions } : {}),
    });
    const k = kafka;
    await k.start();
    for (const node of k.nodes.values()) if (initialIds.includes(node.id)) track(node);
    const topic =
      options.topic === undefined
        ? { name: 'orders', partitions: 6, replicationFactor: Math.min(3, initialIds.length), minInsyncReplicas: 2 }
        : options.topic;
    if (topic !== false) {
      await k.createTopic(topic.name, {
        partitions: topic.partitions,
        replicationFactor: topic.replicationFactor,
        configs: { 'min.insync.replicas': String(Math.min(topic.minInsyncReplicas, topic.replicationFactor)) },
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
        rollout: {
          healthyChecks: 2,
          healthTimeoutSeconds: 120,
          canRollTimeoutSeconds: 60,
          ...options.rollout,
        },
        requestTimeoutMs: 5_000,
      }),
    );
    const lab: ApacheLab = {
      ...c,
      kafka: k,
      brokers,
      killRestartScript: join(c.dir, 'bin', 'kill-restart-kafka.sh'),
      async addBroker(id) {
        const rack = options.racks?.[id];
        const node = await k.addNode({ id, roles: 'broker', ...(rack !== undefined ? { rack } : {}) });
        const added = track(node);
        await c.updateSpec((spec) => {
          spec.brokers.static = [...(spec.brokers.static ?? []), { id, host: labHost(id) }];
          spec.kafka.bootstrap = [...spec.kafka.bootstrap, `${labHost(id)}:${ports.internal}`];
        });
        return added;
      },
      waitInSync: (id, timeoutMs = 90_000) => k.waitInAllIsrs(id, timeoutMs),
      close,
    };
    return lab;
  } catch (error) {
    if (kafka) process.stderr.write(`${kafka.tail(initialIds[0]!)}\n`);
    await close();
    throw error;
  }
}
