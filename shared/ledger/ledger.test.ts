import { describe, expect, it } from 'vitest';
import type { LbAction } from '../model/plan.ts';
import { ledgerChangeOf } from './changes.ts';
import { joinLedger } from './join.ts';

describe('ledgerChangeOf', () => {
  it('gives every action that changes a port’s owner its ledger change, and the others none', () => {
    const target = { brokerId: 1, host: '10.0.0.1', port: 39092 };
    const cases: [LbAction, unknown][] = [
      [
        { kind: 'createMapping', exposure: 'EXTERNAL', role: 'broker', port: 9093, brokerId: 1, targets: [target] },
        { kind: 'assign', exposure: 'EXTERNAL', role: 'broker', port: 9093, brokerId: 1 },
      ],
      [
        { kind: 'createMapping', exposure: 'EXTERNAL', role: 'bootstrap', port: 9092, targets: [target] },
        { kind: 'assign', exposure: 'EXTERNAL', role: 'bootstrap', port: 9092 },
      ],
      [
        { kind: 'retireMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1, retiredAt: '2026-05-01T12:00:00.000Z' },
        { kind: 'retire', exposure: 'EXTERNAL', port: 9093, brokerId: 1, retiredAt: '2026-05-01T12:00:00.000Z' },
      ],
      [
        { kind: 'reviveMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1 },
        { kind: 'revive', exposure: 'EXTERNAL', port: 9093, brokerId: 1 },
      ],
      [
        { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1 },
        { kind: 'release', exposure: 'EXTERNAL', port: 9093 },
      ],
      [{ kind: 'registerTargets', exposure: 'EXTERNAL', role: 'broker', port: 9093, targets: [target] }, undefined],
      [{ kind: 'deregisterTargets', exposure: 'EXTERNAL', role: 'broker', port: 9093, targets: [] }, undefined],
      [{ kind: 'openPort', port: 9093, cidrs: [] }, undefined],
      [{ kind: 'closePort', port: 9093, cidrs: [] }, undefined],
    ];
    for (const [action, change] of cases) expect(ledgerChangeOf(action)).toEqual(change);
  });
});

describe('joinLedger', () => {
  it('gives each entry the targets of its port, sorted, and leaves out ports the ledger does not hold', () => {
    const joined = joinLedger(
      [
        { exposure: 'EXTERNAL', role: 'broker', port: 9094, brokerId: 2, retiredAt: '2026-05-01T12:00:00.000Z' },
        { exposure: 'EXTERNAL', role: 'broker', port: 9093, brokerId: 1, adapterData: { arn: 'private' } },
      ],
      {
        ports: [
          {
            port: 9093,
            targets: [
              { id: 'i-2', port: 39092 },
              { id: 'i-1', port: 39092 },
            ],
            resourceIds: { targetGroupArn: 'tg-1' },
          },
          { port: 443, targets: [{ id: 'someone-else', port: 443 }] },
        ],
        openPorts: [9093],
      },
    );
    expect(joined).toEqual({
      mappings: [
        {
          exposure: 'EXTERNAL',
          role: 'broker',
          port: 9093,
          brokerId: 1,
          targets: [
            { id: 'i-1', port: 39092 },
            { id: 'i-2', port: 39092 },
          ],
          resourceIds: { targetGroupArn: 'tg-1' },
        },
        // A retired port the load balancer no longer serves (a GCP endpoint cannot exist without a target).
        {
          exposure: 'EXTERNAL',
          role: 'broker',
          port: 9094,
          brokerId: 2,
          targets: [],
          retiredAt: '2026-05-01T12:00:00.000Z',
        },
      ],
      openPorts: [9093],
    });
  });
});
