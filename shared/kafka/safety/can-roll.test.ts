import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, TopicSnapshot } from '../snapshot.ts';
import { canRoll } from './can-roll.ts';
import { RollInputInvalid } from './errors.ts';
import { cluster, quorum, roles, topic } from './testing/snapshots.ts';

function reasonsOf(result: ReturnType<typeof canRoll>): string[] {
  return result.ok ? [] : result.reasons;
}

describe('canRoll: partitions (Strimzi KafkaAvailability)', () => {
  it('allows a broker whose partitions all have more in-sync replicas than min.insync.replicas', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])]);
    expect(canRoll(2, snapshot)).toEqual({ ok: true, notes: [] });
  });

  it('refuses a broker that is in an ISR of exactly min.insync.replicas', () => {
    const healthy = { replicas: [1, 2, 3], isr: [1, 2, 3] };
    const atMin = { replicas: [1, 2, 3], isr: [2, 3] };
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [healthy, healthy, healthy, atMin])]);
    expect(canRoll(2, snapshot)).toEqual({
      ok: false,
      reasons: ['orders-3 has ISR [2,3] = min.insync.replicas 2 and includes broker 2'],
      notes: [],
    });
  });

  it('allows a broker that is outside an ISR of exactly min.insync.replicas', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [2, 3] }])]);
    expect(canRoll(1, snapshot).ok).toBe(true);
  });

  it('refuses a broker that replicates a partition already under min ISR, even when it is not in the ISR', () => {
    const snapshot = cluster(
      [1, 2, 3],
      [
        topic('orders', 2, [
          { replicas: [1, 2, 3], isr: [1] },
          { replicas: [1, 2, 3], isr: [1, 2, 3] },
        ]),
      ],
    );
    expect(reasonsOf(canRoll(1, snapshot))).toEqual(['orders-0 is under min ISR: ISR [1] < min.insync.replicas 2']);
    // Broker 3 is not in the ISR: Strimzi still refuses ("it might be first to catch up").
    expect(reasonsOf(canRoll(3, snapshot))).toEqual(['orders-0 is under min ISR: ISR [1] < min.insync.replicas 2']);
  });

  it('ignores under-min partitions that the broker does not replicate', () => {
    const snapshot = cluster(
      [1, 2, 3, 4],
      [
        topic('orders', 2, [
          { replicas: [1, 2, 3], isr: [1] },
          { replicas: [2, 3, 4], isr: [2, 3, 4] },
        ]),
      ],
    );
    expect(canRoll(4, snapshot)).toEqual({ ok: true, notes: [] });
  });

  it('ignores partitions whose replica count is at most min.insync.replicas, and notes them', () => {
    const snapshot = cluster(
      [1, 2, 3],
      [
        topic('rf2', 2, [{ replicas: [1, 2], isr: [1, 2] }]),
        topic('rf1', 1, [{ replicas: [1], isr: [1] }]),
        topic('rf2-under', 2, [{ replicas: [1, 2], isr: [2] }]),
      ],
    );
    const result = canRoll(1, snapshot);
    expect(result.ok).toBe(true);
    expect(result.notes).toHaveLength(3);
    expect(result.notes[0]).toMatch(/^rf2-0 is ignored: it has 2 replicas \[1,2\] ≤ min.insync.replicas 2/);
    expect(result.notes[1]).toMatch(/^rf1-0 is ignored: it has 1 replica \[1\] ≤ min.insync.replicas 1/);
  });

  it('refuses a broker that replicates an offline (leaderless) partition', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [3], leader: -1 }])]);
    expect(reasonsOf(canRoll(1, snapshot))).toEqual([
      'orders-0 is offline: it has no leader (replicas [1,2,3], ISR [3])',
    ]);
  });

  it('refuses even when the offline partition has no more replicas than min.insync.replicas', () => {
    const snapshot = cluster([1, 2], [topic('single', 1, [{ replicas: [2], isr: [], leader: -1 }])]);
    expect(reasonsOf(canRoll(2, snapshot))).toEqual(['single-0 is offline: it has no leader (replicas [2], ISR [])']);
    expect(canRoll(1, snapshot).ok).toBe(true);
  });

  it('refuses a broker that is recovering logs', () => {
    const snapshot = cluster([1, 2, 3, 4], [], { recoveringBrokers: [4] });
    expect(reasonsOf(canRoll(4, snapshot))).toEqual(['broker 4 is recovering logs']);
    expect(canRoll(3, snapshot).ok).toBe(true);
  });

  it('lists every blocking reason at once', () => {
    const snapshot = cluster(
      [1, 2, 3],
      [
        topic('orders', 2, [
          { replicas: [1, 2, 3], isr: [1, 2] },
          { replicas: [1, 2, 3], isr: [1] },
        ]),
      ],
      { recoveringBrokers: [1] },
    );
    expect(reasonsOf(canRoll(1, snapshot))).toEqual([
      'broker 1 is recovering logs',
      'orders-0 has ISR [1,2] = min.insync.replicas 2 and includes broker 1',
      'orders-1 is under min ISR: ISR [1] < min.insync.replicas 2',
    ]);
  });

  it('caps the partition reasons and counts the rest', () => {
    const partitions = Array.from({ length: 60 }, () => ({ replicas: [1, 2, 3], isr: [1, 2] }));
    const reasons = reasonsOf(canRoll(1, cluster([1, 2, 3], [topic('big', 2, partitions)])));
    expect(reasons).toHaveLength(51);
    expect(reasons.at(-1)).toBe('… and 10 more partitions block the restart');
  });

  it('skips the min ISR rules when min.insync.replicas is unknown (0)', () => {
    const snapshot = cluster([1, 2, 3], [topic('t', 0, [{ replicas: [1, 2, 3], isr: [1] }])]);
    expect(canRoll(1, snapshot).ok).toBe(true);
  });

  it('rejects a broker id that is not a non-negative integer', () => {
    expect(() => canRoll(-1, cluster([1]))).toThrow(RollInputInvalid);
  });
});

