/*
 * Test bed for the AWS state machines. What is real here: the state machine files (run in-process by
 * aws-local-stepfunctions), the task table, the AWS adapters of shared/providers/aws, brokerlink's SSM command
 * document run with the real shell against real server.properties files, the Kafka protocol (the testkit brokers
 * read those files at every start and answer real Metadata / DescribeConfigs / DescribeQuorum), the KafkaAdmin over
 * the probe, and verification through a real TCP forwarder. What is FAKE, because no AWS account exists here:
 *  - EC2 / ELBv2 / SSM / Secrets Manager: the stateful in-memory model of shared/providers/aws/testing;
 *  - the SSM agent's `systemctl restart kafka.service`: routed to the testkit broker's restart() (re-reads the file);
 *  - the NLB data plane, per zone as an NLB routes: one port forwarder per zone (its "node"), listening on every
 *    listener port and forwarding only to the registered targets in its own zone (instance → private IP : target
 *    port) — or to all of them when the target group has cross-zone load balancing on; and a regional address
 *    whose every port goes to the zone nodes in turn (what the regional DNS name does). Re-synced whenever
 *    brokerlink changes the load balancer and before verification.
 * Isolation: every "host" (each broker instance, the NLB) is its own loopback address in a 127.x.y.0/24 picked at
 * random per bed, so the fixed ports a Kafka host and an NLB listener really use (9092, 39092, 9093...) cannot collide
 * with another test on this machine, the way the testkit's `hostAddress` is meant to be used. Nothing leaves loopback.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { createAwsStepDeps } from '../../functions/aws/deps.ts';
import { createLogger } from '../../functions/aws/log.ts';
import { writerScriptText } from '../../shared/broker-writer/protocol.ts';
import { createKafkaAdmin } from '../../shared/kafka/admin.ts';
import { type PortForwarder, type PortMapping, startPortForwarder } from '../../shared/net/port-forwarder.ts';
import { type EventLog, loadDefinition, runStateMachine } from '../../shared/orchestration/local-state-machine.ts';
import type { Clock } from '../../shared/ports.ts';
import type { TargetObservation } from '../../shared/providers/aws/load-balancer.ts';
import { ssmDocumentContent } from '../../shared/providers/aws/ssm-document.ts';
import {
  type CommandHook,
  createFakeAws,
  FAKE_LOAD_BALANCER_ARN,
  FAKE_VPC_ID,
  type FakeAws,
  type FakeInstance,
} from '../../shared/providers/aws/testing/fake-aws.ts';
import { runDocumentLocally } from '../../shared/providers/aws/testing/run-document.ts';
import type { ClusterSpecInput } from '../../shared/spec/schema.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { startTestBroker, type TestBroker } from '../../testkit/kafka/broker.ts';
import { TestCluster } from '../../testkit/kafka/cluster.ts';

export const PROPERTIES_PATH = '/home/ec2-user/config/server.properties';
export const DOCUMENT_NAME = 'brokerlink-dev-BrokerCommandDocument-TEST';
export const SECURITY_GROUP_ID = 'sg-0abc12345';
export const CLUSTER = 'orders';
const ZONES = ['us-west-2a', 'us-west-2b', 'us-west-2c'];
const DISCARD = { host: '127.0.0.1', port: 9 };

const STATE_MACHINES = {
  provision: new URL('../../statemachines/provision.asl.yaml', import.meta.url),
  'drift-check': new URL('../../statemachines/drift-check.asl.yaml', import.meta.url),
} as const;

export interface BedBroker {
  nodeId: number;
  instance: FakeInstance;
  root: string;
  kafka: TestBroker;
}

export interface BedOptions {
  brokers?: number;
  drift?: 'report' | 'repair';
  /** How the load balancer adapter observes targets (default: the Lambda default, ledger). */
  targets?: TargetObservation;
  /** Zones the NLB has subnets (nodes) in; default all three. */
  nlbZones?: string[];
  /** One advertised pattern per zone id (the runbook's layout) instead of one name for all zones. */
  perZonePattern?: boolean;
}

