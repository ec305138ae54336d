/**
 * `ClusterLock` on a lock file next to the local state file: `<stateFile>.<cluster>.lock` holding
 * {owner, expiresAt, ...}. Acquire is an exclusive create; an expired lock is taken over with a rename-based
 * compare-and-swap; release removes the file only if the caller still holds it (lock-file.ts has the details).
 * Re-acquiring by the current owner renews the expiry.
 */
import type { Clock, ClusterLock, LockResult } from '../../ports.ts';
import { systemClock } from '../../ports.ts';
import { clusterNameSchema } from '../../spec/schema.ts';
import { LocalProviderUnsupported } from './errors.ts';
import { releaseLockFile, tryAcquireLockFile } from './lock-file.ts';

export interface LocalClusterLockOptions {
  stateFile: string;
  clock?: Clock;
}

export function clusterLockFile(stateFile: string, cluster: string): string {
  const parsed = clusterNameSchema.safeParse(cluster);
  if (!parsed.success) {
    throw new LocalProviderUnsupported(`cluster name ${JSON.stringify(cluster)} ${parsed.error.issues[0]?.message}`);
  }
  return `${stateFile}.${parsed.data}.lock`;
}

export function createLocalClusterLock(options: LocalClusterLockOptions): ClusterLock {
  const clock = options.clock ?? systemClock;
  return {
    async acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult> {
      if (owner.length === 0) throw new LocalProviderUnsupported('lock owner must not be empty');
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
        throw new LocalProviderUnsupported(`lock ttlSeconds must be a positive number, got ${ttlSeconds}`);
      }
      const result = await tryAcquireLockFile(
        clusterLockFile(options.stateFile, cluster),
        owner,
        ttlSeconds * 1000,
        clock.now(),
      );
      return result.acquired
        ? { acquired: true, owner: result.record.owner, expiresAt: result.record.expiresAt }
        : { acquired: false, holder: result.holder.owner, expiresAt: result.holder.expiresAt };
    },
    async release(cluster: string, owner: string): Promise<void> {
      await releaseLockFile(clusterLockFile(options.stateFile, cluster), owner);
    },
  };
}
