/**
 * TEST FAKE — a stateful, in-process model of a Kafka cluster's controller state, shared by the test brokers of
 * one process (no real Kafka can run here). It keeps what a real controller keeps and what the brokers answer
 * from: live (registered) brokers with their advertised endpoints, topics with partitions (leader, leader epoch,
 * replicas, ISR, offline replicas), topic `min.insync.replicas`, the KRaft quorum (voters, leader, epoch, high
 * watermark) or the ZooKeeper-mode controller, and one in-memory log per partition for produce/consume smoke tests.
 *
 * Behaviour follows Kafka's: a broker that stops is fenced — it leaves the live set and every ISR (unless it was the
 * last ISR member: then the partition goes leaderless and keeps it, as with unclean election disabled), leadership
 * moves to another ISR member; a broker that comes back is registered at once and rejoins the ISRs of partitions it
 * replicates after `catchUpDelayMs` (its log catching up); a leaderless partition whose ISR member returns gets it
 * as leader. Control hooks let tests shape states a real cluster reaches only with effort.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ClusterSnapshot } from '../../shared/kafka/snapshot.ts';
import { ClusterStateInvalid, WaitTimedOut } from './errors.ts';
import type { ProcessRole } from './properties.ts';

export interface Endpoint {
  host: string;
  port: number;
}

export interface BrokerRegistration {
  nodeId: number;
  rack: string | null;
  roles: readonly ProcessRole[];
  /** Advertised endpoint per (normalised) listener name, broker listeners only. */
  endpoints: ReadonlyMap<string, Endpoint>;
  /** Endpoints of controller listeners (KRaft voters), reported by DescribeQuorum v2. */
  controllerEndpoints: ReadonlyMap<string, Endpoint>;
}

export interface StoredBatch {
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
  bytes: Buffer;
}

export interface PartitionState {
  index: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  log: StoredBatch[];
  logEndOffset: bigint;
}

export interface TopicState {
  name: string;
  topicId: string;
  /** Topic-level override of min.insync.replicas, or null to use the cluster default. */
  minInsyncReplicas: number | null;
  isInternal: boolean;
  partitions: PartitionState[];
}

export interface VoterState {
  nodeId: number;
  directoryId: string;
  controllerEndpoints: ReadonlyMap<string, Endpoint>;
  logEndOffset: bigint;
  lastFetchTimestamp: bigint;
  lastCaughtUpTimestamp: bigint;
}

export interface QuorumState {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: bigint;
  voters: VoterState[];
  observers: { nodeId: number; logEndOffset: bigint; lastFetchTimestamp: bigint; lastCaughtUpTimestamp: bigint }[];
}

export interface TestClusterOptions {
  clusterId?: string;
  /** Delay before a returning broker rejoins the ISRs of its partitions (0 = at registration). */
  catchUpDelayMs?: number;
  /** Cluster-wide default for min.insync.replicas (topics may override). */
  defaultMinInsyncReplicas?: number;
}

export type ClusterEvent = 'change' | 'append';

/** Kafka-style cluster id: 16 random bytes, URL-safe base64 without padding. */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

export class TestCluster {
  readonly clusterId: string;
  catchUpDelayMs: number;
  defaultMinInsyncReplicas: number;
  private readonly live = new Map<number, BrokerRegistration>();
  private readonly known = new Map<number, BrokerRegistration>();
  private readonly topicsByName = new Map<string, TopicState>();
  private readonly recovering = new Set<number>();
  private readonly failNext = new Map<number, string>();
  private readonly unhealthy = new Set<number>();
  private readonly catchUpTimers = new Map<number, NodeJS.Timeout>();
  private readonly voters = new Map<number, VoterState>();
  private readonly events = new EventEmitter();
  private quorumLeader = -1;
  private quorumEpoch = 0;
  private metadataOffset = 0n;
  private zkController = -1;
  private preferredController: number | null = null;

  constructor(options: TestClusterOptions = {}) {
    this.clusterId = options.clusterId ?? newClusterId();
    this.catchUpDelayMs = options.catchUpDelayMs ?? 0;
    this.defaultMinInsyncReplicas = options.defaultMinInsyncReplicas ?? 1;
    this.events.setMaxListeners(0);
  }

