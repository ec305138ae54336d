/*
 * FAKE (test support): Kafka brokers as the AWS state-machine tests need them, standing in for brokers that cannot
 * run here behind SSM. Each broker is a directory standing in for its instance's file system (the fake SSM agent runs
 * brokerlink's real command document with the real shell against it: reads and compare-and-swap writes of the real
 * server.properties), plus a "running" copy of that file taken at each (re)start, as a JVM reads its config once at
 * start. `systemctl restart` is the one step done here instead of by the shell: the fake agent hands it to
 * `restart()`, which re-reads the file, and the broker rejoins (or, if told to, never comes back).
 *
 * The KafkaAdmin answers as the probe does against a real cluster: the snapshot lists the live brokers and one topic
 * replicated three ways with min.insync.replicas 2 (a stopped broker leaves every ISR), the active controller is the
 * lowest live id, and `runningListeners` reports the listeners of the running config (DescribeConfigs), or null for a
 * broker that is down.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ClusterSnapshot } from '../../shared/kafka/snapshot.ts';
import type { ListenerView } from '../../shared/model/observed.ts';
import type { KafkaAdmin } from '../../shared/ports.ts';
import { listenerViews, readListenerConfig } from '../../shared/properties/listeners.ts';
import type { CommandHook, CommandRequest, FakeInstance } from '../../shared/providers/aws/testing/fake-aws.ts';
import { runDocumentLocally } from '../../shared/providers/aws/testing/run-document.ts';

export const PROPERTIES_PATH = '/home/ec2-user/config/server.properties';

export interface FakeBroker {
  nodeId: number;
  instanceId: string;
  privateIp: string;
  root: string;
  /** server.properties as the running process read it at its last start. */
  running: string;
  up: boolean;
  restarts: number;
  /** When false, a restarted broker stays down (never registers again). */
  comesBack: boolean;
  /** When set, `systemctl restart` fails with this exit code (the unit does not exist, ...). */
  restartExitCode?: number;
}

export function initialProperties(nodeId: number, privateIp: string): string {
  return [
    '# Kafka broker configuration (written by the installer)',
    'process.roles=broker,controller',
    `node.id=${nodeId}`,
    'controller.quorum.voters=1@10.0.0.2:9093,2@10.0.0.3:9093,3@10.0.0.4:9093',
    'listeners=PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
    `advertised.listeners=PLAINTEXT://${privateIp}:9092`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    'log.dirs=/var/lib/kafka/data',
    'min.insync.replicas=2',
    '',
  ].join('\n');
}

export class FakeKafkaFleet {
  readonly brokers = new Map<number, FakeBroker>();
  readonly restartLog: number[] = [];
  #base = '';

  static async create(): Promise<FakeKafkaFleet> {
    const fleet = new FakeKafkaFleet();
    fleet.#base = await mkdtemp(join(tmpdir(), 'brokerlink-fleet-'));
    return fleet;
  }

  /** Adds a broker for a fake EC2 instance (node id from its tag), with a fresh server.properties. */
  async addBroker(instance: FakeInstance, nodeIdTag = 'kafka-node-id'): Promise<FakeBroker> {
    const nodeId = Number(instance.tags[nodeIdTag]);
    const root = join(this.#base, instance.instanceId);
    const file = join(root, PROPERTIES_PATH);
    await mkdir(dirname(file), { recursive: true });
    const text = initialProperties(nodeId, instance.privateIp ?? '');
    await writeFile(file, text);
    const broker: FakeBroker = {
      nodeId,
      instanceId: instance.instanceId,
      privateIp: instance.privateIp ?? '',
      root,
      running: text,
      up: true,
      restarts: 0,
      comesBack: true,
    };
    this.brokers.set(nodeId, broker);
    return broker;
  }

  byInstance(instanceId: string): FakeBroker | undefined {
    return [...this.brokers.values()].find((broker) => broker.instanceId === instanceId);
  }

  async fileText(nodeId: number): Promise<string> {
    return readFile(join(this.brokers.get(nodeId)!.root, PROPERTIES_PATH), 'utf8');
  }

  async writeFile(nodeId: number, text: string): Promise<void> {
    await writeFile(join(this.brokers.get(nodeId)!.root, PROPERTIES_PATH), text);
  }

  /** What `systemctl restart kafka.service` does to this broker. */
  async restart(instanceId: string): Promise<{ exitCode: number; stderr: string }> {
    const broker = this.byInstance(instanceId);
    if (broker === undefined) return { exitCode: 5, stderr: 'Unit kafka.service not found.' };
    if (broker.restartExitCode !== undefined) {
      return { exitCode: broker.restartExitCode, stderr: 'Job for kafka.service failed.' };
    }
    broker.restarts += 1;
    this.restartLog.push(broker.nodeId);
    broker.running = await this.fileText(broker.nodeId);
    broker.up = broker.comesBack;
    return { exitCode: 0, stderr: '' };
  }

  /** The fake SSM agent: the real document with the real shell, `systemctl restart` routed to `restart()`. */
  commandHook(): CommandHook {
    const shell = runDocumentLocally({ rootFor: (instanceId) => this.byInstance(instanceId)?.root ?? join(this.#base, 'none') });
    return async (request: CommandRequest) => {
      if (request.parameters['action'] === 'restart') {
        const outcome = await this.restart(request.instanceId);
        return outcome.exitCode === 0
          ? { status: 'Success', stdout: '', stderr: '', exitCode: 0 }
          : { status: 'Failed', stdout: '', stderr: outcome.stderr, exitCode: outcome.exitCode };
      }
      return shell(request);
    };
  }

  snapshot(): ClusterSnapshot {
    const all = [...this.brokers.keys()].sort((a, b) => a - b);
    const live = all.filter((id) => this.brokers.get(id)!.up);
    const partitions = all.map((_, index) => {
      const replicas = [0, 1, 2].map((offset) => all[(index + offset) % all.length]!).filter((id, i, list) => list.indexOf(id) === i);
      const isr = replicas.filter((id) => live.includes(id));
      return { index, leader: isr[0] ?? -1, replicas, isr, offline: replicas.filter((id) => !live.includes(id)) };
    });
    return {
      brokers: live.map((id) => ({ id, rack: null })),
      controllerId: live[0] ?? null,
      quorum: null,
      topics: [{ name: 'orders-events', minInsyncReplicas: 2, partitions }],
    };
  }

  admin(): KafkaAdmin {
    return {
      snapshot: async () => this.snapshot(),
      runningListeners: async (brokerId: number): Promise<Record<string, ListenerView> | null> => {
        const broker = this.brokers.get(brokerId);
        if (broker === undefined || !broker.up) return null;
        return listenerViews(readListenerConfig(broker.running));
      },
      close: async () => undefined,
    };
  }

  async close(): Promise<void> {
    if (this.#base !== '') await rm(this.#base, { recursive: true, force: true });
  }
}
