import {
  DeleteParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
  paginateGetParametersByPath,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import {
  type Clock,
  type ClusterLock,
  type LockHolder,
  type LockResult,
  type LockStatus,
  systemClock,
} from '../../ports.ts';
import { awsCall, chunk, collectPages, isAwsError } from './aws-call.ts';
import { LockRecordCorrupt } from './errors.ts';

/*
 * ClusterLock on SSM Parameter Store, as a chain of lease *generations*:
 *
 *   /brokerlink/<cluster>/lock/0000000007  = {"owner":"exec-…","expiresAt":"…","released":false}
 *
 * The only atomic primitive Parameter Store offers is create-if-absent (PutParameter Overwrite=false →
 * ParameterAlreadyExists); it has no compare-and-swap on a version and DeleteParameter is unconditional. So the
 * lock is never taken over by overwriting or deleting: the holder is the owner of the highest generation, if that
 * generation is neither released nor expired. Acquiring = creating generation top+1 with Overwrite=false, so of
 * any number of contenders that saw the same top, exactly one creates it. Releasing = the holder overwriting its
 * own generation with released=true; if its lease had already expired and someone created a newer generation,
 * that overwrite touches a generation that no longer counts, so a late release can never free someone else's lock
 * (the race a "read, check owner, DeleteParameter" lock has). A crash at any point leaves at worst an unreleased
 * generation that expires. After winning, the new holder lists again and backs off if an even newer generation
 * exists (a contender that was slower than a whole TTL), then deletes generations below its own.
 *
 * Guarantee: at any time at most one owner holds an unreleased, unexpired top generation, given Parameter Store's
 * atomic create and consistent reads of a path, and clocks that agree within a small fraction of the TTL. As with
 * any lease, a holder that outlives its TTL without renewing (acquire again with the same owner) loses the lock
 * without being told: pick a TTL above the longest execution, and have long executions renew. The generation number
 * is the fencing token the mutating steps check, so a holder that lost its lock stops at its next step.
 *
 * Live holders: the owner is the execution's ARN ($$.Execution.Id). With `executionStatus` (DescribeExecution), a
 * holder whose execution is no longer RUNNING — it failed, was aborted or timed out without releasing — is gone, and
 * its generation is taken over at once instead of after its lease; an owner that is not an execution ARN, or a
 * status that cannot be read, is `unknown` and waits for the lease as before.
 */

interface LockRecord {
  owner: string;
  expiresAt: string;
  acquiredAt: string;
  released: boolean;
}

interface Generation extends LockRecord {
  generation: number;
  name: string;
}

export interface SsmClusterLockOptions {
  ssm: SSMClient;
  clock?: Clock;
  /** Parameter path prefix (default `/brokerlink`). */
  prefix?: string;
  /**
   * The status of a Step Functions execution (DescribeExecution: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED), or
   * undefined when it cannot be read. See `describeExecutionStatus`.
   */
  executionStatus?: (executionArn: string) => Promise<string | undefined>;
}

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,80}$/;

const GENERATION_DIGITS = 10;

export class SsmClusterLock implements ClusterLock {
  readonly #ssm: SSMClient;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #executionStatus: SsmClusterLockOptions['executionStatus'];

  constructor(options: SsmClusterLockOptions) {
    this.#ssm = options.ssm;
    this.#clock = options.clock ?? systemClock;
    this.#prefix = (options.prefix ?? '/brokerlink').replace(/\/+$/, '');
    this.#executionStatus = options.executionStatus;
  }

  /** Path under which the lock generations of `cluster` live (for IAM: `<path>/*`). */
  lockPath(cluster: string): string {
    return `${this.#prefix}/${cluster}/lock`;
  }

