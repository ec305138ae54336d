import { BrokerlinkError } from '../../errors.ts';
import type { Clock, ClusterLock, LockHolder, LockResult, LockStatus, SpecStore } from '../../ports.ts';
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
 * highest generation if that generation is not released. Acquiring = creating generation top+1 with
 * forbid-overwrite, so of any number of contenders that saw the same top exactly one creates it; a contender that
 * saw an older top fails to create that number and reads the winner. Taking over is allowed only from a top
 * generation whose lease ran out or whose holder is gone (its CloudFlow execution ended). Renewing = the holder
 * overwriting its own generation with a later expiry (the generation, the fencing token, stays). Releasing = the
 * holder overwriting its own generation with released=true, which can never free a newer generation. After
 * winning, the new holder lists again and backs off if an even newer generation exists (a contender slower than a
 * whole TTL), then deletes generations below its own.
 * Guarantee: at most one owner holds an unreleased, unexpired top generation, given OSS's atomic forbid-overwrite
 * and strongly consistent listing, and clocks that agree within a small fraction of the TTL. The generation number
 * is the fence every mutating step checks (`holder`), so a run that lost its lock stops at its next step.
 *
 * Live holders: the owner is the provision flow's execution name ($Context.Execution.Name). With
 * `executionStatus` (CloudFlow DescribeExecution, `cloudFlowExecutionStatus`), a holder whose execution is no
 * longer Running is gone and is taken over at once; a status that cannot be read is `unknown` and waits for the
 * lease.
 */

interface LockRecord {
  owner: string;
  expiresAt: string;
  acquiredAt: string;
  released: boolean;
}

interface Generation extends LockRecord {
  generation: number;
}

const DIGITS = 12;

export interface OssClusterLockOptions {
  store: ObjectStore;
  /** Key prefix inside the bucket (default `brokerlink/`). */
  prefix?: string;
  clock?: Clock;
  /**
   * The status of the holder's CloudFlow execution (Running, Succeeded, Failed, Stopped, TimedOut), or undefined
   * when it cannot be read.
   */
  executionStatus?: (owner: string) => Promise<string | undefined>;
}

export class OssClusterLock implements ClusterLock {
  readonly #store: ObjectStore;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #executionStatus: OssClusterLockOptions['executionStatus'];

  constructor(options: OssClusterLockOptions) {
    this.#store = options.store;
    this.#prefix = options.prefix ?? 'brokerlink/';
    this.#clock = options.clock ?? systemClock;
    this.#executionStatus = options.executionStatus;
  }

