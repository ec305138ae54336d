/**
 * `ClusterLock` on a lock file next to the local state file: `<stateFile>.<cluster>.lock` holding
 * {owner, expiresAt, host, pid, pidStartedAt, generation, ...}. Acquire is an exclusive create; a lock whose lease
 * ended, or whose holder process on this host is gone (a run killed with SIGKILL, a crashed CLI), is taken over with
 * a rename-based compare-and-swap; release removes the file only if the caller still holds it (lock-file.ts has the
 * details). Re-acquiring by the current owner renews the expiry. A holder on another host cannot be checked from
 * here: its lock is held until its lease ends or a person clears it (`brokerlink unlock --force`).
 */
import type { Clock, ClusterLock, LockResult, LockStatus } from '../../ports.ts';
import { systemClock } from '../../ports.ts';
import { clusterNameSchema } from '../../spec/schema.ts';
import { LocalProviderUnsupported } from './errors.ts';
import {
  holderLiveness,
  type LockRecord,
  readLockFile,
  releaseLockFile,
  removeLockFile,
  tryAcquireLockFile,
} from './lock-file.ts';

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

function statusOf(record: LockRecord, now: Date): LockStatus {
  const liveness = holderLiveness(record);
  return {
    holder: {
      owner: record.owner,
      acquiredAt: record.acquiredAt,
      expiresAt: record.expiresAt,
      generation: record.generation,
      process: { host: record.host, pid: record.pid },
    },
    state: liveness.state,
    expired: Date.parse(record.expiresAt) <= now.getTime(),
    detail: liveness.detail,
  };
}

export function createLocalClusterLock(options: LocalClusterLockOptions): ClusterLock {
  const clock = options.clock ?? systemClock;
  const fileOf = (cluster: string) => clusterLockFile(options.stateFile, cluster);
  return {
    async acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult> {
      if (owner.length === 0) throw new LocalProviderUnsupported('lock owner must not be empty');
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
        throw new LocalProviderUnsupported(`lock ttlSeconds must be a positive number, got ${ttlSeconds}`);
      }
      const now = clock.now();
      const result = await tryAcquireLockFile(fileOf(cluster), owner, ttlSeconds * 1000, now, { pidAware: true });
      if (!result.acquired) {
        return {
          acquired: false,
          holder: result.holder.owner,
          expiresAt: result.holder.expiresAt,
          status: statusOf(result.holder, now),
        };
      }
      const replaced = result.replaced;
      return {
        acquired: true,
        owner: result.record.owner,
        expiresAt: result.record.expiresAt,
        generation: result.record.generation,
        ...(replaced === undefined
          ? {}
          : { tookOver: { ...statusOf(replaced.record, now), detail: replaced.liveness.detail } }),
      };
    },
    async release(cluster: string, owner: string): Promise<void> {
      await releaseLockFile(fileOf(cluster), owner);
    },
    async holder(cluster: string) {
      const record = await readLockFile(fileOf(cluster));
      return record === undefined ? undefined : statusOf(record, clock.now()).holder;
    },
    async status(cluster: string): Promise<LockStatus | undefined> {
      const record = await readLockFile(fileOf(cluster));
      return record === undefined ? undefined : statusOf(record, clock.now());
    },
    async clear(cluster: string, { force }: { force: boolean }) {
      const now = clock.now();
      let found: LockStatus | undefined;
      const { removed, record } = await removeLockFile(fileOf(cluster), (candidate) => {
        found = statusOf(candidate, now);
        return force || found.state === 'gone' || found.expired;
      });
      return { cleared: removed, ...(record === undefined ? {} : { status: found ?? statusOf(record, now) }) };
    },
  };
}
