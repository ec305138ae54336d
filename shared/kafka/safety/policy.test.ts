import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollInputInvalid } from './errors.ts';
import { attemptsExhausted, nextBackoff, operationTimedOut, ROLL_POLICY } from './policy.ts';

describe('roll policy', () => {
  it('has the Strimzi-derived defaults', () => {
    expect(ROLL_POLICY).toMatchObject({
      initialBackoffMs: 250,
      backoffMultiplier: 2,
      operationTimeoutMs: 300_000,
      consecutiveHealthyChecks: 3,
      maxAttempts: 10,
      controllerQuorumFetchTimeoutMs: 2_000,
    });
    expect(Object.isFrozen(ROLL_POLICY)).toBe(true);
  });

  it('tries the first attempt immediately, then waits 250 ms doubling', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => nextBackoff(n))).toEqual([0, 250, 500, 1000, 2000, 4000]);
  });

  it('caps the delay', () => {
    expect(nextBackoff(9)).toBe(64_000);
    expect(nextBackoff(10)).toBe(64_000);
    expect(nextBackoff(1_000_000)).toBe(64_000);
    expect(nextBackoff(4, { initialBackoffMs: 100, backoffMultiplier: 3, maxBackoffMs: 1_000 })).toBe(1_000);
  });

  it('never shrinks and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), (n) => {
        expect(nextBackoff(n + 1)).toBeGreaterThanOrEqual(nextBackoff(n));
        expect(nextBackoff(n)).toBeLessThanOrEqual(ROLL_POLICY.maxBackoffMs);
      }),
    );
  });

  it('rejects attempt counts that are not non-negative integers', () => {
    expect(() => nextBackoff(-1)).toThrow(RollInputInvalid);
    expect(() => nextBackoff(Number.NaN)).toThrow(RollInputInvalid);
    expect(() => nextBackoff(1.5)).toThrow(RollInputInvalid);
  });

  it('stops after the attempt budget', () => {
    expect(attemptsExhausted(9)).toBe(false);
    expect(attemptsExhausted(10)).toBe(true);
  });

  it('times out only after more than the operation timeout has passed', () => {
    expect(operationTimedOut(1_000, 301_000)).toBe(false);
    expect(operationTimedOut(1_000, 301_001)).toBe(true);
  });
});
