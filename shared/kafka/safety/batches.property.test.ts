/**
 * The claims of docs/rolling-restart.md §8 (Lemmas 1–3, Theorem 1, M1–M4), property-tested on random clusters: partition layouts (1–4
 * replicas anywhere, so rack-aware and not), 1–3 racks (some brokers with none), replication factors, min ISR 0–3
 * (0: unknown), ISR states (any subset, leaderless partitions), down brokers, KRaft quorums of 1–5 voters with
 * lagging and unknown voters, explicit and inferred roles.
 *
 * "Safe" below is written from the definition, independently of the capacity arithmetic the code uses: take the
 * batch down and look at what is left (`leftStanding`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, NodeRole, QuorumSnapshot, TopicSnapshot } from '../snapshot.ts';
import { canRollBatch } from './batch-gate.ts';
import { type RestartBatch, rackTopology, restartBatches, whyDeferred } from './batches.ts';
import { canRoll } from './can-roll.ts';
import { largestSafeSubset } from './largest-safe-subset.ts';
import { restartPhases } from './order.ts';
import { ROLL_POLICY } from './policy.ts';
import { rolesOf } from './roles.ts';
import { NOW } from './testing/snapshots.ts';

const RUNS = 600;

interface Scenario {
  snapshot: ClusterSnapshot;
  needsRestart: number[];
  zones: Record<string, string>;
}

const arbScenario: fc.Arbitrary<Scenario> = fc
  .integer({ min: 2, max: 10 })
  .chain((n) => {
    const idsArb = fc.constant(Array.from({ length: n }, (_, i) => i + 1));
    const broker = fc.record({
      rack: fc.constantFrom<string | null>('a', 'b', 'c', 'a', 'b', 'a', 'b', null),
      rackSource: fc.constantFrom('running', 'running', 'zone'),
    });
    const partition = fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 1, maxLength: 4 }).chain((replicas) =>
      fc.record({
        replicas: fc.constant(replicas),
        isr: fc.oneof({ weight: 4, arbitrary: fc.constant(replicas) }, { weight: 1, arbitrary: fc.subarray(replicas) }),
        leaderless: fc.oneof(
          { weight: 12, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
      }),
    );
    const topicArb = fc.record({
      minIsr: fc.constantFrom(0, 1, 1, 2, 2, 3),
      partitions: fc.array(partition, { minLength: 1, maxLength: 6 }),
    });
    const quorumArb = fc.option(
      fc.record({
        voters: fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 1, maxLength: 5 }),
        lags: fc.array(fc.constantFrom<number | null>(0, 0, 0, 500, 5_000, null), { minLength: 5, maxLength: 5 }),
        leaderIndex: fc.nat(4),
        leaderless: fc.oneof(
          { weight: 10, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        explicitRoles: fc.boolean(),
      }),
      { freq: 3 },
    );
    return fc.record({
      ids: idsArb,
      brokers: fc.array(broker, { minLength: n, maxLength: n }),
      down: fc.array(
        fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        {
          minLength: n,
          maxLength: n,
        },
      ),
      topics: fc.array(topicArb, { minLength: 1, maxLength: 3 }),
      quorum: quorumArb,
      needsRestart: fc.oneof(
        fc.constant(Array.from({ length: n }, (_, i) => i + 1)),
        fc.subarray(
          Array.from({ length: n }, (_, i) => i + 1),
          { minLength: 1 },
        ),
      ),
      recovering: fc.option(fc.integer({ min: 1, max: n }), { freq: 8 }),
    });
  })
  .map((raw): Scenario => {
    const zones: Record<string, string> = {};
    const brokers: ClusterSnapshot['brokers'][number][] = [];
    raw.ids.forEach((id, i) => {
      const b = raw.brokers[i]!;
      if (b.rack !== null && (b.rackSource === 'zone' || raw.down[i])) zones[String(id)] = b.rack;
      if (raw.down[i]) return;
      brokers.push({ id, rack: b.rack !== null && b.rackSource === 'running' ? b.rack : null });
    });
    const topics: TopicSnapshot[] = raw.topics.map((t, ti) => ({
      name: `t${ti}`,
      minInsyncReplicas: t.minIsr,
      partitions: t.partitions.map((p, index) => ({
        index,
        leader: p.leaderless ? -1 : (p.isr[0] ?? -1),
        replicas: p.replicas,
        isr: p.isr,
        offline: [],
      })),
    }));
    let quorum: QuorumSnapshot | null = null;
    let nodeRoles: Record<number, NodeRole[]> | undefined;
    if (raw.quorum !== null) {
      const q = raw.quorum;
      const leader = q.voters[q.leaderIndex % q.voters.length]!;
      quorum = {
        leaderId: q.leaderless ? -1 : leader,
        leaderEpoch: 3,
        highWatermark: 100,
        voters: q.voters.map((id, i) => {
          const lag = id === leader ? 0 : q.lags[i]!;
          return { id, logEndOffset: 100, lastCaughtUpTimestamp: lag === null ? -1 : NOW - lag };
        }),
        observers: [],
      };
      if (q.explicitRoles) {
        nodeRoles = {};
        for (const id of raw.ids) nodeRoles[id] = q.voters.includes(id) ? ['broker', 'controller'] : ['broker'];
      }
    }
    return {
      snapshot: {
        brokers,
        controllerId: quorum?.leaderId ?? null,
        quorum,
        topics,
        ...(nodeRoles ? { nodeRoles } : {}),
        ...(raw.recovering !== null ? { recoveringBrokers: [raw.recovering] } : {}),
      },
      needsRestart: raw.needsRestart,
      zones,
    };
  });

/**
 * With every node of `batch` down at once, what is left standing: every partition the batch touches keeps a leader
 * candidate and, where min ISR is checked (replicas > min ISR ≥ 1), at least min ISR in-sync replicas; every other
 * partition loses at most one in-sync replica; the KRaft quorum keeps a majority of caught-up voters.
 */
