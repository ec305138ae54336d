import type { StepDeps } from './deps.ts';
import { LockHeld } from './errors.ts';

export interface LockInput {
  cluster: string;
  owner: string;
  ttlSeconds: number;
}

export interface HeldLock {
  cluster: string;
  owner: string;
  expiresAt: string;
}

export async function acquireLock(input: LockInput, deps: Pick<StepDeps, 'lock'>): Promise<HeldLock> {
  const result = await deps.lock.acquire(input.cluster, input.owner, input.ttlSeconds);
  if (!result.acquired) throw new LockHeld(input.cluster, result.holder, result.expiresAt);
  return { cluster: input.cluster, owner: input.owner, expiresAt: result.expiresAt };
}

/** Safe to call on every path, including after a failed acquire: releasing a lock we do not hold is a no-op. */
export async function releaseLock(input: { cluster: string; owner: string }, deps: Pick<StepDeps, 'lock'>) {
  await deps.lock.release(input.cluster, input.owner);
  return { released: true as const };
}