/** Runs a task somewhere else than in-process (the packaged Lambda functions of test/aws/artifact.test.ts). */
export type TaskInvoker = (task: string, input: unknown) => Promise<unknown>;

export interface RunOptions {
  executionId?: string;
  waitMs?: number;
  /** Where tasks run; default in-process over `bed.deps`. */
  invoke?: TaskInvoker;
}

export interface RunResult {
  output: unknown;
  events: EventLog[];
}

/** A monotonic clock that moves 2 s at every reading, so health and lock deadlines pass without real waiting. */
export function steppingClock(start = Date.parse('2026-01-10T00:00:00Z'), stepMs = 2_000): Clock {
  let now = start;
  return {
    now: () => {
      now += stepMs;
      return new Date(now);
    },
  };
}

export class AwsBed {
  readonly aws: FakeAws;
  readonly cluster = new TestCluster({ catchUpDelayMs: 0, defaultMinInsyncReplicas: 2 });
  readonly brokers = new Map<number, BedBroker>();
  readonly restartLog: number[] = [];
  /** Brokers whose `systemctl restart kafka.service` fails (the unit's start job fails). */
  readonly failingRestarts = new Set<number>();
  readonly metricLines: string[] = [];
  readonly logLines: Record<string, unknown>[] = [];
  readonly clock = steppingClock();
  readonly deps: StepDeps;
  readonly nlbAddress: string;
  readonly net: string;
  readonly startedExecutions: Record<string, unknown>[] = [];
  perZonePattern = false;
  #forwarder: PortForwarder | undefined;
  readonly #zoneNodes = new Map<string, { address: string; forwarder?: PortForwarder }>();
  #dir: string;
  #executions = 0;

  private constructor(dir: string, net: string, targets: TargetObservation | undefined, nlbZones: string[]) {
    this.#dir = dir;
    this.net = net;
    this.nlbAddress = `${net}.200`;
    for (const [index, zone] of nlbZones.entries()) this.#zoneNodes.set(zone, { address: `${net}.${201 + index}` });
    this.aws = createFakeAws({
      loadBalancerZones: nlbZones,
      securityGroupIds: [SECURITY_GROUP_ID],
      documents: { [DOCUMENT_NAME]: ssmDocumentContent({ writerScript: writerScriptText() }) },
      onCommand: this.#agent(),
      invisiblePolls: 1,
      inProgressPolls: 1,
    });
    const log = createLogger({ write: (line) => this.logLines.push(JSON.parse(line)) });
    const perInvocation = createAwsStepDeps(this.aws.clients, {
      documentName: DOCUMENT_NAME,
      log,
      clock: this.clock,
      writeMetric: (line) => this.metricLines.push(line),
      ...(targets === undefined ? {} : { targets }),
      kafka: (spec) => createKafkaAdmin(spec, perInvocation().secrets),
    });
    const base = perInvocation();
    // The NLB data plane follows the control plane: re-sync after every change brokerlink makes, and the
    // consumer-facing address is the data plane's loopback address (the fake's DNS name resolves nowhere).
    this.deps = {
      ...base,
      loadBalancer: {
        observe: (spec, ledger) => base.loadBalancer.observe(spec, ledger),
        start: async (spec, action) => {
          const progress = await base.loadBalancer.start(spec, action);
          await this.syncNlb();
          return progress;
        },
        poll: (spec, operation) => base.loadBalancer.poll(spec, operation),
        consumerAddress: async (spec) => {
          await base.loadBalancer.consumerAddress(spec);
          await this.syncNlb();
          return this.nlbAddress;
        },
        // The adapter's zonal DNS names, answered by the zone nodes (the fake's names resolve nowhere).
        consumerRoutes: async (spec) => {
          const routes = await base.loadBalancer.consumerRoutes!(spec);
          const node = (name: string) => this.#zoneNodes.get(name.split('.')[0]!)?.address ?? name;
          return {
            bootstrap: routes.bootstrap.map(node),
            byZone: Object.fromEntries(Object.entries(routes.byZone).map(([zone, name]) => [zone, node(name)])),
          };
        },
        ensureConsumerEndpoint: (spec) => base.loadBalancer.ensureConsumerEndpoint!(spec),
      },
    };
  }