function leftStanding(snapshot: ClusterSnapshot, batch: readonly number[]): boolean {
  const down = new Set(batch);
  for (const t of snapshot.topics) {
    for (const p of t.partitions) {
      const touched = p.replicas.some((id) => down.has(id)) || p.isr.some((id) => down.has(id));
      if (!touched) continue;
      if (p.leader < 0) return false;
      const isrAfter = new Set(p.isr.filter((id) => !down.has(id)));
      const isrLost = new Set(p.isr).size - isrAfter.size;
      if (t.minInsyncReplicas >= 1 && p.replicas.length > t.minInsyncReplicas) {
        if (isrAfter.size < t.minInsyncReplicas) return false;
      } else if (isrLost > 1) {
        return false;
      }
    }
  }
  const controllersDown = batch.filter((id) => rolesOf(id, snapshot).controller);
  if (controllersDown.length > 0) {
    const q = snapshot.quorum;
    if (!q || q.leaderId < 0) return false;
    const leader = q.voters.find((v) => v.id === q.leaderId);
    if (!leader) return false;
    if (q.voters.length > 1) {
      if (leader.lastCaughtUpTimestamp < 0) return false;
      const caughtUp = q.voters.filter(
        (v) =>
          v.lastCaughtUpTimestamp >= 0 &&
          (v.id === leader.id ||
            leader.lastCaughtUpTimestamp - v.lastCaughtUpTimestamp < ROLL_POLICY.controllerQuorumFetchTimeoutMs),
      );
      const standing = caughtUp.filter((v) => !down.has(v.id)).length;
      const majority = q.voters.length === 2 ? 1 : Math.floor(q.voters.length / 2) + 1;
      if (standing < majority) return false;
    }
  }
  return true;
}

/** Safe as the docs define it: each node may go alone (canRoll), and together they leave enough standing. */
function safe(snapshot: ClusterSnapshot, batch: readonly number[]): boolean {
  return batch.every((id) => canRoll(id, snapshot).ok) && leftStanding(snapshot, batch);
}

function plan(s: Scenario) {
  const phases = restartPhases({ needsRestart: s.needsRestart, snapshot: s.snapshot });
  const topology = rackTopology(s.snapshot, { nodes: s.needsRestart, zones: s.zones });
  return { phases, topology, batches: restartBatches({ phases, topology }) };
}

/** Rack groups: (phase, rack) → brokers, for brokers with a known rack. */
function groupsOf(batches: readonly RestartBatch[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const b of batches) {
    if (b.rack === null) continue;
    const key = `${b.phase}/${b.rack}`;
    groups.set(key, [...(groups.get(key) ?? []), ...b.brokers]);
  }
  return groups;
}

