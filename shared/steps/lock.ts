import type { StepDeps } from './deps.ts';
import { LockHeld, LockLost } from './errors.ts';

/*
 * The cluster lock as steps: acquire (taking over a holder that is gone or whose lease ended, with a log line),
 * release, and the fence every mutating step passes first: the run must still hold the lock it acquired — same
 * owner, same generation — or it stops with LockLost before changing anything (a lock cleared by hand, or taken over
 * by another run while this one was paused, must not leave two runs restarting brokers).
 */

export interface LockInput {
  cluster: string;
  owner: string;
  ttlSeconds: number;
}

export interface HeldLock {
  cluster: string;
  owner: string;
  expiresAt: string;
  /** The fencing token mutating steps check. */
  generation: number;
  /** Set when this acquisition took the lock over from a holder that was gone or expired. */
  tookOver?: string;
}

/** What a mutating step needs to check the fence: the lock it acquired (the flow passes its HeldLock). */
export type Fence = Pick<HeldLock, 'cluster' | 'owner' | 'generation'>;

export async function acquireLock(
  input: LockInput,
  deps: Pick<StepDeps, 'lock'>,
  log: (line: string) => void = (line) => console.warn(line),
): Promise<HeldLock> {
  const result = await deps.lock.acquire(input.cluster, input.owner, input.ttlSeconds);
  if (!result.acquired) {
    throw new LockHeld(input.cluster, result.holder, result.expiresAt, { status: result.status });
  }
  const held: HeldLock = {
    cluster: input.cluster,
    owner: input.owner,
    expiresAt: result.expiresAt,
    generation: result.generation,
  };
  const previous = result.tookOver;
  if (previous !== undefined) {
    held.tookOver =
      `took over the lock of cluster "${input.cluster}" from ${previous.holder.owner} ` +
      `(held since ${previous.holder.acquiredAt}, generation ${previous.holder.generation}): ` +
      `${previous.expired ? `its lease ended at ${previous.holder.expiresAt}` : previous.detail}`;
    log(`brokerlink: ${held.tookOver}`);
  }
  return held;
}

/** Safe to call on every path, including after a failed acquire: releasing a lock we do not hold is a no-op. */
export async function releaseLock(input: { cluster: string; owner: string }, deps: Pick<StepDeps, 'lock'>) {
  await deps.lock.release(input.cluster, input.owner);
  return { released: true as const };
}

/** Throws LockLost unless the run still holds the lock it acquired. `step`: what it was about to do, for the message. */
export async function checkFence(fence: Fence, step: string, deps: Pick<StepDeps, 'lock'>): Promise<void> {
  const now = await deps.lock.holder(fence.cluster);
  if (now !== undefined && now.owner === fence.owner && now.generation === fence.generation) return;
  throw new LockLost({ ...fence, step, ...(now === undefined ? {} : { now }) });
}
