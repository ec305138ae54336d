import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollInputInvalid } from './errors.ts';
import type { HealthResult } from './health.ts';
import { createReadinessTracker, initialReadiness, nextReadiness, parseReadinessState } from './readiness.ts';

const healthy: HealthResult = { healthy: true, reasons: [] };
const sick: HealthResult = { healthy: false, reasons: ['orders-0 is not back in sync: broker 1 is not in ISR [2,3]'] };

describe('readiness', () => {
  it('becomes ready only after the required number of consecutive healthy observations', () => {
    const tracker = createReadinessTracker({ requiredConsecutive: 3 });
    expect(tracker.observe(healthy).ready).toBe(false);
    expect(tracker.observe(healthy).ready).toBe(false);
    expect(tracker.observe(healthy)).toEqual({
      requiredConsecutive: 3,
      consecutiveHealthy: 3,
      observations: 3,
      ready: true,
      lastReasons: [],
    });
  });

  it('resets the count on an unhealthy observation and keeps its reasons', () => {
    const tracker = createReadinessTracker({ requiredConsecutive: 3 });
    tracker.observe(healthy);
    tracker.observe(healthy);
    expect(tracker.observe(sick)).toMatchObject({ consecutiveHealthy: 0, ready: false, lastReasons: sick.reasons });
    tracker.observe(healthy);
    tracker.observe(healthy);
    expect(tracker.state.ready).toBe(false);
    expect(tracker.observe(healthy).ready).toBe(true);
    expect(tracker.state.observations).toBe(6);
  });

  it('defaults to 3 consecutive checks', () => {
    expect(initialReadiness().requiredConsecutive).toBe(3);
  });

  it('is ready after one healthy observation when one is required', () => {
    expect(nextReadiness(initialReadiness({ requiredConsecutive: 1 }), healthy).ready).toBe(true);
  });

  it('does not mutate the state it is given', () => {
    const state = initialReadiness();
    const frozen = structuredClone(state);
    nextReadiness(state, healthy);
    expect(state).toEqual(frozen);
  });

  it('carries its state through JSON between invocations', () => {
    let state = initialReadiness({ requiredConsecutive: 2 });
    state = parseReadinessState(JSON.parse(JSON.stringify(nextReadiness(state, healthy))));
    const resumed = createReadinessTracker({ from: state });
    expect(resumed.observe(healthy).ready).toBe(true);
  });

  it('rejects a corrupt or foreign state, naming the field', () => {
    expect(() => parseReadinessState({ ...initialReadiness(), extra: 1 })).toThrow(RollInputInvalid);
    expect(() => parseReadinessState({ ...initialReadiness(), consecutiveHealthy: -1 })).toThrow(/consecutiveHealthy/);
    expect(() => parseReadinessState('ready')).toThrow(/readiness state is invalid/);
  });

  it('rejects a required count below 1', () => {
    expect(() => initialReadiness({ requiredConsecutive: 0 })).toThrow(RollInputInvalid);
    expect(() => createReadinessTracker({ requiredConsecutive: 2.5 })).toThrow(RollInputInvalid);
  });

  it('is ready exactly when the last N observations were all healthy', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.boolean(), { maxLength: 40 }), (n, seen) => {
        let state = initialReadiness({ requiredConsecutive: n });
        seen.forEach((ok, i) => {
          state = nextReadiness(state, ok ? healthy : sick);
          const window = seen.slice(0, i + 1).slice(-n);
          expect(state.ready).toBe(window.length === n && window.every(Boolean));
        });
      }),
    );
  });
});
