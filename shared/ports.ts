import type { ClusterSnapshot } from './kafka/snapshot.ts';
import type { DiscoveredBroker, ListenerView, ObservedTarget } from './model/observed.ts';
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

/**
 * One entry of the port ledger: which consumer-side port of which exposure belongs to which broker (or to the
 * exposure's bootstrap), and since when a removed broker's port is retired. The planner's port registry is rebuilt
 * from these entries alone, so they must outlive any other state of brokerlink's. Where they live is the ledger
 * adapter's choice: tags on the target groups (AWS), the local state file, a store of its own where the load
 * balancer's objects carry no tags (GCP port-mapping endpoints).
 */
export interface LedgerEntry {
  exposure: string;
  role: 'broker' | 'bootstrap';
  port: number;
  /** For role `broker`: the node id the port belongs to; absent when the entry lost it (the planner leaves it alone). */
  brokerId?: number;
  /** ISO time the broker was removed; the port is in cool-down until `retiredAt + rollout.portCooldownSeconds`. */
  retiredAt?: string;
  /**
   * Opaque to the domain: what the ledger adapter read together with the entry that the same provider's load
   * balancer adapter may reuse (AWS: the target group and listener ARNs and the target tag), so one observation does
   * not read the same cloud objects twice. Never interpreted outside the provider's folder.
   */
  adapterData?: Readonly<Record<string, string>>;
}

/** A change to the ledger; `ledgerChangeOf` (shared/ledger/changes.ts) derives it from a load balancer action. */
export type LedgerChange =
  /** The port now belongs to this broker (or is the exposure's bootstrap), active: a retirement is cleared. */
  | { kind: 'assign'; exposure: string; role: 'broker' | 'bootstrap'; port: number; brokerId?: number }
  /** The broker is gone: the port cools down from `retiredAt`. An entry already retired keeps its earlier time. */
  | { kind: 'retire'; exposure: string; port: number; brokerId: number; retiredAt: string }
  /** The broker came back inside the cool-down: its entry is active again. */
  | { kind: 'revive'; exposure: string; port: number; brokerId: number }
  /** The mapping is deleted: the port is free. Releasing a port the ledger does not hold is a no-op. */
  | { kind: 'release'; exposure: string; port: number };

/**
 * The port ledger. `record` is called after the load balancer change it belongs to is in effect, and must be
 * idempotent (a re-run after a crash records again). Where the ledger lives on the load balancer's own objects
 * (AWS target-group tags, the local state file), creating and deleting a mapping creates and removes its entry;
 * `assign` then confirms (and repairs) the entry, and `release` finds nothing left to do.
 */
export interface PortLedger {
  /** Every entry of the spec's cluster (entries of other clusters never), sorted by port. */
  read(spec: ClusterSpec): Promise<LedgerEntry[]>;
  record(spec: ClusterSpec, change: LedgerChange): Promise<void>;
}

/**
 * A load balancer change still running at the cloud: an Alibaba NLB job (JobId → GetJobStatus), a Compute
 * long-running operation (its name; poll until DONE, then read its error), a local ledger version the daemon does not
 * serve yet. It travels through the state machine between polls, so it is plain JSON: no object, no secret.
 */
export interface LbOperation {
  /** The provider's operation id: JobId, operation name, ledger version. */
  id: string;
  /** What a poll needs besides the id (Compute: region or zone; local: since when), provider-defined, strings only. */
  scope?: Readonly<Record<string, string>>;
}

/** What `start` did: the action is in effect, or it waits for an operation. */
export type LbProgress = { state: 'done' } | { state: 'pending'; operation: LbOperation };

export type LbOperationStatus =
  | { state: 'running' }
  /** The operation finished and the action is in effect. */
  | { state: 'done' }
  /** The operation finished but the action needs another one (Alibaba: the listener after the server group). */
  | { state: 'continue' }
  /** The cloud reports that the operation failed (Compute `error`, Alibaba job `Failed`): a person must look. */
  | { state: 'failed'; message: string; code?: string };

/** The load balancer behind the ledger's ports: what each port forwards to, and which consumer ports are open. */
export interface ObservedPorts {
  /** One element per ledger port the load balancer serves; a port it does not serve (yet) is absent. */
  ports: { port: number; targets: ObservedTarget[]; resourceIds?: Readonly<Record<string, string>> }[];
  /** Consumer-side ports currently open to the consumer CIDRs (security group / firewall). */
  openPorts: number[];
  /** Zones the load balancer serves, when it routes per zone (see ObservedLoadBalancer.zones). */
  zones?: string[];
}

