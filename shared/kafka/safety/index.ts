export type { BatchGateOptions } from './batch-gate.ts';
export { canRollBatch } from './batch-gate.ts';
export type { BatchConstraint, BatchPhase, ConstraintWitness, RackTopology, RestartBatch } from './batches.ts';
export { rackTopology, restartBatches } from './batches.ts';
export type { CanRollResult, SafetyOptions } from './can-roll.ts';
export { canRoll } from './can-roll.ts';
export { BrokerNotReady, RollInputInvalid, UnsafeToRoll } from './errors.ts';
export { MAX_PARTITION_REASONS } from './format.ts';
export type { HealthResult } from './health.ts';
export { isBackHealthy } from './health.ts';
export { largestSafeSubset } from './largest-safe-subset.ts';
export type { NextRestart, NextRestartInput } from './next.ts';
export { nextRestart } from './next.ts';
export type { RestartOrderInput, RestartPhases } from './order.ts';
export { restartOrder, restartPhases } from './order.ts';
export type { RollPolicy } from './policy.ts';
export {
  attemptsExhausted,
  CONSECUTIVE_HEALTHY_CHECKS,
  INITIAL_BACKOFF_MS,
  MAX_BACKOFF_MS,
  nextBackoff,
  OPERATION_TIMEOUT_MS,
  operationTimedOut,
  ROLL_POLICY,
  rollPolicy,
} from './policy.ts';
export type { QuorumVerdict, VoterState } from './quorum.ts';
export { quorumCheck, voterState } from './quorum.ts';
export type { ReadinessState, ReadinessTracker } from './readiness.ts';
export {
  createReadinessTracker,
  initialReadiness,
  nextReadiness,
  parseReadinessState,
  ReadinessStateSchema,
} from './readiness.ts';
export type { ResolvedRoles } from './roles.ts';
export { activeControllerOf, rolesOf } from './roles.ts';
