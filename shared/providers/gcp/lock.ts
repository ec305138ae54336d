import type { Bucket } from '@google-cloud/storage';
import { type Clock, type ClusterLock, type LockResult, systemClock } from '../../ports.ts';
import { GcpLockRecordCorrupt } from './errors.ts';
import { deleteIfGeneration, readVersioned, writeIfGeneration } from './gcs-object.ts';

/*
 * ClusterLock on one Cloud Storage object per cluster, `locks/<cluster>.json` = {"owner","expiresAt","acquiredAt",
 * "released"}, written only with a generation precondition:
 *  - absent → create with ifGenerationMatch=0;
 *  - present, and released, expired, or ours → overwrite with ifGenerationMatch=<the generation just read>;
 *  - present and held by another, unexpired → not acquired (holder and expiry reported).
 * Cloud Storage applies the precondition and the write atomically, so of any number of contenders that read the
 * same generation exactly one write succeeds; the others get 412 and read again (then see the winner). Release
 * deletes our own record under the generation we read, so a late release after our lease expired and someone else
 * took over fails its precondition (or finds another owner) and changes nothing. (`released: true` records, as
 * older versions wrote them, count as free.)
 */

interface LockRecord {
  owner: string;
  expiresAt: string;
  acquiredAt: string;
  released: boolean;
}

export interface GcsClusterLockOptions {
  bucket: Bucket;
  clock?: Clock;
  /** Object prefix (default `locks/`). */
  prefix?: string;
  /** Reads + conditional writes per acquire before giving up on a contended lock (default 5). */
  attempts?: number;
}

export class GcsClusterLock implements ClusterLock {
  readonly #bucket: Bucket;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #attempts: number;

  constructor(options: GcsClusterLockOptions) {
    this.#bucket = options.bucket;
    this.#clock = options.clock ?? systemClock;
    this.#prefix = options.prefix ?? 'locks/';
    this.#attempts = options.attempts ?? 5;
  }

  objectName(cluster: string): string {
    return `${this.#prefix}${cluster}.json`;
  }

  async acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult> {
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      const current = await this.#read(cluster);
      const now = this.#clock.now();
      if (current !== null) {
        const free =
          current.record.released ||
          Date.parse(current.record.expiresAt) <= now.getTime() ||
          current.record.owner === owner;
        if (!free) return { acquired: false, holder: current.record.owner, expiresAt: current.record.expiresAt };
      }
      const record: LockRecord = {
        owner,
        acquiredAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
        released: false,
      };
      if (await this.#write(cluster, record, current?.generation ?? 0))
        return { acquired: true, owner, expiresAt: record.expiresAt };
      // Lost a race: someone wrote between our read and our write. Read again.
    }
    const current = await this.#read(cluster);
    return current === null
      ? { acquired: false, holder: 'unknown (contended)', expiresAt: this.#clock.now().toISOString() }
      : { acquired: false, holder: current.record.owner, expiresAt: current.record.expiresAt };
  }

  async release(cluster: string, owner: string): Promise<void> {
    const current = await this.#read(cluster);
    if (current === null || current.record.owner !== owner || current.record.released) return;
    // Deleted, not marked: a released lock leaves nothing behind (like the local lock file), so an execution
    // that changed nothing leaves the bucket exactly as it found it.
    await deleteIfGeneration(this.#bucket, this.objectName(cluster), current.generation);
  }

  async #read(cluster: string): Promise<{ record: LockRecord; generation: number } | null> {
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
    return {
      record: { owner: r.owner, expiresAt: r.expiresAt, acquiredAt: String(r.acquiredAt ?? ''), released: r.released },
      generation: current.generation,
    };
  }

  /** Writes under a generation precondition; false when the precondition failed (someone else wrote first). */
  #write(cluster: string, record: LockRecord, generation: number): Promise<boolean> {
    return writeIfGeneration(this.#bucket, this.objectName(cluster), JSON.stringify(record), generation);
  }
}
