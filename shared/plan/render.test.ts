import { describe, expect, it } from 'vitest';
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
