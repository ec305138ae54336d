import { describe, expect, it } from 'vitest';
import { isBackHealthy } from './health.ts';
import { cluster, quorum, roles, topic } from './testing/snapshots.ts';

describe('isBackHealthy', () => {
  it('is healthy when the broker is live and in the ISR of every partition it replicates', () => {
    const snapshot = cluster(
      [1, 2, 3],
      [
        topic('orders', 2, [
          { replicas: [1, 2, 3], isr: [3, 1, 2] },
          { replicas: [2, 3], isr: [3] },
        ]),
      ],
    );
    expect(isBackHealthy(1, snapshot)).toEqual({ healthy: true, reasons: [] });
  });

  it('is not healthy while the broker is not registered again', () => {
    const snapshot = cluster([2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [2, 3] }])]);
    expect(isBackHealthy(1, snapshot).reasons).toEqual([
      'broker 1 is not registered: it is not among the live brokers in metadata',
      'orders-0 is not back in sync: broker 1 is not in ISR [2,3]',
    ]);
  });

  it('is not healthy while the cluster still lists a stopped process: the broker’s own listener must answer', () => {
    // After SIGKILL the controller keeps the dead broker registered and in every ISR for broker.session.timeout.ms.
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])]);
    const down = { serves: false, reason: "broker 1's own listener 10.0.0.1:9092 does not answer: timed out" };
    expect(isBackHealthy(1, snapshot, { ownView: down })).toEqual({
      healthy: false,
      reasons: [
        "broker 1 is listed as live but does not serve on its own listener yet (broker 1's own listener 10.0.0.1:9092 does not answer: timed out): after an unclean stop the controller keeps the stopped process registered until broker.session.timeout.ms",
      ],
    });
    expect(isBackHealthy(1, snapshot, { ownView: { serves: true } }).healthy).toBe(true);
  });

  it('is not healthy while the broker is missing from any ISR it belongs to', () => {
    const snapshot = cluster(
      [1, 2, 3],
      [
        topic('orders', 2, [
          { replicas: [1, 2, 3], isr: [1, 2, 3] },
          { replicas: [1, 2, 3], isr: [2, 3] },
        ]),
      ],
    );
    expect(isBackHealthy(1, snapshot)).toEqual({
      healthy: false,
      reasons: ['orders-1 is not back in sync: broker 1 is not in ISR [2,3]'],
    });
  });

  it('ignores partitions the broker does not replicate', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [2, 3], isr: [], leader: -1 }])]);
    expect(isBackHealthy(1, snapshot).healthy).toBe(true);
  });

  it('is not healthy while the broker is recovering logs', () => {
    const snapshot = cluster([1, 2, 3], [], { recoveringBrokers: [1] });
    expect(isBackHealthy(1, snapshot).reasons).toEqual(['broker 1 is recovering logs']);
  });

  it("is not healthy while one of the broker's replicas is offline", () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [2, 3], offline: [1] }])]);
    expect(isBackHealthy(1, snapshot).reasons).toEqual(['orders-0 has an offline replica on broker 1']);
  });

  it('is not healthy while a partition it replicates has no leader', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1], leader: -1 }])]);
    expect(isBackHealthy(1, snapshot).reasons).toEqual(['orders-0 has no leader yet']);
  });

  it('caps the partition reasons', () => {
    const partitions = Array.from({ length: 51 }, () => ({ replicas: [1, 2], isr: [2] }));
    const { reasons } = isBackHealthy(1, cluster([1, 2], [topic('big', 1, partitions)]));
    expect(reasons).toHaveLength(51);
    expect(reasons.at(-1)).toBe('… and 1 more partition are not back in sync');
  });

  describe('KRaft controllers', () => {
    const nodeRoles = roles({ 100: 'controller', 101: 'controller', 102: 'controller', 1: 'broker' });

    it('is healthy when a controller-only node has caught up with the quorum leader', () => {
      const snapshot = cluster([1], [], { quorum: quorum(100, { 100: 0, 101: 500, 102: 0 }), nodeRoles });
      expect(isBackHealthy(101, snapshot)).toEqual({ healthy: true, reasons: [] });
    });

    it('is not healthy while a controller lags the quorum leader', () => {
      const snapshot = cluster([1], [], { quorum: quorum(100, { 100: 0, 101: 4_000, 102: 0 }), nodeRoles });
      expect(isBackHealthy(101, snapshot).reasons).toEqual([
        'controller 101 is 4000 ms behind quorum leader 100 (limit 2000 ms)',
      ]);
      expect(isBackHealthy(101, snapshot, { controllerQuorumFetchTimeoutMs: 5_000 }).healthy).toBe(true);
    });

    it('is not healthy while a controller has no lastCaughtUpTimestamp', () => {
      const snapshot = cluster([1], [], { quorum: quorum(100, { 100: 0, 101: null, 102: 0 }), nodeRoles });
      expect(isBackHealthy(101, snapshot).healthy).toBe(false);
    });

    it('is not healthy while the quorum has no leader', () => {
      const snapshot = cluster([1], [], { quorum: quorum(-1, { 100: 0, 101: 0, 102: 0 }), nodeRoles });
      expect(isBackHealthy(101, snapshot).reasons).toEqual(['the KRaft metadata quorum has no leader']);
    });

    it('is not healthy while the controller is absent from the quorum', () => {
      const snapshot = cluster([1], [], { quorum: quorum(100, { 100: 0, 102: 0 }), nodeRoles });
      expect(isBackHealthy(101, snapshot).reasons).toEqual([
        'controller 101 is neither a voter nor an observer of the KRaft quorum',
      ]);
    });

    it('is healthy when the restarted controller became the leader', () => {
      const snapshot = cluster([1], [], { quorum: quorum(101, { 100: 9_000, 101: 0, 102: 0 }), nodeRoles });
      expect(isBackHealthy(101, snapshot).healthy).toBe(true);
    });

    it('checks both sides of a combined-mode node', () => {
      const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [2, 3] }])], {
        quorum: quorum(2, { 1: 9_000, 2: 0, 3: 0 }),
        nodeRoles: roles({ 1: 'combined', 2: 'combined', 3: 'combined' }),
      });
      expect(isBackHealthy(1, snapshot).reasons).toEqual([
        'orders-0 is not back in sync: broker 1 is not in ISR [2,3]',
        'controller 1 is 9000 ms behind quorum leader 2 (limit 2000 ms)',
      ]);
    });

    it('is not healthy for a known controller when the quorum data is missing', () => {
      const snapshot = cluster([1], [], { quorum: null, nodeRoles });
      expect(isBackHealthy(100, snapshot).healthy).toBe(false);
    });
  });

  it('needs no quorum data for a ZooKeeper-mode broker', () => {
    const snapshot = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])], {
      controllerId: 1,
      quorum: null,
    });
    expect(isBackHealthy(1, snapshot)).toEqual({ healthy: true, reasons: [] });
  });
});