  static async start(options: BedOptions = {}): Promise<AwsBed> {
    const net = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const bed = new AwsBed(
      await mkdtemp(join(tmpdir(), 'brokerlink-aws-bed-')),
      net,
      options.targets,
      options.nlbZones ?? ZONES,
    );
    try {
      bed.perZonePattern = options.perZonePattern ?? false;
      for (let id = 1; id <= (options.brokers ?? 3); id += 1) await bed.addBroker(id);
      bed.cluster.createTopic('orders-events', 6, { replicationFactor: 3, minInsyncReplicas: 2 });
      bed.storeSpec(options.drift ?? 'report');
      bed.#forwarder = await startPortForwarder({ host: bed.nlbAddress, mappings: [], connectTimeoutMs: 1_000 });
      for (const node of bed.#zoneNodes.values()) {
        node.forwarder = await startPortForwarder({ host: node.address, mappings: [], connectTimeoutMs: 1_000 });
      }
    } catch (error) {
      await bed.close();
      throw error;
    }
    return bed;
  }

  /** The address of the NLB's node in `zone` (what a client that resolved the regional name may have got). */
  zoneNodeAddress(zone: string): string {
    const node = this.#zoneNodes.get(zone);
    if (node === undefined) throw new Error(`the bed's NLB has no node in ${zone}`);
    return node.address;
  }

  hostOf(nodeId: number): string {
    return `${this.net}.${10 + nodeId}`;
  }

  specInput(drift: 'report' | 'repair' = 'report'): ClusterSpecInput {
    return {
      cluster: CLUSTER,
      provider: {
        aws: {
          region: 'us-west-2',
          loadBalancerArn: FAKE_LOAD_BALANCER_ARN,
          vpcId: FAKE_VPC_ID,
          securityGroupId: SECURITY_GROUP_ID,
          consumerCidrs: ['10.100.0.0/16'],
        },
      },
      brokers: {
        discover: { tags: { 'brokerlink:cluster': CLUSTER }, nodeIdTag: 'kafka-node-id' },
        propertiesPath: PROPERTIES_PATH,
        restart: { systemdUnit: 'kafka.service' },
      },
      kafka: { bootstrap: [`${this.hostOf(1)}:9092`, `${this.hostOf(2)}:9092`], requestTimeoutMs: 1_000 },
      exposures: [
        {
          listener: 'EXTERNAL',
          brokerPort: 39092,
          bootstrapPort: 9092,
          brokerPorts: { from: 9093, to: 9141 },
          advertisedListenerPattern: this.perZonePattern
            ? Object.fromEntries(
                Object.values(this.aws.state.zones).map((id) => [id, `<broker_id>.${id}.orders.example.com:<port>`]),
              )
            : '<broker_id>.orders.example.com:<port>',
        },
      ],
      drift: { action: drift },
      rollout: { healthyChecks: 2, healthTimeoutSeconds: 60, canRollTimeoutSeconds: 60 },
    } as ClusterSpecInput;
  }

  storeSpec(drift: 'report' | 'repair'): void {
    const name = `/brokerlink/${CLUSTER}/spec`;
    const previous = this.aws.state.parameters.get(name);
    this.aws.state.parameters.set(name, {
      name,
      value: stringify(this.specInput(drift)),
      type: 'String',
      version: (previous?.version ?? 0) + 1,
      tier: 'Standard',
      lastModified: new Date(),
    });
  }

