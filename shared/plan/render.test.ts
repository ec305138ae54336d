import { describe, expect, it } from 'vitest';
import { rackTopology } from '../kafka/safety/batches.ts';
import { topic } from '../kafka/safety/testing/snapshots.ts';
import type { ClusterSnapshot } from '../kafka/snapshot.ts';
import { planSchema } from '../model/plan-schema.ts';
import { plan } from './planner.ts';
import { describeLbAction, planToJson, renderPlanTable } from './render.ts';
import { awsExposure, awsSpec, broker, observedState } from './testing/fixtures.ts';
import { applyPlan } from './testing/ledger-sim.ts';

describe('planToJson', () => {
  const result = plan(awsSpec(), observedState([broker(2), broker(1)]));

  it('sorts keys at every level and keeps the plan’s content', () => {
    const text = planToJson(result);
    expect(JSON.parse(text)).toEqual(result);
    const unsorted: string[] = [];
    JSON.parse(text, function (this: unknown, key: string, value: unknown) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.join() !== [...keys].sort().join()) unsorted.push(key);
      }
      return value;
    });
    expect(unsorted).toEqual([]);
    expect(text.startsWith('{\n  "actions": [')).toBe(true);
  });

  it('is independent of the insertion order of keys', () => {
    const reversed = JSON.parse(JSON.stringify(result), (_key, value) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    );
    expect(planToJson(reversed)).toBe(planToJson(result));
  });
});

describe('renderPlanTable', () => {
  it('shows one row per broker with AZ, LB port, advertised address, LB action, config and restart', () => {
    const text = renderPlanTable(plan(awsSpec(), observedState([broker(1), broker(2)])));
    const lines = text.split('\n');
    expect(lines).toContain('Exposure EXTERNAL (PLAINTEXT, brokers bind :39092; bootstrap 9092)');
    const header = lines.find((l) => l.includes('advertised address'))!;
    expect(header.split(/\s{2,}/).map((c) => c.trim())).toEqual([
      '',
      'broker',
      'AZ',
      'LB port',
      'advertised address',
      'LB',
      'config',
      'restart',
    ]);
    const row = lines.find((l) => l.trimStart().startsWith('1 '))!;
    expect(row.trim().split(/\s+/)).toEqual([
      '1',
      'usw2-az2',
      '9093',
      'b1.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com:9093',
      'create',
      'unknown',
      'yes',
    ]);
    expect(text).toContain('2. create EXTERNAL port 9093 → broker 1 (i-00000001:39092)');
    expect(text).toContain(
      'create EXTERNAL bootstrap port 9092 → broker 1 (i-00000001:39092), broker 2 (i-00000002:39092)',
    );
    expect(text).toContain('Restart order (one at a time, health-gated): 1 → 2');
    expect(text).toContain('Summary: 6 LB action(s), 2 config change(s), 2 restart(s).');
  });

  it('lists pending placeholders, retired ports and warnings, and says when all is in sync', () => {
    const spec = awsSpec({
      exposures: [
        awsExposure({
          advertisedListenerPattern: '<broker_id>.<unique_name>.example.com:<port>',
          placeholders: { unique_name: null },
        }),
      ],
    });
    const pendingText = renderPlanTable(plan(spec, observedState([broker(1)])));
    expect(pendingText).toContain('(pending)');
    expect(pendingText).toContain('Pending:\n  - <unique_name> of exposure EXTERNAL is not known yet');

    const ready = awsSpec();
    const start = observedState([broker(1), broker(2)]);
    const after = applyPlan(start, plan(ready, start));
    const removedText = renderPlanTable(plan(ready, { ...after, brokers: [broker(1)] }));
    expect(removedText).toContain('retired: port 9094 (broker 2) in cool-down until 2026-05-01T13:00:00.000Z');

    const synced = plan(ready, after);
    expect(renderPlanTable(synced)).toContain('In sync: nothing to do.');
    expect(renderPlanTable(synced)).toContain('Load balancer: nothing to do.');
  });

  it('describes every kind of LB action in words', () => {
    expect(
      describeLbAction({ kind: 'retireMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2, retiredAt: 'T' }),
    ).toBe('retire EXTERNAL port 9094 of removed broker 2 (cool-down starts T)');
    expect(describeLbAction({ kind: 'reviveMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 })).toBe(
      'give EXTERNAL port 9094 back to returning broker 2',
    );
    expect(describeLbAction({ kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 })).toBe(
      'delete EXTERNAL port 9094 (was broker 2, cool-down over)',
    );
    expect(describeLbAction({ kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9092 })).toBe(
      'delete EXTERNAL port 9092',
    );
    expect(
      describeLbAction({
        kind: 'deregisterTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [{ id: 'i-1', port: 39092 }],
      }),
    ).toBe('deregister i-1:39092 from EXTERNAL bootstrap port 9092');
    expect(describeLbAction({ kind: 'closePort', port: 9094, cidrs: ['10.0.0.0/8'] })).toBe(
      'close port 9094 to 10.0.0.0/8',
    );
  });
});

describe('renderPlanTable with rollout.batch rack', () => {
  const snapshot: ClusterSnapshot = {
    brokers: [
      { id: 1, rack: 'a' },
      { id: 2, rack: 'b' },
      { id: 3, rack: 'a' },
      { id: 4, rack: 'b' },
    ],
    topics: [
      topic('orders', 1, [
        { replicas: [1, 2], isr: [1, 2] },
        { replicas: [3, 4], isr: [3, 4] },
      ]),
      topic('pinned', 1, [{ replicas: [1, 3], isr: [1, 3] }]),
    ],
  };
  const observed = observedState([broker(1), broker(2), broker(3), broker(4)], [], {
    kafka: { controllerId: null, topology: rackTopology(snapshot, { nodes: [1, 2, 3, 4] }) },
  });
  const result = plan(awsSpec({ rollout: { batch: 'rack' } }), observed);

  it('lists the batches in order, with the partition and replicas that split a rack', () => {
    const text = renderPlanTable(result);
    expect(text).toContain(
      [
        'Restart batches (3, in order; a batch restarts together, the next starts when every broker of it is healthy):',
        '  1. 1  (brokers; rack a)',
        '       split: broker 3 goes in a later batch: pinned-0 (replicas [1,3], ISR [1,3], min.insync.replicas 1) would keep only [] in sync with [1,3] down together',
        '  2. 3  (brokers; rack a)',
        '  3. 2, 4  (brokers; rack b)',
      ].join('\n'),
    );
    expect(text).not.toContain('Restart order (one at a time');
  });

  it('carries the batches in --json, the order being the batches’ own', () => {
    const json = JSON.parse(planToJson(result));
    expect(planSchema.parse(json)).toEqual(result);
    expect(json.restartOrder).toEqual([1, 3, 2, 4]);
    expect(json.restartBatches.map((b: { brokers: number[] }) => b.brokers)).toEqual([[1], [3], [2, 4]]);
    expect(json.restartBatches[0].deferred[0]).toMatchObject({ broker: 3 });
  });

  it('with rollout.batch none, a plan has no batches and the same JSON as before the option existed', () => {
    const serial = plan(awsSpec(), observed);
    expect(serial.restartBatches).toBeUndefined();
    expect(Object.keys(serial)).not.toContain('restartBatches');
  });
});
