import { RollInputInvalid } from './errors.ts';

/**
 * Defaults of a rolling restart. The values follow Strimzi's KafkaRoller (`new BackOff(250, 2, 10)` in
 * KafkaReconciler, `STRIMZI_OPERATION_TIMEOUT_MS` = 300000, 1 s readiness polling, 60 s per canRoll call,
 * `controller.quorum.fetch.timeout.ms` = 2000) plus Yelp kafka-rolling-restart's "N consecutive healthy checks".
 * See docs/rolling-restart.md.
 */
export const ROLL_POLICY = Object.freeze({
  /** Delay after the first failed attempt. */
  initialBackoffMs: 250,
  /** Each further failed attempt doubles the delay … */
  backoffMultiplier: 2,
  /** … up to this cap (Strimzi's largest delay: 250 ms · 2^8 before its 10th attempt). */
  maxBackoffMs: 64_000,
  /** Attempts per node (gate checks or readiness probes) before the roll stops; Strimzi uses 10. */
  maxAttempts: 10,
  /** Longest a node may take to become safe to roll, or to come back after its restart. */
  operationTimeoutMs: 300_000,
  /** Healthy observations in a row before a restarted node counts as back. */
  consecutiveHealthyChecks: 3,
  /** Interval between readiness probes after a restart. */
  readinessPollIntervalMs: 1_000,
  /** A voter is caught up when its lastCaughtUpTimestamp is less than this behind the leader's (Kafka default). */
  controllerQuorumFetchTimeoutMs: 2_000,
});

/** Same object as ROLL_POLICY, under the name the brief used. */
export const rollPolicy = ROLL_POLICY;

export type RollPolicy = {
  readonly [K in keyof typeof ROLL_POLICY]: number;
};

export const INITIAL_BACKOFF_MS = ROLL_POLICY.initialBackoffMs;
export const MAX_BACKOFF_MS = ROLL_POLICY.maxBackoffMs;
export const OPERATION_TIMEOUT_MS = ROLL_POLICY.operationTimeoutMs;
export const CONSECUTIVE_HEALTHY_CHECKS = ROLL_POLICY.consecutiveHealthyChecks;

/**
 * Delay in milliseconds before the next attempt, given how many attempts already failed:
 * 0 → 0 (the first attempt is immediate), 1 → 250, 2 → 500, 3 → 1000, … capped at `maxBackoffMs`.
 */
export function nextBackoff(
  failedAttempts: number,
  policy: Pick<RollPolicy, 'initialBackoffMs' | 'backoffMultiplier' | 'maxBackoffMs'> = ROLL_POLICY,
): number {
  if (!Number.isSafeInteger(failedAttempts) || failedAttempts < 0) {
    throw new RollInputInvalid(`failedAttempts must be a non-negative integer, got ${String(failedAttempts)}`);
  }
  if (failedAttempts === 0) return 0;
  const { initialBackoffMs, backoffMultiplier, maxBackoffMs } = policy;
  let delay = initialBackoffMs;
  // Multiply step by step so a huge attempt count stops at the cap instead of overflowing to Infinity.
  for (let i = 1; i < failedAttempts && delay < maxBackoffMs; i++) delay *= backoffMultiplier;
  return Math.min(delay, maxBackoffMs);
}

/** True once `failedAttempts` reached the policy's attempt budget: stop retrying and stop the roll. */
export function attemptsExhausted(failedAttempts: number, policy: Pick<RollPolicy, 'maxAttempts'> = ROLL_POLICY) {
  return failedAttempts >= policy.maxAttempts;
}

/** True once more than the operation timeout has passed since `startedAtMs` (both epoch milliseconds). */
export function operationTimedOut(
  startedAtMs: number,
  nowMs: number,
  policy: Pick<RollPolicy, 'operationTimeoutMs'> = ROLL_POLICY,
): boolean {
  return nowMs - startedAtMs > policy.operationTimeoutMs;
}
