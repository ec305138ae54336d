import type { Bucket } from '@google-cloud/storage';
import {
  type Clock,
  type ClusterLock,
  type LockHolder,
  type LockResult,
  type LockStatus,
  systemClock,
} from '../../ports.ts';
import { GcpLockRecordCorrupt } from './errors.ts';
import { deleteIfGeneration, readVersioned, writeIfGeneration } from './gcs-object.ts';

/*
 * ClusterLock on one Cloud Storage object per cluster, `locks/<cluster>.json` = {"owner","expiresAt","acquiredAt",
 * "released","fence"?}, written only with a generation precondition:
 *  - absent → create with ifGenerationMatch=0;
 *  - present, and released, expired, its holder gone, or ours → overwrite with ifGenerationMatch=<the generation
 *    just read>;
 *  - present and held by another, unexpired → not acquired (holder, expiry and status reported).
 * Cloud Storage applies the precondition and the write atomically, so of any number of contenders that read the
 * same generation exactly one write succeeds; the others get 412 and read again (then see the winner). Release
 * deletes our own record under the generation we read, so a late release after our lease expired and someone else
 * took over fails its precondition (or finds another owner) and changes nothing. (`released: true` records, as
 * older versions wrote them, count as free.)
 *
 * Fencing token (LockHolder.generation): the object generation of the write that acquired the lock. Cloud Storage
 * gives every write of an object a new, larger generation, so a takeover's token is above the one it replaced; a
 * renewal rewrites the object (a new object generation) but carries the token in `fence`, so it keeps it. A record
 * without `fence` was written by an acquisition: its token is its own object generation.
 *
 * Live holders: the owner is the Workflows execution id. With `executionState` (the Executions API's state:
 * ACTIVE, SUCCEEDED, FAILED, CANCELLED, …) a holder whose execution has ended is `gone` and is taken over at once;
 * without it, or when the state cannot be read, the holder is `unknown` and the lease decides.
 */

interface LockRecord {
  owner: string;
  expiresAt: string;
  acquiredAt: string;
  released: boolean;
  /** The token of the acquisition this record renews (absent: this write acquired it). */
  fence?: number;
}

interface CurrentLock {
  record: LockRecord;
  /** The object generation: the precondition of the next write. */
  generation: number;
}

export interface GcsClusterLockOptions {
  bucket: Bucket;
  clock?: Clock;
  /** Object prefix (default `locks/`). */
  prefix?: string;
  /** Reads + conditional writes per acquire before giving up on a contended lock (default 5). */
  attempts?: number;
  /** The state of the Workflows execution an owner names (ACTIVE, SUCCEEDED, …), undefined when unreadable. */
  executionState?: (owner: string) => Promise<string | undefined>;
}

export class GcsClusterLock implements ClusterLock {
  readonly #bucket: Bucket;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #attempts: number;
  readonly #executionState: GcsClusterLockOptions['executionState'];

  constructor(options: GcsClusterLockOptions) {
    this.#bucket = options.bucket;
    this.#clock = options.clock ?? systemClock;
    this.#prefix = options.prefix ?? 'locks/';
    this.#attempts = options.attempts ?? 5;
    this.#executionState = options.executionState;
  }

  objectName(cluster: string): string {
    return `${this.#prefix}${cluster}.json`;
  }

