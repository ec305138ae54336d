import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, NodeRole } from '../snapshot.ts';
import { RollInputInvalid } from './errors.ts';
import { restartOrder } from './order.ts';
import { cluster, quorum, roles, topic } from './testing/snapshots.ts';

describe('restartOrder', () => {
  it('returns only the nodes that need a restart, by ascending id when roles are equal', () => {
    const snapshot = cluster([1, 2, 3, 4, 5]);
    expect(restartOrder({ needsRestart: [4, 2, 5], snapshot })).toEqual([2, 4, 5]);
  });

  it('returns an empty order when nothing needs a restart', () => {
    expect(restartOrder({ needsRestart: [], snapshot: cluster([1, 2, 3], [], { controllerId: 2 }) })).toEqual([]);
  });

  it('ignores duplicate ids', () => {
    expect(restartOrder({ needsRestart: [3, 1, 3, 1], snapshot: cluster([1, 2, 3]) })).toEqual([1, 3]);
  });

  it('restarts KRaft controller-only nodes before brokers', () => {
    const snapshot = cluster([1, 2, 3], [], {
      quorum: quorum(100, { 100: 0, 101: 0, 102: 0 }),
      nodeRoles: roles({
        1: 'broker',
        2: 'broker',
        3: 'broker',
        100: 'controller',
        101: 'controller',
        102: 'controller',
      }),
    });
    expect(restartOrder({ needsRestart: [1, 2, 3, 101, 102], snapshot })).toEqual([101, 102, 1, 2, 3]);
  });

  it('treats combined-mode nodes as controllers', () => {
    const snapshot = cluster([1, 2, 3, 4, 5], [], {
      quorum: quorum(3, { 1: 0, 2: 0, 3: 0 }),
      nodeRoles: roles({ 1: 'combined', 2: 'combined', 3: 'combined', 4: 'broker', 5: 'broker' }),
    });
    expect(restartOrder({ needsRestart: [5, 4, 2, 1], snapshot })).toEqual([1, 2, 4, 5]);
  });

  it('puts the active controller last overall by default, after the broker-only nodes', () => {
    const snapshot = cluster([1, 2, 3, 4, 5], [], {
      quorum: quorum(2, { 1: 0, 2: 0, 3: 0 }),
      nodeRoles: roles({ 1: 'combined', 2: 'combined', 3: 'combined', 4: 'broker', 5: 'broker' }),
    });
    expect(restartOrder({ needsRestart: [1, 2, 3, 4, 5], snapshot })).toEqual([1, 3, 4, 5, 2]);
  });

  it("puts the active controller last among the controllers with 'last-in-group' (Strimzi's placement)", () => {
    const snapshot = cluster([1, 2, 3, 4, 5], [], {
      quorum: quorum(2, { 1: 0, 2: 0, 3: 0 }),
      nodeRoles: roles({ 1: 'combined', 2: 'combined', 3: 'combined', 4: 'broker', 5: 'broker' }),
    });
    const order = restartOrder({ needsRestart: [1, 2, 3, 4, 5], snapshot, activeControllerPlacement: 'last-in-group' });
    expect(order).toEqual([1, 3, 2, 4, 5]);
  });

  it('does not add the active controller when it does not need a restart', () => {
    const snapshot = cluster([1, 2, 3], [], { controllerId: 2 });
    expect(restartOrder({ needsRestart: [1, 3], snapshot })).toEqual([1, 3]);
  });

  it('puts the ZooKeeper-mode controller broker last (no quorum, no roles)', () => {
    const snapshot = cluster([1, 2, 3], [], { controllerId: 1, quorum: null });
    expect(restartOrder({ needsRestart: [1, 2, 3], snapshot })).toEqual([2, 3, 1]);
  });

  it('takes the active controller from the KRaft quorum leader, not from the Metadata controller id', () => {
    // In KRaft, Metadata reports a random live broker as "controller"; DescribeQuorum's leader is the real one.
    const snapshot = cluster([1, 2, 3], [], {
      controllerId: 1,
      quorum: quorum(3, { 1: 0, 2: 0, 3: 0 }),
      nodeRoles: roles({ 1: 'combined', 2: 'combined', 3: 'combined' }),
    });
    expect(restartOrder({ needsRestart: [1, 2, 3], snapshot })).toEqual([1, 2, 3]);
    expect(restartOrder({ needsRestart: [3, 2, 1], snapshot }).at(-1)).toBe(3);
  });

  it('falls back to the Metadata controller id when the quorum has no leader', () => {
    const snapshot = cluster([1, 2, 3], [], { controllerId: 2, quorum: quorum(-1, { 1: 0, 2: 0, 3: 0 }) });
    expect(restartOrder({ needsRestart: [1, 2, 3], snapshot }).at(-1)).toBe(2);
  });

  it('infers roles from the quorum when process.roles are unknown', () => {
    // 100 and 101 are voters without replicas and not live brokers: controller-only; 3 is a voter and a live broker.
    const snapshot = cluster([1, 2, 3], [topic('t', 1, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])], {
      quorum: quorum(101, { 100: 0, 101: 0, 3: 0 }),
    });
    expect(restartOrder({ needsRestart: [1, 2, 3, 100, 101], snapshot })).toEqual([3, 100, 1, 2, 101]);
  });

  it('lets the nodeRoles argument override the roles in the snapshot', () => {
    const snapshot = cluster([1, 2, 3], [], { nodeRoles: roles({ 1: 'broker', 2: 'broker', 3: 'broker' }) });
    const nodeRoles: Record<number, NodeRole[]> = roles({ 3: 'controller' });
    expect(restartOrder({ needsRestart: [1, 2, 3], snapshot, nodeRoles })).toEqual([3, 1, 2]);
  });

  it('restarts brokers that are already down first within their group', () => {
    const snapshot = cluster([1, 2, 4], [], { controllerId: 1 });
    expect(restartOrder({ needsRestart: [1, 2, 3, 4], snapshot })).toEqual([3, 2, 4, 1]);
  });

  it('orders by id alone when downFirst is false', () => {
    const snapshot = cluster([1, 2, 4], [], { controllerId: 1 });
    expect(restartOrder({ needsRestart: [1, 2, 3, 4], snapshot, downFirst: false })).toEqual([2, 3, 4, 1]);
  });

  it('rejects ids that are not non-negative integers', () => {
    const snapshot = cluster([1, 2]);
    expect(() => restartOrder({ needsRestart: [1, -2], snapshot })).toThrow(RollInputInvalid);
    expect(() => restartOrder({ needsRestart: [1.5], snapshot })).toThrow(/non-negative integer/);
  });
});