  async acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult> {
    const now = this.#clock.now();
    const record: LockRecord = {
      owner,
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
      released: false,
    };
    const top = (await this.#generations(cluster)).at(-1);
    let mine: Generation;
    const active = top !== undefined && !top.released ? top : undefined;
    // Only another owner's generation needs its status (one DescribeExecution); a renewal needs none.
    const activeStatus = active !== undefined && active.owner !== owner ? await this.#statusOf(active, now) : undefined;
    const tookOver =
      activeStatus !== undefined && (activeStatus.expired || activeStatus.state === 'gone') ? activeStatus : undefined;
    if (active !== undefined && tookOver === undefined) {
      if (activeStatus !== undefined) {
        return { acquired: false, holder: active.owner, expiresAt: active.expiresAt, status: activeStatus };
      }
      // Renewal by the holder: its own generation, so an overwrite is safe (checked again below).
      mine = { ...active, ...record, acquiredAt: active.acquiredAt };
      await this.#put(mine, true);
    } else {
      const generation = (top?.generation ?? 0) + 1;
      mine = { ...record, generation, name: this.#name(cluster, generation) };
      const created = await this.#put(mine, false);
      if (!created) {
        const winner = await this.#read(mine.name);
        const winning = {
          ...(winner ?? { ...record, owner: '(unknown)' }),
          generation: mine.generation,
          name: mine.name,
        };
        return {
          acquired: false,
          holder: winning.owner,
          expiresAt: winning.expiresAt,
          status: await this.#statusOf(winning, now),
        };
      }
    }

    const after = await this.#generations(cluster);
    const newer = after.filter((g) => g.generation > mine.generation).at(-1);
    if (newer !== undefined) {
      await this.#put({ ...mine, released: true }, true);
      return {
        acquired: false,
        holder: newer.owner,
        expiresAt: newer.expiresAt,
        status: await this.#statusOf(newer, now),
      };
    }
    await this.#prune(after.filter((g) => g.generation < mine.generation).map((g) => g.name));
    return {
      acquired: true,
      owner,
      expiresAt: mine.expiresAt,
      generation: mine.generation,
      ...(tookOver === undefined ? {} : { tookOver }),
    };
  }

  async holder(cluster: string): Promise<LockHolder | undefined> {
    const top = (await this.#generations(cluster)).at(-1);
    if (top === undefined || top.released) return undefined;
    return { owner: top.owner, acquiredAt: top.acquiredAt, expiresAt: top.expiresAt, generation: top.generation };
  }

  async status(cluster: string): Promise<LockStatus | undefined> {
    const top = (await this.#generations(cluster)).at(-1);
    return top === undefined || top.released ? undefined : this.#statusOf(top, this.#clock.now());
  }

  /** Marks the top generation released, so the next acquire creates a new one (the old holder's steps then stop). */
  async clear(cluster: string, { force }: { force: boolean }) {
    const top = (await this.#generations(cluster)).at(-1);
    if (top === undefined || top.released) return { cleared: false };
    const status = await this.#statusOf(top, this.#clock.now());
    if (!force && status.state !== 'gone' && !status.expired) return { cleared: false, status };
    await this.#put({ ...top, released: true }, true);
    return { cleared: true, status };
  }

  async #statusOf(generation: Generation, now: Date): Promise<LockStatus> {
    const holder = {
      owner: generation.owner,
      acquiredAt: generation.acquiredAt,
      expiresAt: generation.expiresAt,
      generation: generation.generation,
    };
    const expired = Date.parse(generation.expiresAt) <= now.getTime();
    if (!EXECUTION_ARN.test(generation.owner)) {
      return { holder, expired, state: 'unknown', detail: `${generation.owner} is not a Step Functions execution` };
    }
    const status = await this.#executionStatus?.(generation.owner).catch(() => undefined);
    if (status === undefined) {
      return { holder, expired, state: 'unknown', detail: `execution ${generation.owner} (its status cannot be read)` };
    }
    return {
      holder,
      expired,
      state: status === 'RUNNING' || status === 'PENDING_REDRIVE' ? 'running' : 'gone',
      detail: `execution ${generation.owner} is ${status}`,
    };
  }

  async release(cluster: string, owner: string): Promise<void> {
    const top = (await this.#generations(cluster)).at(-1);
    if (top === undefined || top.owner !== owner || top.released) return;
    await this.#put({ ...top, released: true }, true);
  }

  #name(cluster: string, generation: number): string {
    return `${this.lockPath(cluster)}/${String(generation).padStart(GENERATION_DIGITS, '0')}`;
  }

  async #generations(cluster: string): Promise<Generation[]> {
    const parameters = await collectPages(
      'ssm:GetParametersByPath',
      paginateGetParametersByPath(
        { client: this.#ssm, pageSize: 10 },
        { Path: this.lockPath(cluster), Recursive: false },
      ),
      (page) => page.Parameters,
    );
    return parameters
      .flatMap((parameter) => {
        const name = parameter.Name ?? '';
        const generation = Number.parseInt(name.slice(name.lastIndexOf('/') + 1), 10);
        if (!Number.isSafeInteger(generation) || generation <= 0) return [];
        return [{ ...parseRecord(name, parameter.Value), generation, name }];
      })
      .sort((a, b) => a.generation - b.generation);
  }

  async #read(name: string): Promise<LockRecord | undefined> {
    return awsCall('ssm:GetParameter', async () => {
      try {
        const answer = await this.#ssm.send(new GetParameterCommand({ Name: name }));
        return parseRecord(name, answer.Parameter?.Value);
      } catch (error) {
        if (isAwsError(error, 'ParameterNotFound')) return undefined;
        throw error;
      }
    });
  }

  /** Writes a generation; with overwrite=false returns false when it already exists. */
  async #put(generation: Generation, overwrite: boolean): Promise<boolean> {
    const { owner, expiresAt, acquiredAt, released } = generation;
    return awsCall('ssm:PutParameter', async () => {
      try {
        await this.#ssm.send(
          new PutParameterCommand({
            Name: generation.name,
            Value: JSON.stringify({ owner, expiresAt, acquiredAt, released }),
            Type: 'String',
            Tier: 'Standard',
            Overwrite: overwrite,
            Description: 'brokerlink cluster lock generation',
          }),
        );
        return true;
      } catch (error) {
        if (!overwrite && isAwsError(error, 'ParameterAlreadyExists')) return false;
        throw error;
      }
    });
  }

  /** Deletes superseded generations. Best effort: a leftover is harmless (only the top generation counts). */
  async #prune(names: string[]): Promise<void> {
    for (const batch of chunk(names, 10)) {
      await this.#ssm.send(new DeleteParametersCommand({ Names: batch })).catch(() => undefined);
    }
  }
}

function parseRecord(name: string, value: string | undefined): LockRecord {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<LockRecord>;
    if (
      typeof parsed.owner === 'string' &&
      typeof parsed.expiresAt === 'string' &&
      !Number.isNaN(Date.parse(parsed.expiresAt))
    ) {
      return {
        owner: parsed.owner,
        expiresAt: parsed.expiresAt,
        acquiredAt: typeof parsed.acquiredAt === 'string' ? parsed.acquiredAt : parsed.expiresAt,
        released: parsed.released === true,
      };
    }
  } catch (error) {
    throw new LockRecordCorrupt(name, { cause: error });
  }
  throw new LockRecordCorrupt(name);
}
