import { BrokerlinkError } from '../../errors.ts';
import type { Clock, ClusterLock, LockResult, SpecStore } from '../../ports.ts';
import { systemClock } from '../../ports.ts';
import { alicloudCall } from './alicloud-call.ts';
import type { ObjectStore } from './oss-store.ts';

/*
 * ClusterLock on OSS, as a chain of lease generations (the same algorithm as the AWS Parameter Store lock):
 *
 *   <prefix>locks/<cluster>/000000000007.json = {"owner":"…","expiresAt":"…","acquiredAt":"…","released":false}
 *
 * OSS's only atomic primitive is create-if-absent (PutObject with x-oss-forbid-overwrite: true → 409
 * FileAlreadyExists). So the lock is never taken over by overwriting or deleting: the holder is the owner of the
 * highest generation if that generation is neither released nor expired. Acquiring = creating generation top+1
 * with forbid-overwrite, so of any number of contenders that saw the same top exactly one creates it; a contender
 * that saw an older top fails to create that number and reads the winner. Releasing = the holder overwriting its
 * own generation with released=true, which can never free a newer generation. Acquiring again as the current
 * owner renews the lease (a new generation). Generations two below the top are deleted by the winner.
 * Guarantee: at most one owner holds an unreleased, unexpired top generation, given OSS's atomic forbid-overwrite
 * and strongly consistent listing, and clocks that agree within a small fraction of the TTL.
 */

interface LockRecord {
  owner: string;
  expiresAt: string;
  acquiredAt: string;
  released: boolean;
}

const DIGITS = 12;

export interface OssClusterLockOptions {
  store: ObjectStore;
  /** Key prefix inside the bucket (default `brokerlink/`). */
  prefix?: string;
  clock?: Clock;
}

export class OssClusterLock implements ClusterLock {
  readonly #store: ObjectStore;
  readonly #prefix: string;
  readonly #clock: Clock;

  constructor(options: OssClusterLockOptions) {
    this.#store = options.store;
    this.#prefix = options.prefix ?? 'brokerlink/';
    this.#clock = options.clock ?? systemClock;
  }

  #dir(cluster: string) {
    return `${this.#prefix}locks/${cluster}/`;
  }
  #key(cluster: string, generation: number) {
    return `${this.#dir(cluster)}${String(generation).padStart(DIGITS, '0')}.json`;
  }

  async #top(cluster: string): Promise<{ generation: number; record: LockRecord | undefined } | undefined> {
    const keys = await this.#store.list(this.#dir(cluster));
    const generations = keys
      .map((key) => /(\d+)\.json$/.exec(key)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number);
    if (generations.length === 0) return undefined;
    const generation = Math.max(...generations);
    return { generation, record: await this.#read(cluster, generation) };
  }

  async #read(cluster: string, generation: number): Promise<LockRecord | undefined> {
    const body = await this.#store.get(this.#key(cluster, generation));
    if (body === undefined) return undefined;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as LockRecord;
      return typeof parsed.owner === 'string' && typeof parsed.expiresAt === 'string' ? parsed : undefined;
    } catch {
      return undefined; // a damaged generation does not hold the lock
    }
  }

  async acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult> {
    return alicloudCall('oss:lock.acquire', async () => {
      const now = this.#clock.now();
      const top = await this.#top(cluster);
      const held =
        top?.record !== undefined && !top.record.released && Date.parse(top.record.expiresAt) > now.getTime();
      if (held && top.record!.owner !== owner)
        return { acquired: false, holder: top.record!.owner, expiresAt: top.record!.expiresAt };
      const generation = (top?.generation ?? 0) + 1;
      const record: LockRecord = {
        owner,
        acquiredAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
        released: false,
      };
      if (!(await this.#store.createIfAbsent(this.#key(cluster, generation), JSON.stringify(record)))) {
        const winner = await this.#read(cluster, generation);
        if (winner?.owner === owner) return { acquired: true, owner, expiresAt: winner.expiresAt };
        return {
          acquired: false,
          holder: winner?.owner ?? 'unknown',
          expiresAt: winner?.expiresAt ?? record.expiresAt,
        };
      }
      // A contender slower than a whole TTL may have raced past us: back off if a newer generation exists.
      const after = await this.#top(cluster);
      if (after !== undefined && after.generation > generation) {
        return {
          acquired: false,
          holder: after.record?.owner ?? 'unknown',
          expiresAt: after.record?.expiresAt ?? record.expiresAt,
        };
      }
      for (const key of await this.#store.list(this.#dir(cluster))) {
        const n = Number(/(\d+)\.json$/.exec(key)?.[1] ?? Number.NaN);
        if (n < generation - 1) await this.#store.delete(key).catch(() => undefined);
      }
      return { acquired: true, owner, expiresAt: record.expiresAt };
    });
  }

  async release(cluster: string, owner: string): Promise<void> {
    await alicloudCall('oss:lock.release', async () => {
      const top = await this.#top(cluster);
      if (top?.record === undefined || top.record.owner !== owner || top.record.released) return;
      await this.#store.put(this.#key(cluster, top.generation), JSON.stringify({ ...top.record, released: true }));
    });
  }
}

/** The cluster spec as an OSS object `<prefix>specs/<cluster>.yaml`; writing it fires the spec-change trigger. */
export class OssSpecStore implements SpecStore {
  readonly #store: ObjectStore;
  readonly #prefix: string;
  constructor(options: { store: ObjectStore; prefix?: string }) {
    this.#store = options.store;
    this.#prefix = options.prefix ?? 'brokerlink/';
  }
  key(cluster: string): string {
    return `${this.#prefix}specs/${cluster}.yaml`;
  }
  async load(cluster: string): Promise<string> {
    const body = await alicloudCall('oss:GetObject', () => this.#store.get(this.key(cluster)));
    if (body === undefined) throw new AlicloudSpecNotStored(cluster, this.key(cluster));
    return body.toString('utf8');
  }
  async save(cluster: string, text: string): Promise<void> {
    await alicloudCall('oss:PutObject', () => this.#store.put(this.key(cluster), text));
  }
}

/** No spec is stored for this cluster: push one with `brokerlink push-spec`. */
export class AlicloudSpecNotStored extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudSpecNotStored';
  constructor(cluster: string, key: string) {
    super(`no spec is stored for cluster "${cluster}" (OSS object ${key}); store one with brokerlink push-spec`, {
      context: { cluster, key },
    });
  }
}