describe('canRoll: KRaft controllers (Strimzi KafkaQuorumCheck)', () => {
  const controllers = roles({ 100: 'controller', 101: 'controller', 102: 'controller', 1: 'broker', 2: 'broker' });

  it('allows a controller when the other voters are caught up', () => {
    const snapshot = cluster([1, 2], [], {
      quorum: quorum(100, { 100: 0, 101: 100, 102: 500 }),
      nodeRoles: controllers,
    });
    expect(canRoll(101, snapshot).ok).toBe(true);
  });

  it('refuses a controller when only one of three voters would stay caught up', () => {
    const snapshot = cluster([1, 2], [], {
      quorum: quorum(100, { 100: 0, 101: 0, 102: 10_000 }),
      nodeRoles: controllers,
    });
    const result = canRoll(101, snapshot);
    expect(reasonsOf(result)).toEqual([
      'restarting controller 101 would leave 1 of 3 voters caught up; a majority (2) is needed',
    ]);
    expect(result.notes).toContain('voter 102 is 10000 ms behind quorum leader 100');
  });

  it('skips the partition rules for controller-only nodes', () => {
    // A partition that would block any broker does not involve a controller-only node.
    const snapshot = cluster([1, 2], [topic('t', 2, [{ replicas: [1, 2, 100], isr: [1, 100] }])], {
      quorum: quorum(100, { 100: 0, 101: 0, 102: 0 }),
      nodeRoles: controllers,
    });
    expect(canRoll(101, snapshot).ok).toBe(true);
  });

  it('applies both the partition rules and the quorum check to a combined-mode node', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2] }])], {
      quorum: quorum(1, { 1: 0, 2: 0, 3: 60_000 }),
      nodeRoles: roles({ 1: 'combined', 2: 'combined', 3: 'combined' }),
    });
    expect(reasonsOf(canRoll(2, snapshot))).toEqual([
      'orders-0 has ISR [1,2] = min.insync.replicas 2 and includes broker 2',
      'restarting controller 2 would leave 1 of 3 voters caught up; a majority (2) is needed',
    ]);
  });

  it('infers a controller from the quorum voters when process.roles are unknown', () => {
    const snapshot = cluster([1, 2], [], { quorum: quorum(100, { 100: 0, 101: 0, 102: null }) });
    expect(reasonsOf(canRoll(101, snapshot))).toEqual([
      'restarting controller 101 would leave 1 of 3 voters caught up; a majority (2) is needed',
    ]);
  });

  it('refuses a known KRaft controller when the quorum data is missing', () => {
    const snapshot = cluster([1, 2], [], { quorum: null, nodeRoles: controllers });
    expect(reasonsOf(canRoll(100, snapshot))).toEqual([
      "controller 100's KRaft quorum state is unknown (no DescribeQuorum data), so its restart cannot be judged",
    ]);
  });

  it('skips the quorum part in ZooKeeper mode (no quorum, no roles), even for the controller broker', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])], {
      controllerId: 1,
      quorum: null,
    });
    expect(canRoll(1, snapshot)).toEqual({ ok: true, notes: [] });
  });

  it('uses the given controller.quorum.fetch.timeout.ms', () => {
    const snapshot = cluster([1, 2], [], {
      quorum: quorum(100, { 100: 0, 101: 0, 102: 3_000 }),
      nodeRoles: controllers,
    });
    expect(canRoll(101, snapshot).ok).toBe(false);
    expect(canRoll(101, snapshot, { controllerQuorumFetchTimeoutMs: 5_000 }).ok).toBe(true);
  });
});

