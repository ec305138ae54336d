import { describe, expect, it } from 'vitest';
import { rackTopology } from '../../kafka/safety/batches.ts';
import { topic } from '../../kafka/safety/testing/snapshots.ts';
import type { ClusterSnapshot } from '../../kafka/snapshot.ts';
import { awsSpec } from '../testing/fixtures.ts';
import { restartBatchesOf, restartOrder } from './restart-order.ts';

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

describe('plan phase: restart batches (rollout.batch rack)', () => {
  const rack = awsSpec({ rollout: { batch: 'rack' } });
  const snapshot: ClusterSnapshot = {
    brokers: [1, 2, 3, 4, 5, 6].map((id) => ({ id, rack: ['a', 'b', 'c'][(id - 1) % 3]! })),
    controllerId: 9,
    topics: [
      topic('orders', 2, [
        { replicas: [1, 2, 3], isr: [1, 2, 3] },
        { replicas: [4, 5, 6], isr: [4, 5, 6] },
      ]),
      topic('pinned', 2, [{ replicas: [1, 4, 2], isr: [1, 4, 2] }]),
    ],
  };
  const withTopology = (s: ClusterSnapshot) => ({
    ...observed(9, {}),
    kafka: { controllerId: 9, topology: rackTopology(s, { nodes: [1, 2, 3, 4, 5, 6] }) },
  });

  it('is absent with rollout.batch none, so the plan stays as it was', () => {
    expect(restartBatchesOf(awsSpec(), [1, 2], withTopology(snapshot))).toBeUndefined();
  });

  it('batches by rack from the observed topology and says why a rack was split', () => {
    const batches = restartBatchesOf(rack, [1, 2, 3, 4, 5, 6], withTopology(snapshot))!;
    expect(batches.map((b) => [b.rack, b.brokers])).toEqual([
      ['a', [1]],
      ['a', [4]],
      ['b', [2, 5]],
      ['c', [3, 6]],
    ]);
    expect(batches[0]!.deferred).toEqual([
      {
        broker: 4,
        reason:
          'broker 4 goes in a later batch: pinned-0 (replicas [1,4,2], ISR [1,4,2], min.insync.replicas 2) would keep only [2] in sync with [1,4] down together',
      },
    ]);
  });

  it('shows one broker per batch when Kafka was not observed, and says the roll decides', () => {
    const batches = restartBatchesOf(rack, [2, 1], observed(null, {}))!;
    expect(batches.map((b) => b.brokers)).toEqual([[1], [2]]);
    expect(batches[0]!.note).toMatch(/Kafka was not observed/);
  });
});
