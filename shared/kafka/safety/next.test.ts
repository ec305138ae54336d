import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../snapshot.ts';
import { canRoll } from './can-roll.ts';
import { nextRestart } from './next.ts';
import { cluster, quorum, roles, topic } from './testing/snapshots.ts';

const healthy = (replicas: number[]) => ({ replicas, isr: replicas });

describe('nextRestart', () => {
  it('is done when nothing remains', () => {
    expect(nextRestart({ remaining: [], snapshot: cluster([1, 2, 3]) })).toEqual({ action: 'done' });
  });

  it('restarts the first node in order when it is safe', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [healthy([1, 2, 3])])], { controllerId: 1 });
    expect(nextRestart({ remaining: [1, 2, 3], snapshot })).toEqual({
      action: 'restart',
      nodeId: 2,
      order: [2, 3, 1],
      notes: [],
    });
  });

  it('skips a blocked node and restarts the next safe one of the same phase', () => {
    // Broker 2 is in an ISR at min ISR; broker 1 is outside it and may go.
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [2, 3] }])], {
      controllerId: 3,
    });
    expect(nextRestart({ remaining: [1, 2], snapshot })).toMatchObject({ action: 'restart', nodeId: 1 });
  });

  it('waits, with every reason, when no node of the phase may restart', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2] }])], {
      controllerId: 3,
    });
    expect(nextRestart({ remaining: [1, 2], snapshot })).toEqual({
      action: 'wait',
      order: [1, 2],
      blocked: [
        { nodeId: 1, reasons: ['orders-0 has ISR [1,2] = min.insync.replicas 2 and includes broker 1'] },
        { nodeId: 2, reasons: ['orders-0 has ISR [1,2] = min.insync.replicas 2 and includes broker 2'] },
      ],
    });
  });

  it('does not start the brokers while a controller is still blocked', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [healthy([1, 2, 3])])], {
      quorum: quorum(100, { 100: 0, 101: 0, 102: 60_000 }),
      nodeRoles: roles({
        100: 'controller',
        101: 'controller',
        102: 'controller',
        1: 'broker',
        2: 'broker',
        3: 'broker',
      }),
    });
    const next = nextRestart({ remaining: [101, 1, 2, 3], snapshot });
    expect(next).toEqual({
      action: 'wait',
      order: [101, 1, 2, 3],
      blocked: [
        {
          nodeId: 101,
          reasons: ['restarting controller 101 would leave 1 of 3 voters caught up; a majority (2) is needed'],
        },
      ],
    });
  });

  it('restarts the active controller only once it is the last node left', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 1, [healthy([1, 2, 3])])], {
      quorum: quorum(2, { 1: 0, 2: 0, 3: 0 }),
      nodeRoles: roles({ 1: 'combined', 2: 'combined', 3: 'combined' }),
    });
    expect(nextRestart({ remaining: [2, 3], snapshot })).toMatchObject({ action: 'restart', nodeId: 3 });
    expect(nextRestart({ remaining: [2], snapshot })).toMatchObject({ action: 'restart', nodeId: 2 });
  });

  it("defers the active controller within its phase with 'last-in-group', even when the others are blocked", () => {
    const snapshot = cluster([1, 2, 3, 4], [topic('orders', 2, [{ replicas: [1, 3, 4], isr: [1, 3] }])], {
      quorum: quorum(2, { 1: 0, 2: 0, 3: 0 }),
      nodeRoles: roles({ 1: 'combined', 2: 'combined', 3: 'combined', 4: 'broker' }),
    });
    const next = nextRestart({ remaining: [1, 2, 4], snapshot, activeControllerPlacement: 'last-in-group' });
    expect(next).toMatchObject({
      action: 'wait',
      order: [1, 2, 4],
      blocked: [
        { nodeId: 1, reasons: ['orders-0 has ISR [1,3] = min.insync.replicas 2 and includes broker 1'] },
        { nodeId: 2, reasons: ['controller 2 is the active controller and goes last'] },
      ],
    });
  });

  it('keeps a new active controller last when the leadership moves mid-roll', () => {
    const nodeRoles = roles({ 1: 'combined', 2: 'combined', 3: 'combined' });
    const before = cluster([1, 2, 3], [], { quorum: quorum(3, { 1: 0, 2: 0, 3: 0 }), nodeRoles });
    const after = cluster([1, 2, 3], [], { quorum: quorum(2, { 1: 0, 2: 0, 3: 0 }), nodeRoles });
    expect(nextRestart({ remaining: [2, 3], snapshot: before })).toMatchObject({ nodeId: 2, order: [2, 3] });
    expect(nextRestart({ remaining: [2, 3], snapshot: after })).toMatchObject({ nodeId: 3, order: [3, 2] });
  });

  it('passes the quorum fetch timeout to the gate', () => {
    const snapshot = cluster([], [], {
      quorum: quorum(100, { 100: 0, 101: 0, 102: 3_000 }),
      nodeRoles: roles({ 100: 'controller', 101: 'controller', 102: 'controller' }),
    });
    expect(nextRestart({ remaining: [101], snapshot }).action).toBe('wait');
    expect(nextRestart({ remaining: [101], snapshot, controllerQuorumFetchTimeoutMs: 5_000 }).action).toBe('restart');
  });

  it('only ever proposes a remaining node that canRoll approves', () => {
    const arbSnapshot: fc.Arbitrary<ClusterSnapshot> = fc
      .array(
        fc
          .uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
          .chain((replicas) => fc.record({ replicas: fc.constant(replicas), isr: fc.subarray(replicas) })),
        { maxLength: 8 },
      )
      .chain((partitions) =>
        fc
          .record({ minIsr: fc.integer({ min: 1, max: 2 }), controllerId: fc.integer({ min: 1, max: 5 }) })
          .map((c) => cluster([1, 2, 3, 4, 5], [topic('t', c.minIsr, partitions)], { controllerId: c.controllerId })),
      );
    fc.assert(
      fc.property(arbSnapshot, fc.subarray([1, 2, 3, 4, 5]), (snapshot, remaining) => {
        const next = nextRestart({ remaining, snapshot });
        if (next.action === 'restart') {
          expect(remaining).toContain(next.nodeId);
          expect(canRoll(next.nodeId, snapshot).ok).toBe(true);
          if (next.nodeId === snapshot.controllerId) expect(remaining).toEqual([next.nodeId]);
        } else if (next.action === 'done') {
          expect(remaining).toEqual([]);
        } else {
          expect(next.blocked.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
