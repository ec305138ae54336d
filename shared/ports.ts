import type { ClusterSnapshot } from './kafka/snapshot.ts';
import type { DiscoveredBroker, ListenerView, ObservedLoadBalancer } from './model/observed.ts';
import type { LbAction } from './model/plan.ts';
import type { ClusterSpec, RestartMethod } from './spec/schema.ts';

/*
 * The small interfaces the steps depend on. Each provider (shared/providers/<cloud>/) implements them over
 * injected SDK clients; tests hand in stateful fakes. Long operations are split into start + poll so that the
 * waiting belongs to the orchestrator (Step Functions Wait/Choice), never to a sleeping function.
 */

export interface BrokerDiscovery {
  discoverBrokers(spec: ClusterSpec): Promise<DiscoveredBroker[]>;
}

export interface LoadBalancer {
  /** Reads the ledger: every mapping brokerlink owns for this cluster, and the open consumer ports. */
  observe(spec: ClusterSpec): Promise<ObservedLoadBalancer>;
  /** Applies one action. Must be idempotent: applying an action that is already in effect is a no-op. */
  apply(spec: ClusterSpec, action: LbAction): Promise<void>;
  /** The host consumers' traffic reaches the load balancer at (NLB DNS name, loopback address, ...). */
  consumerAddress(spec: ClusterSpec): Promise<string>;
  /**
   * Ensures the private-link service consumers connect to (AWS: the VPC endpoint service of the NLB, with the
   * spec's allowed principals) and returns what they enter; null when the spec does not ask for one. Idempotent.
   */
  ensureConsumerEndpoint?(spec: ClusterSpec): Promise<ConsumerEndpoint | null>;
}

export interface ConsumerEndpoint {
  /** What the consumer enters, e.g. com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0. */
  serviceName: string;
  /** Things a person should know (created now, principals added by hand, acceptance setting differs, ...). */
  notes: string[];
}

/** What brokerlink can ask a broker host to do. Nothing else is ever sent to a broker. */
export type BrokerCommand =
  | { kind: 'read-config'; path: string }
  /**
   * Compare-and-swap: written only if the file still has `expectedSha256`, and only if the file (and the new content)
   * name `expectedNodeId` as their node.id / broker.id, when they name one (a mis-tagged instance is refused).
   */
  | { kind: 'write-config'; path: string; expectedSha256: string; contentBase64: string; expectedNodeId: number }
  /** `path`: the broker's server.properties, the only argument a restart script receives. */
  | { kind: 'restart'; method: RestartMethod; path: string };

export interface CommandTarget {
  brokerId: number;
  host: string;
  instanceId?: string;
}

export interface CommandHandle {
  /** Provider command id (SSM CommandId, Cloud Assistant InvokeId, ...). JSON-serialisable. */
  id: string;
  target: CommandTarget;
}

export type CommandStatus =
  | { state: 'running' }
  | { state: 'succeeded'; stdout: string }
  | { state: 'failed'; exitCode: number | null; stdout: string; stderr: string };

export interface CommandChannel {
  start(target: CommandTarget, command: BrokerCommand): Promise<CommandHandle>;
  poll(handle: CommandHandle): Promise<CommandStatus>;
}

export type LockResult =
  | { acquired: true; owner: string; expiresAt: string }
  | { acquired: false; holder: string; expiresAt: string };

/** One execution per cluster at a time. An expired lock may be taken over. */
export interface ClusterLock {
  acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult>;
  /** Releases only if `owner` still holds it; releasing a lock one does not hold is a no-op. */
  release(cluster: string, owner: string): Promise<void>;
}

export interface SpecStore {
  load(cluster: string): Promise<string>;
  save(cluster: string, text: string): Promise<void>;
}

/** Resolves a secret reference (`env:NAME`, `aws-secretsmanager:...`) to its value. */
export interface SecretResolver {
  resolve(reference: string): Promise<string>;
}

/** Kafka as seen from inside the cluster's network (the internal listener), for health gates and drift. */
export interface KafkaAdmin {
  snapshot(): Promise<ClusterSnapshot>;
  /** Listener config a running broker reports (DescribeConfigs), keyed by listener name; null if unreachable. */
  runningListeners(brokerId: number): Promise<Record<string, ListenerView> | null>;
  /**
   * Asks broker `brokerId` itself, on its own internal address, whether it serves and lists itself as live. Only a
   * running process that registered and was unfenced answers (Kafka enables request processing after unfencing);
   * after an unclean stop the controller still lists the dead process until broker.session.timeout.ms, so the
   * cluster's view alone cannot tell "back" from "never left".
   */
  ownView(brokerId: number): Promise<OwnView>;
  /**
   * Partitions broker `brokerId` hosts, per topic, from the broker itself (DescribeLogDirs), whatever the topic ACLs;
   * or why they could not be listed. An all-topics Metadata request silently leaves out topics the principal may not
   * Describe, so the gates compare the two and fail closed on a partial view.
   */
  hostedPartitions(brokerId: number): Promise<HostedPartitions>;
  close(): Promise<void>;
}

export type HostedPartitions =
  | { known: true; topics: ReadonlyMap<string, readonly number[]> }
  | { known: false; reason: string };

export type OwnView = { serves: true; address: string } | { serves: false; address: string | null; reason: string };

/** Where drift reports go (SNS, Pub/Sub, a log line). Must not throw for a delivery problem it can log. */
export interface Notifier {
  driftFound(report: { cluster: string; drift: number; details: string[] }): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