  #dir(cluster: string) {
    return `${this.#prefix}locks/${cluster}/`;
  }
  #key(cluster: string, generation: number) {
    return `${this.#dir(cluster)}${String(generation).padStart(DIGITS, '0')}.json`;
  }

  async #generationNumbers(cluster: string): Promise<number[]> {
    const keys = await this.#store.list(this.#dir(cluster));
    return keys
      .map((key) => /(\d+)\.json$/.exec(key)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async #top(cluster: string): Promise<Generation | undefined> {
    const generation = (await this.#generationNumbers(cluster)).at(-1);
    if (generation === undefined) return undefined;
    const record = await this.#read(cluster, generation);
    // A damaged or vanished top generation holds nothing (it is the next acquisition's to supersede).
    return { ...(record ?? { owner: '(unreadable)', acquiredAt: '', expiresAt: '', released: true }), generation };
  }

  async #read(cluster: string, generation: number): Promise<LockRecord | undefined> {
    const body = await this.#store.get(this.#key(cluster, generation));
    if (body === undefined) return undefined;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as LockRecord;
      return typeof parsed.owner === 'string' && typeof parsed.expiresAt === 'string'
        ? { ...parsed, acquiredAt: parsed.acquiredAt ?? '', released: parsed.released === true }
        : undefined;
    } catch {
      return undefined;
    }
  }

  async #write(cluster: string, generation: Generation): Promise<void> {
    await this.#store.put(this.#key(cluster, generation.generation), serialise(generation));
  }

  async acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult> {
    return alicloudCall('oss:lock.acquire', async () => {
      const now = this.#clock.now();
      const record: LockRecord = {
        owner,
        acquiredAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
        released: false,
      };
      const top = await this.#top(cluster);
      const active = top !== undefined && !top.released ? top : undefined;
      // Only another owner's generation needs its status (one DescribeExecution); a renewal needs none.
      const activeStatus =
        active !== undefined && active.owner !== owner ? await this.#statusOf(active, now) : undefined;
      const tookOver =
        activeStatus !== undefined && (activeStatus.expired || activeStatus.state === 'gone')
          ? activeStatus
          : undefined;
      let mine: Generation;
      if (active !== undefined && tookOver === undefined) {
        if (activeStatus !== undefined) {
          return { acquired: false, holder: active.owner, expiresAt: active.expiresAt, status: activeStatus };
        }
        // Renewal by the holder: its own generation, so an overwrite is safe (checked again below).
        mine = { ...active, ...record, acquiredAt: active.acquiredAt };
        await this.#write(cluster, mine);
      } else {
        mine = { ...record, generation: (top?.generation ?? 0) + 1 };
        if (!(await this.#store.createIfAbsent(this.#key(cluster, mine.generation), serialise(mine)))) {
          const winner = await this.#read(cluster, mine.generation);
          const winning: Generation = {
            ...(winner ?? { ...record, owner: '(unknown)' }),
            generation: mine.generation,
          };
          return {
            acquired: false,
            holder: winning.owner,
            expiresAt: winning.expiresAt,
            status: await this.#statusOf(winning, now),
          };
        }
      }
      // A contender slower than a whole TTL may have raced past us: back off if a newer generation exists.
      const after = await this.#generationNumbers(cluster);
      const newest = after.at(-1) ?? mine.generation;
      if (newest > mine.generation) {
        await this.#write(cluster, { ...mine, released: true });
        const newer = await this.#top(cluster);
        const shown = newer ?? { ...record, owner: '(unknown)', generation: newest };
        return {
          acquired: false,
          holder: shown.owner,
          expiresAt: shown.expiresAt,
          status: await this.#statusOf(shown, now),
        };
      }
      for (const generation of after) {
        if (generation < mine.generation - 1) {
          await this.#store.delete(this.#key(cluster, generation)).catch(() => undefined);
        }
      }
      return {
        acquired: true,
        owner,
        expiresAt: mine.expiresAt,
        generation: mine.generation,
        ...(tookOver === undefined ? {} : { tookOver }),
      };
    });
  }

  async release(cluster: string, owner: string): Promise<void> {
    await alicloudCall('oss:lock.release', async () => {
      const top = await this.#top(cluster);
      if (top === undefined || top.owner !== owner || top.released) return;
      await this.#write(cluster, { ...top, released: true });
    });
  }

  async holder(cluster: string): Promise<LockHolder | undefined> {
    return alicloudCall('oss:lock.holder', async () => {
      const top = await this.#top(cluster);
      return top === undefined || top.released ? undefined : holderOf(top);
    });
  }

  async status(cluster: string): Promise<LockStatus | undefined> {
    return alicloudCall('oss:lock.status', async () => {
      const top = await this.#top(cluster);
      return top === undefined || top.released ? undefined : this.#statusOf(top, this.#clock.now());
    });
  }

  /** Marks the top generation released, so the next acquire creates a new one (the old holder's steps then stop). */
  async clear(cluster: string, { force }: { force: boolean }): Promise<{ cleared: boolean; status?: LockStatus }> {
    return alicloudCall('oss:lock.clear', async () => {
      const top = await this.#top(cluster);
      if (top === undefined || top.released) return { cleared: false };
      const status = await this.#statusOf(top, this.#clock.now());
      if (!force && status.state !== 'gone' && !status.expired) return { cleared: false, status };
      await this.#write(cluster, { ...top, released: true });
      return { cleared: true, status };
    });
  }

  async #statusOf(generation: Generation, now: Date): Promise<LockStatus> {
    const holder = holderOf(generation);
    const expired = !(Date.parse(generation.expiresAt) > now.getTime());
    if (this.#executionStatus === undefined) {
      return { holder, expired, state: 'unknown', detail: `execution ${generation.owner} (no status reader)` };
    }
    const status = await this.#executionStatus(generation.owner).catch(() => undefined);
    if (status === undefined) {
      return { holder, expired, state: 'unknown', detail: `execution ${generation.owner} (its status cannot be read)` };
    }
    return {
      holder,
      expired,
      state: status === 'Running' ? 'running' : 'gone',
      detail: `CloudFlow execution ${generation.owner} is ${status}`,
    };
  }
}

function serialise({ owner, expiresAt, acquiredAt, released }: LockRecord): string {
  return JSON.stringify({ owner, expiresAt, acquiredAt, released });
}

function holderOf(generation: Generation): LockHolder {
  return {
    owner: generation.owner,
    acquiredAt: generation.acquiredAt,
    expiresAt: generation.expiresAt,
    generation: generation.generation,
  };
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
