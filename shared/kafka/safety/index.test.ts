import { describe, expect, it } from 'vitest';
import * as safety from './index.ts';
import { cluster, topic } from './testing/snapshots.ts';

describe('safety module entry point', () => {
  it('gates, orders and tracks a small ZooKeeper-mode roll end to end through its public API', () => {
    const before = cluster([1, 2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [1, 2, 3] }])], {
      controllerId: 2,
    });
    expect(safety.restartOrder({ needsRestart: [1, 2, 3], snapshot: before })).toEqual([1, 3, 2]);
    expect(safety.nextRestart({ remaining: [1, 2, 3], snapshot: before })).toMatchObject({ nodeId: 1 });

    // Broker 1 is restarting: it left the ISR, so broker 3 (in an ISR at min) must wait.
    const during = cluster([2, 3], [topic('orders', 2, [{ replicas: [1, 2, 3], isr: [2, 3] }])], { controllerId: 2 });
    const gate = safety.canRoll(3, during);
    expect(gate.ok).toBe(false);
    let readiness = safety.initialReadiness({ requiredConsecutive: safety.rollPolicy.consecutiveHealthyChecks });
    readiness = safety.nextReadiness(readiness, safety.isBackHealthy(1, during));
    expect(readiness.ready).toBe(false);
    for (let i = 0; i < 3; i++) readiness = safety.nextReadiness(readiness, safety.isBackHealthy(1, before));
    expect(readiness.ready).toBe(true);
    if (!gate.ok) expect(new safety.UnsafeToRoll(3, gate.reasons).message).toContain('includes broker 3');
  });
});