  /** A new EC2 instance running Kafka with the installer's config (no EXTERNAL listener yet). */
  async addBroker(nodeId: number, options: { agent?: FakeInstance['agent'] } = {}): Promise<BedBroker> {
    const privateIp = this.hostOf(nodeId);
    const instance: FakeInstance = {
      instanceId: `i-${(0x1000 + nodeId).toString(16).padStart(17, '0')}`,
      privateIp,
      az: ZONES[(nodeId - 1) % ZONES.length]!,
      state: 'running',
      tags: { 'brokerlink:cluster': CLUSTER, 'kafka-node-id': String(nodeId), Name: `kafka-${nodeId}` },
      ...(options.agent === undefined ? {} : { agent: options.agent }),
      // Launched long ago unless the test says the agent is still coming up (a just-launched instance).
      launchTime: new Date(options.agent === undefined ? '2026-01-01T00:00:00Z' : '2026-01-10T00:00:00Z'),
    };
    const root = join(this.#dir, instance.instanceId);
    const file = join(root, PROPERTIES_PATH);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, this.installerProperties(nodeId));
    const kafka = await startTestBroker({ propertiesPath: file, cluster: this.cluster, hostAddress: privateIp });
    const broker = { nodeId, instance, root, kafka };
    this.brokers.set(nodeId, broker);
    this.aws.state.instances.push(instance);
    return broker;
  }

  installerProperties(nodeId: number): string {
    return [
      '# Kafka broker configuration (written by the installer)',
      nodeId <= 3 ? 'process.roles=broker,controller' : 'process.roles=broker',
      `node.id=${nodeId}`,
      `controller.quorum.voters=${[1, 2, 3].map((id) => `${id}@${this.hostOf(id)}:9093`).join(',')}`,
      'listeners=PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
      `advertised.listeners=PLAINTEXT://${this.hostOf(nodeId)}:9092`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      'log.dirs=/var/lib/kafka/data',
      '',
    ].join('\n');
  }

  async fileText(nodeId: number): Promise<string> {
    return readFile(join(this.brokers.get(nodeId)!.root, PROPERTIES_PATH), 'utf8');
  }