  async acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult> {
    let last: { current: CurrentLock; status: LockStatus } | undefined;
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      const current = await this.#read(cluster);
      const now = this.#clock.now();
      const held = current !== null && !current.record.released ? current : null;
      const renewal = held !== null && held.record.owner === owner;
      // Only another owner's record needs its status (one Executions API read); a renewal needs none.
      const status = held !== null && !renewal ? await this.#statusOf(held, now) : undefined;
      if (held !== null && status !== undefined && !status.expired && status.state !== 'gone') {
        return { acquired: false, holder: held.record.owner, expiresAt: held.record.expiresAt, status };
      }
      const record: LockRecord = {
        owner,
        acquiredAt: renewal ? held.record.acquiredAt : now.toISOString(),
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
        released: false,
        ...(renewal ? { fence: tokenOf(held) } : {}),
      };
      const written = await this.#write(cluster, record, current?.generation ?? 0);
      if (written !== undefined) {
        return {
          acquired: true,
          owner,
          expiresAt: record.expiresAt,
          generation: record.fence ?? written,
          ...(status === undefined ? {} : { tookOver: status }),
        };
      }
      if (held !== null && status !== undefined) last = { current: held, status };
      // Lost a race: someone wrote between our read and our write. Read again.
    }
    const current = await this.#read(cluster);
    if (current !== null && !current.record.released) {
      const status = await this.#statusOf(current, this.#clock.now());
      return { acquired: false, holder: current.record.owner, expiresAt: current.record.expiresAt, status };
    }
    // Contended so hard that no read saw a settled lock: report the last holder seen.
    const seen = last ?? {
      current: {
        record: { owner: 'unknown (contended)', acquiredAt: '', expiresAt: '', released: false },
        generation: 0,
      },
      status: undefined,
    };
    const now = this.#clock.now().toISOString();
    return {
      acquired: false,
      holder: seen.current.record.owner,
      expiresAt: seen.current.record.expiresAt || now,
      status: seen.status ?? {
        holder: { owner: seen.current.record.owner, acquiredAt: now, expiresAt: now, generation: 0 },
        state: 'unknown',
        expired: false,
        detail: 'the lock object changed on every read',
      },
    };
  }

  async release(cluster: string, owner: string): Promise<void> {
    const current = await this.#read(cluster);
    if (current === null || current.record.owner !== owner || current.record.released) return;
    // Deleted, not marked: a released lock leaves nothing behind (like the local lock file), so an execution
    // that changed nothing leaves the bucket exactly as it found it.
    await deleteIfGeneration(this.#bucket, this.objectName(cluster), current.generation);
  }

  async holder(cluster: string): Promise<LockHolder | undefined> {
    const current = await this.#read(cluster);
    return current === null || current.record.released ? undefined : holderOf(current);
  }

  async status(cluster: string): Promise<LockStatus | undefined> {
    const current = await this.#read(cluster);
    return current === null || current.record.released ? undefined : this.#statusOf(current, this.#clock.now());
  }

  /**
   * Deletes the lock object under the generation it read (`brokerlink unlock`): the holder's next fence check
   * finds no lock and stops. Without `force` only a holder that is gone or expired. A lock rewritten meanwhile
   * (a renewal, a takeover) is not cleared: the caller looks again.
   */
  async clear(cluster: string, { force }: { force: boolean }): Promise<{ cleared: boolean; status?: LockStatus }> {
    const current = await this.#read(cluster);
    if (current === null || current.record.released) return { cleared: false };
    const status = await this.#statusOf(current, this.#clock.now());
    if (!force && status.state !== 'gone' && !status.expired) return { cleared: false, status };
    const cleared = await deleteIfGeneration(this.#bucket, this.objectName(cluster), current.generation);
    return { cleared, status };
  }

  async #statusOf(current: CurrentLock, now: Date): Promise<LockStatus> {
    const holder = holderOf(current);
    const expired = Date.parse(current.record.expiresAt) <= now.getTime();
    if (this.#executionState === undefined) {
      return { holder, expired, state: 'unknown', detail: `execution ${holder.owner} (its state is not looked up)` };
    }
    const state = await this.#executionState(holder.owner).catch(() => undefined);
    if (state === undefined) {
      return { holder, expired, state: 'unknown', detail: `execution ${holder.owner} (its state cannot be read)` };
    }
    return {
      holder,
      expired,
      state: state === 'ACTIVE' || state === 'QUEUED' ? 'running' : 'gone',
      detail: `execution ${holder.owner} is ${state}`,
    };
  }

  async #read(cluster: string): Promise<CurrentLock | null> {
    const current = await readVersioned(this.#bucket, this.objectName(cluster));
    if (current === null) return null; // no lock yet
    let parsed: unknown;
    try {
      parsed = JSON.parse(current.text);
    } catch (error) {
      throw new GcpLockRecordCorrupt(`${this.objectName(cluster)} is not JSON`, { cause: error });
    }
    const r = parsed as Partial<LockRecord>;
    if (
      typeof r.owner !== 'string' ||
      typeof r.expiresAt !== 'string' ||
      typeof r.released !== 'boolean' ||
      Number.isNaN(Date.parse(r.expiresAt))
    ) {
      throw new GcpLockRecordCorrupt(`${this.objectName(cluster)} is not a lock record (owner, expiresAt, released)`);
    }
    if (r.fence !== undefined && !(Number.isSafeInteger(r.fence) && r.fence > 0)) {
      throw new GcpLockRecordCorrupt(`${this.objectName(cluster)}: fence must be a positive integer`);
    }
    return {
      record: {
        owner: r.owner,
        expiresAt: r.expiresAt,
        acquiredAt: typeof r.acquiredAt === 'string' ? r.acquiredAt : r.expiresAt,
        released: r.released,
        ...(r.fence === undefined ? {} : { fence: r.fence }),
      },
      generation: current.generation,
    };
  }

  /**
   * Writes under a generation precondition; the new object generation, or undefined when the precondition failed
   * (someone else wrote first).
   */
  #write(cluster: string, record: LockRecord, generation: number): Promise<number | undefined> {
    return writeIfGeneration(this.#bucket, this.objectName(cluster), JSON.stringify(record), generation);
  }
}

function tokenOf(current: CurrentLock): number {
  return current.record.fence ?? current.generation;
}

function holderOf(current: CurrentLock): LockHolder {
  const { owner, acquiredAt, expiresAt } = current.record;
  return { owner, acquiredAt, expiresAt, generation: tokenOf(current) };
}