  // ---- observation ---------------------------------------------------------------------------------------------

  /** Live brokers (broker role, registered), sorted by id. */
  liveBrokers(): BrokerRegistration[] {
    return [...this.live.values()].filter((b) => b.roles.length === 0 || b.roles.includes('broker')).sort(byId);
  }

  isLive(nodeId: number): boolean {
    return this.live.has(nodeId);
  }

  /** KRaft when any node that ever registered has process.roles. */
  get kraft(): boolean {
    for (const b of this.known.values()) if (b.roles.length > 0) return true;
    return false;
  }

  topics(): TopicState[] {
    return [...this.topicsByName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  topic(name: string): TopicState | undefined {
    return this.topicsByName.get(name);
  }

  effectiveMinInsyncReplicas(topic: TopicState): number {
    return topic.minInsyncReplicas ?? this.defaultMinInsyncReplicas;
  }

  offlineReplicas(p: PartitionState): number[] {
    return p.replicas.filter((r) => !this.live.has(r));
  }

  /** Active controller: the KRaft quorum leader, or the ZooKeeper-mode controller broker; -1 if none. */
  activeControllerId(): number {
    return this.kraft ? this.quorumLeader : this.zkController;
  }

  /** What Metadata/DescribeCluster report as controller id: KRaft brokers report a random live broker. */
  reportedControllerId(): number {
    if (!this.kraft) return this.zkController;
    const live = this.liveBrokers();
    if (live.length === 0) return -1;
    return live[Math.floor(Math.random() * live.length)]!.nodeId;
  }

  quorum(): QuorumState {
    const now = BigInt(Date.now());
    const voters = [...this.voters.values()].sort(byNodeId).map((v) => ({ ...v }));
    for (const v of voters) {
      if (this.live.has(v.nodeId) && !this.catchUpTimers.has(v.nodeId)) {
        v.logEndOffset = this.metadataOffset;
        v.lastFetchTimestamp = now;
        v.lastCaughtUpTimestamp = now;
      }
    }
    const observers = this.liveBrokers()
      .filter((b) => !this.voters.has(b.nodeId))
      .map((b) => ({
        nodeId: b.nodeId,
        logEndOffset: this.metadataOffset,
        lastFetchTimestamp: now,
        lastCaughtUpTimestamp: now,
      }));
    return {
      leaderId: this.quorumLeader,
      leaderEpoch: this.quorumEpoch,
      highWatermark: this.metadataOffset,
      voters,
      observers,
    };
  }

  isRecovering(nodeId: number): boolean {
    return this.recovering.has(nodeId);
  }

  /** True when the broker is live and in the ISR of every partition it replicates. */
  inAllIsrs(nodeId: number): boolean {
    if (!this.live.has(nodeId)) return false;
    for (const t of this.topicsByName.values()) {
      for (const p of t.partitions) if (p.replicas.includes(nodeId) && !p.isr.includes(nodeId)) return false;
    }
    return true;
  }

  /** The cluster in the shape the rolling-restart gates read (shared/kafka/snapshot.ts). */
  snapshot(): ClusterSnapshot {
    const q = this.quorum();
    const nodeRoles: Record<number, ('broker' | 'controller')[]> = {};
    for (const b of this.known.values()) if (b.roles.length > 0) nodeRoles[b.nodeId] = [...b.roles];
    return {
      brokers: this.liveBrokers().map((b) => ({ id: b.nodeId, rack: b.rack })),
      controllerId: this.activeControllerId(),
      quorum: this.kraft
        ? {
            leaderId: q.leaderId,
            leaderEpoch: q.leaderEpoch,
            highWatermark: Number(q.highWatermark),
            voters: q.voters.map((v) => ({
              id: v.nodeId,
              logEndOffset: Number(v.logEndOffset),
              lastCaughtUpTimestamp: Number(v.lastCaughtUpTimestamp),
            })),
            observers: q.observers.map((o) => ({
              id: o.nodeId,
              logEndOffset: Number(o.logEndOffset),
              lastCaughtUpTimestamp: Number(o.lastCaughtUpTimestamp),
            })),
          }
        : null,
      nodeRoles,
      topics: this.topics().map((t) => ({
        name: t.name,
        minInsyncReplicas: this.effectiveMinInsyncReplicas(t),
        partitions: t.partitions.map((p) => ({
          index: p.index,
          leader: p.leader,
          replicas: [...p.replicas],
          isr: [...p.isr],
          offline: this.offlineReplicas(p),
        })),
      })),
      recoveringBrokers: [...this.recovering].sort((a, b) => a - b),
    };
  }

  on(event: ClusterEvent, listener: () => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  /** Resolves once `predicate` holds (checked now and after every cluster change); rejects after timeoutMs. */
  waitFor(
    predicate: (cluster: TestCluster) => boolean,
    options: { timeoutMs?: number; what?: string } = {},
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.on('change', () => {
        if (predicate(this)) {
          cleanup();
          resolve();
        }
      });
      const timer = setTimeout(() => {
        cleanup();
        reject(new WaitTimedOut(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'cluster condition'}`));
      }, timeoutMs);
      const cleanup = () => {
        off();
        clearTimeout(timer);
      };
    });
  }

  // ---- control hooks -------------------------------------------------------------------------------------------

  /**
   * Creates a topic. `partitions` is a count (replicas assigned round-robin over the live brokers, `replicationFactor`
   * each) or an explicit replica assignment per partition (first replica = preferred leader).
   */
  createTopic(
    name: string,
    partitions: number | readonly (readonly number[])[],
    options: { replicationFactor?: number; minInsyncReplicas?: number; isInternal?: boolean } = {},
  ): TopicState {
    if (this.topicsByName.has(name)) throw new ClusterStateInvalid(`topic ${name} already exists`);
    let assignment: number[][];
    if (typeof partitions === 'number') {
      const brokers = this.liveBrokers().map((b) => b.nodeId);
      const rf = options.replicationFactor ?? Math.min(3, brokers.length);
      if (partitions < 1) throw new ClusterStateInvalid('a topic needs at least one partition');
      if (rf < 1 || rf > brokers.length) {
        throw new ClusterStateInvalid(
          `replication factor ${rf} needs that many live brokers, ${brokers.length} are live (start brokers first or pass an assignment)`,
        );
      }
      assignment = Array.from({ length: partitions }, (_, p) =>
        Array.from({ length: rf }, (_, j) => brokers[(p + j) % brokers.length]!),
      );
    } else {
      assignment = partitions.map((r) => [...r]);
      if (assignment.length === 0) throw new ClusterStateInvalid('a topic needs at least one partition');
    }
    const topic: TopicState = {
      name,
      topicId: randomUUID().replace(/-/g, ''),
      minInsyncReplicas: options.minInsyncReplicas ?? null,
      isInternal: options.isInternal ?? false,
      partitions: assignment.map((replicas, index) => {
        const isr = replicas.filter((r) => this.live.has(r));
        return {
          index,
          leader: isr[0] ?? -1,
          leaderEpoch: 0,
          replicas,
          isr: isr.length > 0 ? isr : [...replicas],
          log: [],
          logEndOffset: 0n,
        };
      }),
    };
    this.topicsByName.set(name, topic);
    this.changed();
    return topic;
  }

  deleteTopic(name: string): void {
    if (!this.topicsByName.delete(name)) throw new ClusterStateInvalid(`topic ${name} does not exist`);
    this.changed();
  }

  setTopicMinInsyncReplicas(name: string, value: number | null): void {
    this.requireTopic(name).minInsyncReplicas = value;
    this.changed();
  }

  /** Sets a partition's ISR (any subset of its replicas); leadership moves if the leader left the ISR. */
  shrinkIsr(topic: string, partition: number, isr: readonly number[]): void {
    const p = this.requirePartition(topic, partition);
    for (const r of isr) {
      if (!p.replicas.includes(r))
        throw new ClusterStateInvalid(`broker ${r} is not a replica of ${topic}-${partition}`);
    }
    p.isr = p.replicas.filter((r) => isr.includes(r));
    if (!p.isr.includes(p.leader)) this.elect(p);
    this.changed();
  }

  setRecovering(nodeId: number, recovering: boolean): void {
    if (recovering) this.recovering.add(nodeId);
    else this.recovering.delete(nodeId);
    this.changed();
  }

  /** The next start of this broker fails (its process exits): start() rejects, ports stay closed. */
  failNextStart(nodeId: number, reason = 'injected start failure'): void {
    this.failNext.set(nodeId, reason);
  }

  /** The broker process starts and binds its ports, but never registers with the cluster (until cleared). */
  neverHealthy(nodeId: number, never = true): void {
    if (never) this.unhealthy.add(nodeId);
    else this.unhealthy.delete(nodeId);
  }

  /** Prefer this node as active controller (KRaft quorum leader or ZooKeeper controller) when it is live. */
  setActiveController(nodeId: number | null): void {
    this.preferredController = nodeId;
    this.electController();
    this.changed();
  }

  // ---- used by test brokers ------------------------------------------------------------------------------------

  /** Consumes a pending failNextStart for this broker; returns its reason or null. */
  takeStartFailure(nodeId: number): string | null {
    const reason = this.failNext.get(nodeId);
    if (reason === undefined) return null;
    this.failNext.delete(nodeId);
    return reason;
  }

  /** Registers a started broker. Returns false when the cluster was told the broker never becomes healthy. */
  register(reg: BrokerRegistration): boolean {
    if (this.unhealthy.has(reg.nodeId)) return false;
    const other = this.live.get(reg.nodeId);
    if (other && other !== reg) throw new ClusterStateInvalid(`node id ${reg.nodeId} is already registered`);
    this.live.set(reg.nodeId, reg);
    this.known.set(reg.nodeId, reg);
    if (reg.roles.includes('controller')) {
      const existing = this.voters.get(reg.nodeId);
      this.voters.set(reg.nodeId, {
        nodeId: reg.nodeId,
        directoryId: existing?.directoryId ?? randomUUID().replace(/-/g, ''),
        controllerEndpoints: reg.controllerEndpoints,
        logEndOffset: existing?.logEndOffset ?? 0n,
        lastFetchTimestamp: existing?.lastFetchTimestamp ?? -1n,
        lastCaughtUpTimestamp: existing?.lastCaughtUpTimestamp ?? -1n,
      });
    }
    this.electController();
    // A leaderless partition whose last ISR member returns gets it back as leader at once.
    for (const t of this.topicsByName.values()) {
      for (const p of t.partitions) if (p.leader === -1 && p.isr.includes(reg.nodeId)) this.elect(p);
    }
    const rejoin = () => {
      this.catchUpTimers.delete(reg.nodeId);
      if (this.live.get(reg.nodeId) !== reg) return;
      for (const t of this.topicsByName.values()) {
        for (const p of t.partitions) {
          if (p.replicas.includes(reg.nodeId) && !p.isr.includes(reg.nodeId)) {
            p.isr = p.replicas.filter((r) => r === reg.nodeId || p.isr.includes(r));
            if (p.leader === -1) this.elect(p);
          }
        }
      }
      this.changed();
    };
    if (this.catchUpDelayMs > 0) {
      this.catchUpTimers.set(reg.nodeId, setTimeout(rejoin, this.catchUpDelayMs));
    } else {
      rejoin();
    }
    this.changed();
    return true;
  }

  /** Fences a stopped broker: out of the live set, out of ISRs, leadership moves. */
  unregister(nodeId: number): void {
    if (!this.live.delete(nodeId)) return;
    const timer = this.catchUpTimers.get(nodeId);
    if (timer) clearTimeout(timer);
    this.catchUpTimers.delete(nodeId);
    const voter = this.voters.get(nodeId);
    if (voter) {
      voter.logEndOffset = this.metadataOffset;
      voter.lastFetchTimestamp = BigInt(Date.now());
      voter.lastCaughtUpTimestamp = BigInt(Date.now());
    }
    for (const t of this.topicsByName.values()) {
      for (const p of t.partitions) {
        if (!p.replicas.includes(nodeId)) continue;
        if (p.isr.includes(nodeId) && p.isr.length > 1) p.isr = p.isr.filter((r) => r !== nodeId);
        if (p.leader === nodeId) this.elect(p);
      }
    }
    this.electController();
    this.changed();
  }

  /** Appends producer record batches (magic v2) to a partition's log; returns the base offset given. */
  append(p: PartitionState, records: Buffer): bigint {
    const base = p.logEndOffset;
    let pos = 0;
    const batches: StoredBatch[] = [];
    let next = base;
    while (pos + 61 <= records.length) {
      const size = 12 + records.readInt32BE(pos + 8);
      if (pos + size > records.length) break;
      const bytes = Buffer.from(records.subarray(pos, pos + size));
      if (bytes.readInt8(16) !== 2) throw new ClusterStateInvalid('only record batches of magic 2 are supported');
      const lastOffsetDelta = bytes.readInt32BE(23);
      bytes.writeBigInt64BE(next, 0);
      bytes.writeInt32BE(p.leaderEpoch, 12);
      batches.push({
        baseOffset: next,
        lastOffset: next + BigInt(lastOffsetDelta),
        maxTimestamp: bytes.readBigInt64BE(35),
        bytes,
      });
      next += BigInt(lastOffsetDelta) + 1n;
      pos += size;
    }
    if (batches.length === 0) throw new ClusterStateInvalid('no complete record batch in produce request');
    p.log.push(...batches);
    p.logEndOffset = next;
    this.events.emit('append');
    return base;
  }

  /** Record batches holding offsets >= fetchOffset, at least one batch, then up to maxBytes. */
  read(p: PartitionState, fetchOffset: bigint, maxBytes: number): Buffer {
    const out: Buffer[] = [];
    let size = 0;
    for (const b of p.log) {
      if (b.lastOffset < fetchOffset) continue;
      if (out.length > 0 && size + b.bytes.length > maxBytes) break;
      out.push(b.bytes);
      size += b.bytes.length;
    }
    return Buffer.concat(out);
  }

  /** Stops catch-up timers; call at the end of a test. */
  close(): void {
    for (const t of this.catchUpTimers.values()) clearTimeout(t);
    this.catchUpTimers.clear();
    this.events.removeAllListeners();
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  private requireTopic(name: string): TopicState {
    const t = this.topicsByName.get(name);
    if (!t) throw new ClusterStateInvalid(`topic ${name} does not exist`);
    return t;
  }

  private requirePartition(topic: string, partition: number): PartitionState {
    const p = this.requireTopic(topic).partitions[partition];
    if (!p) throw new ClusterStateInvalid(`topic ${topic} has no partition ${partition}`);
    return p;
  }

  private elect(p: PartitionState): void {
    const preferred = p.replicas.find((r) => p.isr.includes(r) && this.live.has(r));
    const leader = preferred ?? -1;
    if (leader !== p.leader) {
      p.leader = leader;
      p.leaderEpoch += 1;
    }
  }

  private electController(): void {
    if (this.kraft) {
      const liveVoters = [...this.voters.keys()].filter((id) => this.live.has(id)).sort((a, b) => a - b);
      let leader = this.live.has(this.quorumLeader) && this.voters.has(this.quorumLeader) ? this.quorumLeader : -1;
      if (this.preferredController !== null && liveVoters.includes(this.preferredController)) {
        leader = this.preferredController;
      }
      if (leader === -1) leader = liveVoters[0] ?? -1;
      if (leader !== this.quorumLeader) {
        this.quorumLeader = leader;
        if (leader !== -1) this.quorumEpoch += 1;
      }
    } else {
      const live = this.liveBrokers().map((b) => b.nodeId);
      let c = live.includes(this.zkController) ? this.zkController : -1;
      if (this.preferredController !== null && live.includes(this.preferredController)) c = this.preferredController;
      this.zkController = c === -1 ? (live[0] ?? -1) : c;
    }
  }

  private changed(): void {
    this.metadataOffset += 1n;
    this.events.emit('change');
  }
}

function byId(a: BrokerRegistration, b: BrokerRegistration): number {
  return a.nodeId - b.nodeId;
}

function byNodeId(a: { nodeId: number }, b: { nodeId: number }): number {
  return a.nodeId - b.nodeId;
}