describe('canRoll properties', () => {
  const arbTopic: fc.Arbitrary<TopicSnapshot> = fc
    .record({
      name: fc.constantFrom('a', 'b', 'c'),
      minIsr: fc.integer({ min: 1, max: 3 }),
      partitions: fc.array(
        fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((replicas) =>
          fc.record({
            replicas: fc.constant(replicas),
            isr: fc.subarray(replicas),
            leaderless: fc.boolean(),
          }),
        ),
        { maxLength: 6 },
      ),
    })
    .map(({ name, minIsr, partitions }) =>
      topic(
        name,
        minIsr,
        partitions.map((p) => ({ replicas: p.replicas, isr: p.isr, leader: p.leaderless ? -1 : undefined })),
      ),
    );
  const arbSnapshot: fc.Arbitrary<ClusterSnapshot> = fc
    .array(arbTopic, { maxLength: 4 })
    .map((topics) => cluster([1, 2, 3, 4, 5], topics));

  it('never approves a restart that would leave a partition it replicates (replicas > min ISR) under min ISR', () => {
    fc.assert(
      fc.property(arbSnapshot, fc.integer({ min: 1, max: 5 }), (snapshot, broker) => {
        if (!canRoll(broker, snapshot).ok) return;
        for (const t of snapshot.topics) {
          for (const p of t.partitions) {
            if (!p.replicas.includes(broker) || p.replicas.length <= t.minInsyncReplicas) continue;
            const isrAfterRestart = p.isr.filter((id) => id !== broker);
            expect(isrAfterRestart.length).toBeGreaterThanOrEqual(t.minInsyncReplicas);
            expect(p.leader).toBeGreaterThanOrEqual(0);
          }
        }
      }),
    );
  });

  it('does not change its verdict when partitions on other brokers are added', () => {
    fc.assert(
      fc.property(arbSnapshot, arbTopic, (snapshot, extra) => {
        const broker = 5;
        const elsewhere = { ...extra, partitions: extra.partitions.filter((p) => !p.replicas.includes(broker)) };
        const before = canRoll(broker, snapshot);
        const after = canRoll(broker, { ...snapshot, topics: [...snapshot.topics, elsewhere] });
        expect(after.ok).toBe(before.ok);
      }),
    );
  });
});

describe('canRoll on a partial view (an authorizer hides topics from Metadata)', () => {
  const visible = cluster([1, 2, 3], [topic('orders', 1, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])]);

  it('fails closed when the broker hosts a topic Metadata did not show, naming the ACL to grant', () => {
    const hosted = {
      known: true as const,
      topics: new Map([
        ['orders', [0]],
        ['payroll', [0, 1]],
      ]),
    };
    const verdict = canRoll(1, visible, { hosted });
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reasons[0]).toMatch(
      /broker 1 hosts partitions of 1 topic that Metadata did not show \(payroll\).*--operation Describe --operation DescribeConfigs --topic payroll/,
    );
  });

  it('fails closed when what the broker hosts cannot be listed, naming the cluster ACL', () => {
    const verdict = canRoll(1, visible, { hosted: { known: false, reason: 'CLUSTER_AUTHORIZATION_FAILED' } });
    expect(!verdict.ok && verdict.reasons[0]).toMatch(
      /could not be listed \(CLUSTER_AUTHORIZATION_FAILED\).*--operation Describe --cluster/,
    );
  });

  it('passes when every hosted topic is in the snapshot', () => {
    expect(canRoll(1, visible, { hosted: { known: true, topics: new Map([['orders', [0]]]) } }).ok).toBe(true);
  });
});
