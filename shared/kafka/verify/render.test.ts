import { describe, expect, it } from 'vitest';
import { VerificationFailed } from './errors.ts';
import { renderVerificationTable } from './render.ts';
import type { VerificationReport } from './report.ts';
import { assertVerified } from './verify.ts';

const base = { listener: 'EXTERNAL', error: null, durationMs: 1 };
const report: VerificationReport = {
  ok: false,
  lbHost: 'lb.example.com',
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 42,
  summary: { total: 3, passed: 1, failed: 2 },
  checks: [
    {
      ...base,
      kind: 'bootstrap',
      status: 'fail',
      lbPort: 9092,
      reasons: [
        'broker 2 advertises b2.example.com:9999, planned b2.example.com:9094',
        'unplanned broker 7 in metadata at b7.example.com:9100',
      ],
      expected: [
        { id: 1, address: 'b1.example.com:9093' },
        { id: 2, address: 'b2.example.com:9094' },
      ],
      returned: [
        { id: 1, address: 'b1.example.com:9093' },
        { id: 2, address: 'b2.example.com:9999' },
        { id: 7, address: 'b7.example.com:9100' },
      ],
      missing: [],
      extra: [{ id: 7, address: 'b7.example.com:9100' }],
      wrong: [{ id: 2, expected: 'b2.example.com:9094', returned: 'b2.example.com:9999' }],
    },
    {
      ...base,
      kind: 'broker-port',
      status: 'pass',
      lbPort: 9093,
      reasons: [],
      expectedBrokerId: 1,
      reachedBrokerId: 1,
      expectedAdvertised: 'b1.example.com:9093',
      configuredAdvertised: 'b1.example.com:9093',
    },
    {
      ...base,
      kind: 'broker-port',
      status: 'fail',
      lbPort: 9094,
      reasons: ['LB port 9094 reached broker 3, expected broker 2'],
      expectedBrokerId: 2,
      reachedBrokerId: 3,
      expectedAdvertised: 'b2.example.com:9094',
      configuredAdvertised: null,
    },
  ],
};

describe('renderVerificationTable', () => {
  it('renders one aligned row per check, extra reasons on their own lines, and a verdict', () => {
    expect(renderVerificationTable(report)).toBe(
      [
        'LISTENER  LB PORT  CHECK        EXPECTED   OBSERVED   RESULT  DETAIL',
        'EXTERNAL  9092     bootstrap    2 brokers  3 brokers  FAIL    broker 2 advertises b2.example.com:9999, planned b2.example.com:9094',
        '                                                              unplanned broker 7 in metadata at b7.example.com:9100',
        'EXTERNAL  9093     broker port  broker 1   broker 1   ok',
        'EXTERNAL  9094     broker port  broker 2   broker 3   FAIL    LB port 9094 reached broker 3, expected broker 2',
        '',
        'verification through lb.example.com FAILED: 2 of 3 checks failed (42 ms)',
      ].join('\n'),
    );
  });

  it('says passed when every check passed', () => {
    const passing: VerificationReport = {
      ...report,
      ok: true,
      summary: { total: 1, passed: 1, failed: 0 },
      checks: [report.checks[1]!],
    };
    expect(renderVerificationTable(passing).split('\n').at(-1)).toBe(
      'verification through lb.example.com passed: 1/1 checks ok (42 ms)',
    );
  });
});

describe('assertVerified', () => {
  it('throws VerificationFailed listing every failing reason', () => {
    const error = (() => {
      try {
        assertVerified(report);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(VerificationFailed);
    expect((error as VerificationFailed).report).toBe(report);
    expect((error as Error).message).toContain('LB port 9094 reached broker 3, expected broker 2');
    expect((error as Error).message).toContain('unplanned broker 7');
  });
});