/**
 * A load balancer whose changes are started and then polled, like the command channel: `start` either completes an
 * action or returns an operation; the orchestrator waits (Wait + Choice) and calls `poll`; no function sleeps.
 * When a poll says `continue`, the step calls `start` with the same action again, and the adapter starts the next
 * operation of that action (it re-reads the cloud, so it never trusts a step it did not see finish).
 */
export interface LoadBalancer {
  /** The load balancer at the ports of these ledger entries (read just before from the ledger). */
  observe(spec: ClusterSpec, ledger: readonly LedgerEntry[]): Promise<ObservedPorts>;
  /**
   * Starts one action, or completes it. Idempotent: starting an action already in effect changes nothing and
   * returns done. The ledger part of the action (`ledgerChangeOf`) is recorded by the step, after the action is done.
   */
  start(spec: ClusterSpec, action: LbAction): Promise<LbProgress>;
  poll(spec: ClusterSpec, operation: LbOperation): Promise<LbOperationStatus>;
  /** The host consumers' traffic reaches the load balancer at (NLB DNS name, loopback address, ...). */
  consumerAddress(spec: ClusterSpec): Promise<string>;
  /**
   * Ensures the private-link service consumers connect to (AWS: the VPC endpoint service of the NLB, with the
   * spec's allowed principals) and returns what they enter; null when the spec does not ask for one. Idempotent.
   */
  ensureConsumerEndpoint?(spec: ClusterSpec): Promise<ConsumerEndpoint | null>;
  /**
   * Where to dial the load balancer per zone, for a load balancer whose nodes route only within their own zone
   * (AWS NLB without cross-zone load balancing). Absent: `consumerAddress` reaches every target from anywhere.
   */
  consumerRoutes?(spec: ClusterSpec): Promise<ConsumerRoutes>;
}

export interface ConsumerRoutes {
  /** Every zone's address: each bootstrap port is verified through each of them. */
  bootstrap: string[];
  /** Zone (id or name, as brokers carry it) → the address of the load balancer's node in that zone. */
  byZone: Record<string, string>;
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

/**
 * Who holds a cluster lock, recorded so that a person — and brokerlink — can check whether it still runs: a local
 * run is a process on a host (pid, and its start time against pid reuse), a cloud run an execution whose status
 * the cloud reports (AWS: the Step Functions execution ARN the owner is).
 */
export interface LockHolder {
  /** The execution id the workflow passes (`$$.Execution.Id`, `local:provision:<uuid>`). */
  owner: string;
  acquiredAt: string;
  expiresAt: string;
  /** Fencing token: the lock's acquisition count; a renewal by the holder keeps it, any new acquisition raises it. */
  generation: number;
  /** A local run: the process that took the lock. */
  process?: { host: string; pid: number };
}

/**
 * A lock's holder and what is known of it: `running` (seen running just now), `gone` (the process does not exist,
 * the execution has ended: the lock is abandoned) or `unknown` (cannot be told from here: another host, no access).
 */
export interface LockStatus {
  holder: LockHolder;
  state: 'running' | 'gone' | 'unknown';
  /** The lease ran out: anyone may take the lock. */
  expired: boolean;
  /** How the state was found, for a person: "process 4242 on build-1 is running", "execution … is SUCCEEDED". */
  detail: string;
}

export type LockResult =
  | {
      acquired: true;
      owner: string;
      expiresAt: string;
      generation: number;
      /** The lock was taken over from a holder that was gone or expired (logged by the step). */
      tookOver?: LockStatus;
    }
  | { acquired: false; holder: string; expiresAt: string; status: LockStatus };

/**
 * One execution per cluster at a time. An expired lock, or one whose holder is gone, may be taken over; each
 * acquisition has a new `generation`, which mutating steps check (fencing) so a run that lost its lock stops.
 */
export interface ClusterLock {
  acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult>;
  /** Releases only if `owner` still holds it; releasing a lock one does not hold is a no-op. */
  release(cluster: string, owner: string): Promise<void>;
  /** The current holder, expired or not; undefined when the lock is free. Reads the lock only (the fence check). */
  holder(cluster: string): Promise<LockHolder | undefined>;
  /** The current holder and whether it still runs (may ask the cloud about the holder's execution). */
  status(cluster: string): Promise<LockStatus | undefined>;
  /**
   * Removes the lock (`brokerlink unlock`): with `force` whoever holds it, otherwise only a holder that is gone or
   * expired. Returns the status it found and whether it removed the lock.
   */
  clear(cluster: string, options: { force: boolean }): Promise<{ cleared: boolean; status?: LockStatus }>;
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
