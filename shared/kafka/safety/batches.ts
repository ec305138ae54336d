import type { ClusterSnapshot, NodeRole } from '../snapshot.ts';
import { canRoll } from './can-roll.ts';
import { minIsrApplies, partitionCapacity, quorumCapacity } from './capacity.ts';
import { ids, partitionName } from './format.ts';
import { DEFAULT_SEARCH_BUDGET, largestSafeSubset } from './largest-safe-subset.ts';
import type { RestartPhases } from './order.ts';
import { ROLL_POLICY } from './policy.ts';
import { assertNodeId } from './roles.ts';

/*
 * The batched roll (`rollout.batch: rack`), docs/rolling-restart.md §8: brokers that need a restart are
 * grouped by rack within each phase of `restartPhases` (controllers, broker-only nodes, the active controller), and
 * each rack group is split into batches, largest safe subset first. `rackTopology` reduces a snapshot to what that
 * needs — each node's rack, the nodes that may not restart even alone now, and the capacity constraints that bind
 * inside a rack — a summary small enough to travel in the observed state (a rack-aware cluster has none at all).
 * The roll's gate (`canRollBatch`) re-decides every batch on the live snapshot before it restarts.
 */

/** What a constraint protects, for the sentence that explains a split. */
export type ConstraintWitness =
  | {
      kind: 'partition';
      /** The first partition (by topic name, then index) with this constraint. */
      partition: string;
      replicas: number[];
      isr: number[];
      minIsr: number;
      /** B1 (replicas > min ISR ≥ 1) or B2 (at most one in-sync replica per batch). */
      rule: 'min-isr' | 'one-replica';
      /** Other partitions with the same constraint. */
      alike: number;
    }
  | { kind: 'quorum'; voters: number[]; caughtUp: number[]; needed: number };

/** At most `capacity` of `members` (nodes of one rack) may be down at once (rules B1–B3). */
export interface BatchConstraint {
  rack: string;
  members: number[];
  capacity: number;
  witness: ConstraintWitness;
}

export interface RackTopology {
  /** Rack of each node that has one: its running `broker.rack`, else its discovered zone. Keys are node ids. */
  racks: Record<string, string>;
  /** Nodes `canRoll` refuses even alone right now, with its first reason: each restarts alone, after its rack. */
  blocked: Record<string, string>;
  /** Only constraints that bind within a rack: |members| > capacity ≥ 1. */
  constraints: BatchConstraint[];
}

export interface RackTopologyOptions {
  /** The nodes that may be batched (those needing a restart; at discovery, every broker). */
  nodes: readonly number[];
  /** Discovered zone per node id (azId, else az), used when a node reports no `broker.rack`. */
  zones?: Readonly<Record<string, string>>;
  nodeRoles?: Readonly<Record<number, readonly NodeRole[]>>;
  controllerQuorumFetchTimeoutMs?: number;
}

/**
 * The discovered zone of each broker (the zone id where the cloud has one, else the zone name), keyed by node id:
 * a broker's rack when it reports no `broker.rack`.
 */
export function zonesOf(brokers: readonly { id: number; az?: string; azId?: string }[]): Record<string, string> {
  const zones: Record<string, string> = {};
  for (const b of brokers) {
    const zone = b.azId ?? b.az;
    if (zone !== undefined && zone.trim() !== '') zones[String(b.id)] = zone;
  }
  return zones;
}

/**
 * The snapshot reduced to what batching needs (docs/rolling-restart.md §8.4, Lemma 3): each node's rack, the nodes
 * `canRoll` refuses alone, and the capacity constraints that bind inside a rack, deduplicated with a witness each.
 */