  /** The fake SSM agent: brokerlink's document with the real shell; `systemctl restart` restarts the test broker. */
  #agent(): CommandHook {
    const shell = runDocumentLocally({
      rootFor: (instanceId) => this.#byInstance(instanceId)?.root ?? join(this.#dir, 'no-such-instance'),
    });
    return async (request) => {
      if (request.parameters['action'] !== 'restart') return shell(request);
      const broker = this.#byInstance(request.instanceId);
      if (broker === undefined || request.parameters['systemdUnit'] !== 'kafka.service') {
        return { status: 'Failed', stdout: '', stderr: 'Failed to restart: Unit not found.', exitCode: 5 };
      }
      this.restartLog.push(broker.nodeId);
      if (this.failingRestarts.has(broker.nodeId)) {
        return {
          status: 'Failed',
          stdout: '',
          stderr: 'Job for kafka.service failed because the control process exited with error code.',
          exitCode: 1,
        };
      }
      try {
        await broker.kafka.restart();
        return { status: 'Success', stdout: '', stderr: '', exitCode: 0 };
      } catch (error) {
        return {
          status: 'Failed',
          stdout: '',
          stderr: `Job for kafka.service failed: ${(error as Error).message}`,
          exitCode: 1,
        };
      }
    };
  }

  #byInstance(instanceId: string): BedBroker | undefined {
    return [...this.brokers.values()].find((broker) => broker.instance.instanceId === instanceId);
  }

  /**
   * Points every NLB listener port of each zone node at the targets of its target group in that zone (all of them
   * when the group has cross-zone load balancing on), and every port of the regional address at the zone nodes.
   */
  async syncNlb(): Promise<void> {
    if (this.#forwarder === undefined) return;
    const listeners = [...this.aws.state.listeners.values()]
      .filter((listener) => listener.loadBalancerArn === FAKE_LOAD_BALANCER_ARN)
      .sort((a, b) => a.port - b.port);
    for (const [zone, node] of this.#zoneNodes) {
      const mappings: PortMapping[] = listeners.map((listener) => {
        const group = this.aws.state.targetGroups.get(listener.targetGroupArn);
        const crossZone = group?.attributes?.['load_balancing.cross_zone.enabled'] === 'true';
        const upstreams = [...(group?.targets.values() ?? [])].flatMap((target) => {
          const instance = target.id.startsWith('i-')
            ? this.aws.state.instances.find((candidate) => candidate.instanceId === target.id)
            : this.aws.state.instances.find((candidate) => candidate.privateIp === target.id);
          const host = target.id.startsWith('i-') ? instance?.privateIp : target.id;
          if (host === undefined || (!crossZone && instance !== undefined && instance.az !== zone)) return [];
          return [{ host, port: target.port }];
        });
        return { listenPort: listener.port, upstreams: upstreams.length > 0 ? upstreams : [DISCARD] };
      });
      await node.forwarder?.update(mappings);
    }
    const nodes = [...this.#zoneNodes.values()];
    await this.#forwarder.update(
      listeners.map((listener) => ({
        listenPort: listener.port,
        upstreams: nodes.map((node) => ({ host: node.address, port: listener.port })),
      })),
    );
  }

  /**
   * Runs a state machine file of statemachines/ over the bed; drift repair runs provision the same way. With
   * `invoke`, every task runs there instead of in-process, and the NLB data plane is re-synced after each
   * load-balancer task and before verification (in-process, `bed.deps` does that itself).
   */
  async run(
    machine: keyof typeof STATE_MACHINES,
    input: Record<string, unknown>,
    options: RunOptions = {},
  ): Promise<RunResult> {
    this.#executions += 1;
    const id =
      options.executionId ??
      `arn:aws:states:us-west-2:123456789012:execution:brokerlink-${machine}-dev:run-${this.#executions}`;
    const events: EventLog[] = [];
    const invoke = options.invoke;
    const output = await runStateMachine(await loadDefinition(STATE_MACHINES[machine]), input, {
      executionId: id,
      deps: this.deps,
      waitMs: options.waitMs ?? 1,
      retryMs: 1,
      onEvent: (event) => events.push(event),
      ...(invoke === undefined
        ? {}
        : {
            wrapTask: (task) => async (taskInput) => {
              if (task === 'verify') await this.syncNlb();
              const result = await invoke(task, taskInput);
              if (task === 'applyLoadBalancer') await this.syncNlb();
              return result;
            },
          }),
      startExecution: async (parameters) => {
        const started = parameters['Input'] as Record<string, unknown>;
        this.startedExecutions.push(started);
        const result = await this.run('provision', started, {
          ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }),
          ...(invoke === undefined ? {} : { invoke }),
        });
        return { ExecutionArn: `${id}-repair`, output: result.output };
      },
    });
    return { output, events };
  }

  /** The NLB's DNS names (regional: every zone node, as DNS answers; zonal: that zone's node), as the VPC resolves them. */
  async nlbHosts(): Promise<Record<string, string[]>> {
    const { DescribeLoadBalancersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const answer = await this.aws.clients.elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [FAKE_LOAD_BALANCER_ARN] }),
    );
    const dnsName = answer.LoadBalancers![0]!.DNSName!;
    const hosts: Record<string, string[]> = { [dnsName]: [...this.#zoneNodes.values()].map((node) => node.address) };
    for (const [zone, node] of this.#zoneNodes) hosts[`${zone}.${dnsName}`] = [node.address];
    return hosts;
  }

  async close(): Promise<void> {
    for (const broker of this.brokers.values()) await broker.kafka.close().catch(() => undefined);
    await this.#forwarder?.close().catch(() => undefined);
    for (const node of this.#zoneNodes.values()) await node.forwarder?.close().catch(() => undefined);
    this.cluster.close();
    this.aws.restore();
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** Names of AWS operations that change something (everything but Describe/Get/List). */
export function isMutating(operation: string): boolean {
  return !/^(Describe|Get|List)/.test(operation);
}