function subsets<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out;
}

/** The fewest safe batches `members` can be split into (exhaustive, over all set partitions; members ≤ 10). */
function fewestBatches(snapshot: ClusterSnapshot, members: readonly number[]): number {
  const n = members.length;
  const full = (1 << n) - 1;
  const safeMask: boolean[] = [];
  for (let mask = 0; mask <= full; mask++) {
    safeMask[mask] =
      mask !== 0 &&
      safe(
        snapshot,
        members.filter((_, i) => mask & (1 << i)),
      );
  }
  const best = new Array<number>(full + 1).fill(Number.POSITIVE_INFINITY);
  best[0] = 0;
  for (let mask = 1; mask <= full; mask++) {
    const low = mask & -mask;
    for (let sub = mask; sub > 0; sub = (sub - 1) & mask) {
      if (sub & low && safeMask[sub]) best[mask] = Math.min(best[mask]!, 1 + best[mask ^ sub]!);
    }
  }
  return best[full]!;
}

function harmonic(d: number): number {
  let h = 0;
  for (let i = 1; i <= d; i++) h += 1 / i;
  return h;
}

describe('rack batches: safety', () => {
  it('every batch the plan chooses (except a lone broker set aside as blocked) is safe with all its brokers down at once', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        for (const batch of plan(s).batches) {
          if (batch.blocked !== undefined) {
            expect(batch.brokers).toHaveLength(1);
            expect(canRoll(batch.brokers[0]!, s.snapshot).ok).toBe(false);
            continue;
          }
          expect(safe(s.snapshot, batch.brokers)).toBe(true);
          expect(canRollBatch(batch.brokers, s.snapshot).ok).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the batch gate approves exactly the safe sets (any set, racks or not), and is canRoll for one node', () => {
    fc.assert(
      fc.property(
        arbScenario,
        fc.uniqueArray(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 5 }),
        (s, raw) => {
          const known = new Set([
            ...s.snapshot.brokers.map((b) => b.id),
            ...s.snapshot.topics.flatMap((t) => t.partitions.flatMap((p) => p.replicas)),
          ]);
          const batch = raw.filter((id) => known.has(id));
          if (batch.length === 0) return;
          expect(canRollBatch(batch, s.snapshot).ok).toBe(safe(s.snapshot, batch));
          if (batch.length === 1) expect(canRollBatch(batch, s.snapshot)).toEqual(canRoll(batch[0]!, s.snapshot));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the summary (racks, blocked, constraints) decides like the snapshot for every subset of a rack group', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const { topology, batches } = plan(s);
        for (const [key, members] of groupsOf(batches)) {
          const rack = key.slice(key.indexOf('/') + 1);
          const free = members.filter((id) => topology.blocked[String(id)] === undefined);
          for (const subset of subsets(free)) {
            const bySummary = topology.constraints
              .filter((c) => c.rack === rack)
              .every((c) => c.members.filter((id) => subset.includes(id)).length <= c.capacity);
            expect(bySummary).toBe(safe(s.snapshot, subset));
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('rack batches: shape', () => {
  it('restarts every node that needs it exactly once, in the phases of the serial order, a batch never spanning racks or phases', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const { phases, topology, batches } = plan(s);
        const flat = batches.flatMap((b) => b.brokers);
        expect([...flat].sort((a, b) => a - b)).toEqual([...new Set(s.needsRestart)].sort((a, b) => a - b));
        const phaseRank = { controllers: 0, brokers: 1, 'active-controller': 2 } as const;
        const ranks = batches.map((b) => phaseRank[b.phase]);
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
        for (const b of batches) {
          const listed =
            b.phase === 'controllers' ? phases.controllers : b.phase === 'brokers' ? phases.brokers : phases.active;
          for (const id of b.brokers) {
            expect(listed).toContain(id);
            expect(topology.racks[String(id)] ?? null).toBe(b.rack);
          }
          if (b.phase === 'active-controller') expect(b.brokers).toHaveLength(1);
          if (b.rack === null) expect(b.brokers).toHaveLength(1);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('rack batches: a split is never more than needed', () => {
  it('a rack group that is safe as a whole is one batch', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const { batches } = plan(s);
        for (const [key, members] of groupsOf(batches)) {
          if (!safe(s.snapshot, members)) continue;
          const inGroup = batches.filter((b) => b.rack !== null && `${b.phase}/${b.rack}` === key);
          expect(inGroup).toHaveLength(1);
          expect(inGroup[0]!.deferred).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('each batch is a largest safe subset of what is left of its rack group (exhaustive check)', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const { topology, batches } = plan(s);
        for (const [key, members] of groupsOf(batches)) {
          let left = members.filter((id) => topology.blocked[String(id)] === undefined);
          for (const b of batches.filter((x) => x.rack !== null && `${x.phase}/${x.rack}` === key && !x.blocked)) {
            expect(b.largest).toBe(true);
            const largest = Math.max(...subsets(left).map((sub) => (safe(s.snapshot, sub) ? sub.length : 0)));
            expect(b.brokers.length).toBe(largest);
            left = left.filter((id) => !b.brokers.includes(id));
          }
          expect(left).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('splits a rack group into at most H(d) × the fewest possible batches (d: its largest safe subset), and never fewer than the fewest', () => {
    let equal = 0;
    let groups = 0;
    let split = 0;
    let multi = 0;
    fc.assert(
      fc.property(arbScenario, (s) => {
        const { topology, batches } = plan(s);
        for (const [key, members] of groupsOf(batches)) {
          const free = members.filter((id) => topology.blocked[String(id)] === undefined);
          if (free.length === 0) continue;
          const chosen = batches.filter((x) => x.rack !== null && `${x.phase}/${x.rack}` === key && !x.blocked).length;
          const fewest = fewestBatches(s.snapshot, free);
          const d = Math.max(...subsets(free).map((sub) => (safe(s.snapshot, sub) ? sub.length : 0)));
          expect(chosen).toBeGreaterThanOrEqual(fewest);
          expect(chosen).toBeLessThanOrEqual(harmonic(d) * fewest + 1e-9);
          groups += 1;
          if (chosen === fewest) equal += 1;
          if (chosen > 1) split += 1;
          if (free.length > 1) multi += 1;
        }
      }),
      { numRuns: RUNS },
    );
    process.stdout.write(
      `rack groups: ${groups} (${multi} of 2+ brokers, ${split} split); split into the fewest possible batches: ${equal}\n`,
    );
    expect(groups).toBeGreaterThan(0);
  });

  it('names, for every broker left for a later batch, a constraint it would break in this one — and it would', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const { topology, batches } = plan(s);
        for (const b of batches) {
          for (const { broker, reason } of b.deferred) {
            expect(reason).toMatch(/^broker \d+ goes in a later batch: /);
            expect(reason).toBe(
              whyDeferred(
                broker,
                b.brokers,
                topology.constraints.filter((c) => c.rack === b.rack),
              ),
            );
            expect(safe(s.snapshot, [...b.brokers, broker])).toBe(false);
            expect(canRollBatch([...b.brokers, broker], s.snapshot).ok).toBe(false);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('largestSafeSubset search budget', () => {
  it('with the budget spent, still returns a safe, maximal set and says it may not be the largest', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            members: fc.uniqueArray(fc.integer({ min: 1, max: 14 }), { minLength: 2, maxLength: 5 }),
            capacity: fc.integer({ min: 1, max: 2 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.integer({ min: 1, max: 30 }),
        (constraints, budget) => {
          const candidates = Array.from({ length: 14 }, (_, i) => i + 1);
          const fits = (set: readonly number[]) =>
            constraints.every((c) => c.members.filter((m) => set.includes(m)).length <= c.capacity);
          const limited = largestSafeSubset(candidates, constraints, budget);
          expect(fits(limited.chosen)).toBe(true);
          for (const id of candidates) {
            if (!limited.chosen.includes(id)) expect(fits([...limited.chosen, id])).toBe(false);
          }
          const full = largestSafeSubset(candidates, constraints);
          expect(full.exact).toBe(true);
          expect(full.chosen.length).toBeGreaterThanOrEqual(limited.chosen.length);
          if (limited.exact) expect(limited.chosen).toEqual(full.chosen);
        },
      ),
      { numRuns: 300 },
    );
  });
});