export function rackTopology(snapshot: ClusterSnapshot, options: RackTopologyOptions): RackTopology {
  const nodes = [...new Set(options.nodes)].sort((a, b) => a - b);
  for (const id of nodes) assertNodeId(id, 'node');
  const running = new Map(snapshot.brokers.map((b) => [b.id, b.rack?.trim() ?? '']));
  const racks: Record<string, string> = {};
  for (const id of nodes) {
    const rack = running.get(id) || options.zones?.[String(id)]?.trim() || '';
    if (rack !== '') racks[String(id)] = rack;
  }
  const rackOf = (id: number): string | undefined => racks[String(id)];

  const blocked: Record<string, string> = {};
  for (const id of nodes) {
    const verdict = canRoll(id, snapshot, {
      ...(options.nodeRoles ? { nodeRoles: options.nodeRoles } : {}),
      ...(options.controllerQuorumFetchTimeoutMs !== undefined
        ? { controllerQuorumFetchTimeoutMs: options.controllerQuorumFetchTimeoutMs }
        : {}),
    });
    if (!verdict.ok) {
      const more = verdict.reasons.length - 1;
      blocked[String(id)] =
        `${verdict.reasons[0]}${more > 0 ? ` (and ${more} more reason${more === 1 ? '' : 's'})` : ''}`;
    }
  }

  const constraints = new Map<string, BatchConstraint>();
  const add = (rack: string, members: number[], capacity: number, witness: () => ConstraintWitness) => {
    const key = `${rack}\u0000${members.join(',')}\u0000${capacity}`;
    const known = constraints.get(key);
    if (known) {
      if (known.witness.kind === 'partition') known.witness.alike += 1;
      return;
    }
    constraints.set(key, { rack, members, capacity, witness: witness() });
  };
  const byRack = (members: readonly number[]) => {
    const groups = new Map<string, number[]>();
    for (const id of [...new Set(members)].sort((a, b) => a - b)) {
      const rack = rackOf(id);
      if (rack !== undefined) groups.set(rack, [...(groups.get(rack) ?? []), id]);
    }
    return groups;
  };

  const topics = [...snapshot.topics].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const topic of topics) {
    for (const p of [...topic.partitions].sort((a, b) => a.index - b.index)) {
      const capacity = partitionCapacity(topic, p);
      if (capacity < 1) continue; // its in-sync replicas are refused alone (blocked)
      for (const [rack, members] of byRack(p.isr)) {
        if (members.length <= capacity) continue;
        add(rack, members, capacity, () => ({
          kind: 'partition',
          partition: partitionName(topic, p),
          replicas: [...p.replicas],
          isr: [...p.isr],
          minIsr: topic.minInsyncReplicas,
          rule: minIsrApplies(topic, p) ? 'min-isr' : 'one-replica',
          alike: 0,
        }));
      }
    }
  }
  if (snapshot.quorum) {
    const quorum = quorumCapacity(
      snapshot.quorum,
      options.controllerQuorumFetchTimeoutMs ?? ROLL_POLICY.controllerQuorumFetchTimeoutMs,
    );
    if (quorum.kind === 'majority' && quorum.capacity >= 1) {
      for (const [rack, members] of byRack(quorum.caughtUp)) {
        if (members.length <= quorum.capacity) continue;
        add(rack, members, quorum.capacity, () => ({
          kind: 'quorum',
          voters: quorum.voters,
          caughtUp: quorum.caughtUp,
          needed: quorum.needed,
        }));
      }
    }
  }
  return { racks, blocked, constraints: [...constraints.values()] };
}

export type BatchPhase = 'controllers' | 'brokers' | 'active-controller';

export interface RestartBatch {
  phase: BatchPhase;
  /** The rack of every broker of the batch; null for a broker whose rack is unknown (it restarts alone). */
  rack: string | null;
  brokers: number[];
  /** Brokers of the same rack and phase left for a later batch, each with the constraint it would break here. */
  deferred: { broker: number; reason: string }[];
  /** Set when the batch's one broker may not restart even alone now: the roll's gate waits for it. */
  blocked?: string;
  /** False when the search ran out of budget: the batch is safe and maximal but maybe not the largest. */
  largest: boolean;
  /** Anything else a reader of the plan should know about this batch. */
  note?: string;
}

export interface RestartBatchesInput {
  phases: RestartPhases;
  topology: RackTopology;
  /** Search nodes per rack group split (see largestSafeSubset). */
  searchBudget?: number;
}

/**
 * The batches of a rack-batched roll, in order (docs/rolling-restart.md §8.5):
 * 1. phases as `restartPhases` gives them (controllers, broker-only nodes, the active controller alone and last);
 *    a batch never spans two phases;
 * 2. within a phase, brokers grouped by rack, groups in the order of their first broker (so a rack with a broker
 *    that is down comes first); a broker with no known rack is a group of its own;
 * 3. each group: the brokers `canRoll` refuses alone now are set aside; of the rest, the largest subset that keeps
 *    every constraint of its rack is the next batch, then the largest of what remains, and so on; the set-aside
 *    brokers follow, one per batch (the gate waits for each).
 * A group that is safe as a whole is one batch. Pure and deterministic.
 */
