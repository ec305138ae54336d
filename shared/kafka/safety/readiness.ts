import { z } from 'zod';
import { RollInputInvalid } from './errors.ts';
import type { HealthResult } from './health.ts';
import { ROLL_POLICY } from './policy.ts';

/**
 * Readiness of one restarted node, as plain JSON so a state machine can carry it between invocations.
 * `ready` turns true only after `requiredConsecutive` healthy observations in a row; an unhealthy one resets.
 */
export const ReadinessStateSchema = z.strictObject({
  requiredConsecutive: z.int().min(1),
  consecutiveHealthy: z.int().min(0),
  observations: z.int().min(0),
  ready: z.boolean(),
  /** Reasons of the latest unhealthy observation (empty after a healthy one). */
  lastReasons: z.array(z.string()),
});

export type ReadinessState = z.infer<typeof ReadinessStateSchema>;

export function initialReadiness(options: { requiredConsecutive?: number } = {}): ReadinessState {
  const requiredConsecutive = options.requiredConsecutive ?? ROLL_POLICY.consecutiveHealthyChecks;
  if (!Number.isSafeInteger(requiredConsecutive) || requiredConsecutive < 1) {
    throw new RollInputInvalid(`requiredConsecutive must be an integer ≥ 1, got ${String(requiredConsecutive)}`);
  }
  return { requiredConsecutive, consecutiveHealthy: 0, observations: 0, ready: false, lastReasons: [] };
}

/** Pure reducer: the state after one more observation. Never mutates `state`. */
export function nextReadiness(state: ReadinessState, result: HealthResult): ReadinessState {
  const consecutiveHealthy = result.healthy ? state.consecutiveHealthy + 1 : 0;
  return {
    requiredConsecutive: state.requiredConsecutive,
    consecutiveHealthy,
    observations: state.observations + 1,
    ready: consecutiveHealthy >= state.requiredConsecutive,
    lastReasons: result.healthy ? [] : [...result.reasons],
  };
}

/**
 * Validates a readiness state that came back from outside (state machine input).
 * Throws RollInputInvalid naming the field when it is not a readiness state.
 */
export function parseReadinessState(value: unknown): ReadinessState {
  const parsed = ReadinessStateSchema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new RollInputInvalid(`readiness state is invalid: ${detail}`, { cause: parsed.error });
  }
  return parsed.data;
}

export interface ReadinessTracker {
  /** Records one observation and returns the new state (`ready` after N healthy observations in a row). */
  observe(result: HealthResult): ReadinessState;
  /** The current state, a plain JSON value. */
  readonly state: ReadinessState;
}

/** Convenience for in-process loops (CLI, local provider): `nextReadiness` behind a closure. */
export function createReadinessTracker(
  options: { requiredConsecutive?: number; from?: ReadinessState } = {},
): ReadinessTracker {
  let state = options.from ? parseReadinessState(options.from) : initialReadiness(options);
  return {
    observe(result) {
      state = nextReadiness(state, result);
      return state;
    },
    get state() {
      return state;
    },
  };
}
