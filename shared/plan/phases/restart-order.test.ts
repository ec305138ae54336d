import { describe, expect, it } from 'vitest';
import { restartOrder } from './restart-order.ts';

const observed = (controllerId: number | null, nodeRoles: Record<string, ('broker' | 'controller')[]>) => ({
  observedAt: '',
  brokers: [],
  loadBalancer: { mappings: [], openPorts: [] },
  kafka: { controllerId, nodeRoles },
});

describe('plan phase: restart order', () => {
  it('restarts nothing when no broker needs it', () => {
    expect(restartOrder([], observed(1, {}))).toEqual([]);
  });

  it('puts controllers first, then broker-only nodes, the active controller last, by id otherwise', () => {
    const roles = { '1': ['broker', 'controller'], '2': ['broker'], '3': ['broker', 'controller'], '4': ['broker'] };
    expect(restartOrder([4, 2, 1, 3], observed(1, roles as never))).toEqual([3, 2, 4, 1]);
  });

  it('orders by id alone when Kafka was not observed (liveness is not part of the observed state)', () => {
    expect(
      restartOrder([3, 1, 2], { observedAt: '', brokers: [], loadBalancer: { mappings: [], openPorts: [] } }),
    ).toEqual([1, 2, 3]);
  });
});