export function restartBatches(input: RestartBatchesInput): RestartBatch[] {
  const { topology } = input;
  const budget = input.searchBudget ?? DEFAULT_SEARCH_BUDGET;
  const batches: RestartBatch[] = [];
  const phases: [BatchPhase, readonly number[]][] = [
    ['controllers', input.phases.controllers],
    ['brokers', input.phases.brokers],
    ['active-controller', input.phases.active],
  ];
  for (const [phase, members] of phases) {
    const groups = new Map<string, number[]>();
    const alone: number[][] = [];
    const groupOrder: (string | number[])[] = [];
    for (const id of members) {
      const rack = topology.racks[String(id)];
      if (rack === undefined) {
        const single = [id];
        alone.push(single);
        groupOrder.push(single);
        continue;
      }
      if (!groups.has(rack)) {
        groups.set(rack, []);
        groupOrder.push(rack);
      }
      groups.get(rack)!.push(id);
    }
    for (const group of groupOrder) {
      if (typeof group !== 'string') {
        const id = group[0]!;
        const blocked = topology.blocked[String(id)];
        batches.push({
          phase,
          rack: null,
          brokers: [id],
          deferred: [],
          ...(blocked !== undefined ? { blocked } : {}),
          largest: true,
        });
        continue;
      }
      batches.push(...splitRack(phase, group, groups.get(group)!, topology, budget));
    }
  }
  return batches;
}

function splitRack(
  phase: BatchPhase,
  rack: string,
  members: readonly number[],
  topology: RackTopology,
  budget: number,
): RestartBatch[] {
  const constraints = topology.constraints.filter((c) => c.rack === rack);
  const setAside = members.filter((id) => topology.blocked[String(id)] !== undefined);
  let rest = members.filter((id) => topology.blocked[String(id)] === undefined);
  const out: RestartBatch[] = [];
  while (rest.length > 0) {
    const { chosen, exact } = largestSafeSubset(rest, constraints, budget);
    const inBatch = new Set(chosen);
    const left = rest.filter((id) => !inBatch.has(id));
    out.push({
      phase,
      rack,
      brokers: [...chosen].sort((a, b) => a - b),
      deferred: left.map((broker) => ({ broker, reason: whyDeferred(broker, chosen, constraints) })),
      largest: exact,
    });
    rest = left;
  }
  for (const id of setAside) {
    out.push({ phase, rack, brokers: [id], deferred: [], blocked: topology.blocked[String(id)]!, largest: true });
  }
  return out;
}

/** The sentence naming the constraint `broker` would break in the batch `chosen` (one exists: the batch is maximal). */
export function whyDeferred(
  broker: number,
  chosen: readonly number[],
  constraints: readonly BatchConstraint[],
): string {
  const inBatch = new Set(chosen);
  for (const c of constraints) {
    if (!c.members.includes(broker)) continue;
    const already = c.members.filter((id) => inBatch.has(id));
    if (already.length < c.capacity) continue;
    const down = [...already, broker].sort((a, b) => a - b);
    const w = c.witness;
    if (w.kind === 'quorum') {
      return `broker ${broker} goes in a later batch: with controllers ${ids(down)} down together only ${w.caughtUp.length - down.length} of ${w.voters.length} KRaft voters would stay caught up; a majority (${w.needed}) is needed`;
    }
    const alike = w.alike > 0 ? ` (and ${w.alike} more partition${w.alike === 1 ? '' : 's'} alike)` : '';
    if (w.rule === 'one-replica') {
      return `broker ${broker} goes in a later batch: ${w.partition} has ${w.replicas.length} replica${w.replicas.length === 1 ? '' : 's'} ${ids(w.replicas)} and min.insync.replicas ${w.minIsr >= 1 ? w.minIsr : 'unknown'}, so a batch takes at most one of its in-sync replicas ${ids(w.isr)}, and ${ids(already)} ${already.length === 1 ? 'is' : 'are'} in this one${alike}`;
    }
    const stays = w.isr.filter((id) => !down.includes(id));
    return `broker ${broker} goes in a later batch: ${w.partition} (replicas ${ids(w.replicas)}, ISR ${ids(w.isr)}, min.insync.replicas ${w.minIsr}) would keep only ${ids(stays)} in sync with ${ids(down)} down together${alike}`;
  }
  return `broker ${broker} goes in a later batch`;
}