describe('restartOrder properties', () => {
  type Role = 'broker' | 'controller' | 'combined';
  interface Case {
    nodes: number[];
    roleList: Role[];
    live: number[];
    needsRestart: number[];
    activeIndex: number;
    placement: 'last' | 'last-in-group';
    downFirst: boolean;
  }
  const arbCase: fc.Arbitrary<Case> = fc
    .uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 12 })
    .chain((nodes) =>
      fc.record({
        nodes: fc.constant(nodes),
        roleList: fc.array(fc.constantFrom<Role>('broker', 'controller', 'combined'), {
          minLength: nodes.length,
          maxLength: nodes.length,
        }),
        live: fc.subarray(nodes),
        needsRestart: fc.array(fc.constantFrom(...nodes), { maxLength: 20 }),
        activeIndex: fc.integer({ min: -1, max: nodes.length - 1 }),
        placement: fc.constantFrom<'last' | 'last-in-group'>('last', 'last-in-group'),
        downFirst: fc.boolean(),
      }),
    );

  function build(c: Case) {
    const nodeRoles = roles(Object.fromEntries(c.nodes.map((id, i) => [id, c.roleList[i] ?? 'broker'])));
    const active = c.activeIndex >= 0 ? c.nodes[c.activeIndex] : undefined;
    const snapshot: ClusterSnapshot = cluster(c.live, [], { controllerId: active ?? null, nodeRoles });
    return { snapshot, nodeRoles, active };
  }

  it('is a permutation of the set of nodes that need a restart', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { snapshot } = build(c);
        const order = restartOrder({ needsRestart: c.needsRestart, snapshot, downFirst: c.downFirst });
        expect([...order].sort((a, b) => a - b)).toEqual([...new Set(c.needsRestart)].sort((a, b) => a - b));
      }),
    );
  });

  it('puts the active controller last whenever it needs a restart (default placement)', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { snapshot, active } = build(c);
        const order = restartOrder({ needsRestart: c.needsRestart, snapshot, downFirst: c.downFirst });
        if (active !== undefined && c.needsRestart.includes(active)) expect(order.at(-1)).toBe(active);
        else if (active !== undefined) expect(order).not.toContain(active);
      }),
    );
  });

  it('restarts every other controller before any broker-only node, and the active one last in its group', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { snapshot, nodeRoles, active } = build(c);
        const order = restartOrder({
          needsRestart: c.needsRestart,
          snapshot,
          activeControllerPlacement: c.placement,
          downFirst: c.downFirst,
        });
        const isController = (id: number) => nodeRoles[id]?.includes('controller') ?? false;
        const withoutActive = order.filter((id) => id !== active);
        const firstBroker = withoutActive.findIndex((id) => !isController(id));
        if (firstBroker >= 0) expect(withoutActive.slice(firstBroker).every((id) => !isController(id))).toBe(true);
        if (active !== undefined && order.includes(active) && isController(active)) {
          const controllers = order.filter(isController);
          expect(controllers.at(-1)).toBe(active);
        }
      }),
    );
  });

  it('does not depend on the order in which the nodes were listed', () => {
    fc.assert(
      fc.property(
        arbCase.chain((c) =>
          fc.tuple(
            fc.constant(c),
            fc.shuffledSubarray(c.needsRestart, { minLength: c.needsRestart.length, maxLength: c.needsRestart.length }),
          ),
        ),
        ([c, shuffled]) => {
          const { snapshot } = build(c);
          const options = { snapshot, activeControllerPlacement: c.placement, downFirst: c.downFirst };
          expect(restartOrder({ needsRestart: shuffled, ...options })).toEqual(
            restartOrder({ needsRestart: c.needsRestart, ...options }),
          );
        },
      ),
    );
  });
});
