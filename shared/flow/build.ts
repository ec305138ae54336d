import type { ErrorName } from '../error-catalogue.ts';
import { retryPolicyOfName } from '../error-catalogue.ts';
import type {
  CatchRule,
  ChoiceStep,
  Condition,
  Fields,
  Json,
  LockScope,
  StatePath,
  Step,
  TaskStep,
  Value,
  WaitStep,
} from './contract.ts';

/*
 * Small builders that keep the workflow definitions (./provision.ts, ./drift-check.ts) a readable chain of named
 * steps: values and conditions, a poll loop, and the cluster-lock steps. They return plain contract data.
 */

export const state = (...path: string[]): Value => ({ kind: 'state', path });
export const literal = (value: Json): Value => ({ kind: 'literal', value });
export const executionId: Value = { kind: 'executionId' };
export const item: Value = { kind: 'item' };

export const equals = (path: StatePath, value: string): Condition => ({ kind: 'equals', path, value });
export const isTrue = (path: StatePath): Condition => ({ kind: 'isTrue', path });
export const isPresent = (path: StatePath): Condition => ({ kind: 'isPresent', path });
export const lessThan = (path: StatePath, value: number): Condition => ({ kind: 'lessThan', path, value });
export const and = (...all: Condition[]): Condition => ({ kind: 'and', all });
export const or = (...any: Condition[]): Condition => ({ kind: 'or', any });

export interface PollLoop {
  /** The task that starts or advances the work and reports where it is (its result at `resultAt`). */
  readonly task: Omit<TaskStep, 'kind' | 'next'>;
  /** The choice after each call: done (go on to `next`), or not yet (wait, then call the task again). */
  readonly until: { readonly id: string; readonly when: Condition; readonly next: string };
  readonly wait: { readonly id: string; readonly seconds: number };
  /**
   * Optional: the calls after the first go to a step of their own, with their own input (the same task, handed its
   * last result to continue from) and no progress line, so the start is announced once however long it polls.
   */
  readonly poll?: { readonly id: string; readonly input: Fields };
}

/**
 * A poll loop: task → done? → next, else wait → task (or wait → poll → done?). The task returns at once (no
 * function sleeps); the engine does the waiting. Used for everything that takes time on the other side: load
 * balancer operations, config pushes, restarts, gates.
 */
export function pollLoop(loop: PollLoop): Step[] {
  const task: TaskStep = { kind: 'task', ...loop.task, next: loop.until.id };
  const check: ChoiceStep = {
    kind: 'choice',
    id: loop.until.id,
    cases: [{ when: loop.until.when, next: loop.until.next }],
    otherwise: loop.wait.id,
  };
  const again = loop.poll?.id ?? loop.task.id;
  const wait: WaitStep = { kind: 'wait', id: loop.wait.id, seconds: loop.wait.seconds, next: again };
  if (loop.poll === undefined) return [task, check, wait];
  const { progress: _announcedOnce, note: _notedOnce, ...quiet } = task;
  const poll: TaskStep = { ...quiet, id: loop.poll.id, input: loop.poll.input, next: loop.until.id };
  return [task, check, wait, poll];
}

/** The retry policy of a catalogued 'wait' error (its class declares one: the catalogue test proves it). */
export function waitPolicyOf(name: ErrorName) {
  const policy = retryPolicyOfName(name);
  if (policy === undefined) throw new TypeError(`${name} is fatal: nothing waits on it`);
  return policy;
}

export interface ClusterLockOptions {
  /** Where the lock's holder id comes from; the lock task gets `{ cluster, owner }`. */
  readonly cluster: Value;
  /** Input flag: when true, an execution that finds the lock held waits for it (bounded) instead of failing. */
  readonly queueFlag: StatePath;
  /** Where the number of waits so far is kept. */
  readonly waitsAt: StatePath;
  /** Where the acquire result is put: its presence means "this execution holds the lock". */
  readonly heldAt: StatePath;
  /** Where a caught error is put before the failure path runs. */
  readonly errorAt: StatePath;
  /** Step after a successful acquire, and after a successful release. */
  readonly afterAcquire: string;
  readonly afterRelease: string;
  readonly ids: {
    readonly initWaits: string;
    readonly acquire: string;
    readonly busy: string;
    readonly waitForLock: string;
    readonly countWait: string;
    readonly holds: string;
    readonly release: string;
    readonly cleanup: string;
    readonly releaseOnFailure: string;
    readonly failed: string;
  };
  readonly progress: { readonly acquire: string; readonly release: string };
}

export interface ClusterLock {
  /** Count of waits := 0, acquire, and the queue loop (its wait and bound come from LockHeld's retry policy). */
  readonly acquireSteps: Step[];
  /** Release if held, then `afterRelease`. */
  readonly releaseSteps: Step[];
  /** The failure path: release if held (its own failure is ignored), then fail with the caught error. */
  readonly failureSteps: Step[];
  /** The catch rule every step inside the lock's scope uses. */
  readonly onFailure: CatchRule;
  readonly scope: LockScope;
}

/**
 * The cluster lock's steps. Every failure after the lock is taken goes through `onFailure` to the release, so the
 * lock is given back on every path (./check.ts proves it on the whole workflow); the lock also expires by itself
 * (its TTL) should even the release fail.
 */
export function clusterLock(options: ClusterLockOptions): ClusterLock {
  const { ids } = options;
  const queue = waitPolicyOf('LockHeld');
  const [counterParent, counterKey] = [options.waitsAt, 'count'];
  const owner = { cluster: options.cluster, owner: executionId };
  const onFailure: CatchRule = { errors: 'any', errorAt: options.errorAt, next: ids.cleanup };
  return {
    acquireSteps: [
      { kind: 'set', id: ids.initWaits, at: counterParent, value: { [counterKey]: 0 } },
      {
        kind: 'task',
        id: ids.acquire,
        task: 'acquireLock',
        input: owner,
        resultAt: options.heldAt,
        catch: [
          { errors: ['LockHeld'], errorAt: options.errorAt, next: ids.busy },
          { errors: 'any', errorAt: options.errorAt, next: ids.releaseOnFailure },
        ],
        next: options.afterAcquire,
        progress: options.progress.acquire,
      },
      {
        kind: 'choice',
        id: ids.busy,
        note:
          'Another execution holds the cluster lock. Event-started applies (several instances launched together) ' +
          `queue behind it, up to ${queue.maxAttempts} waits, instead of failing; a manual apply fails at once with LockHeld.`,
        cases: [
          {
            when: and(
              isPresent(options.queueFlag),
              isTrue(options.queueFlag),
              lessThan([...counterParent, counterKey], queue.maxAttempts),
            ),
            next: ids.waitForLock,
          },
        ],
        otherwise: ids.failed,
      },
      { kind: 'wait', id: ids.waitForLock, seconds: queue.intervalSeconds, next: ids.countWait },
      { kind: 'count', id: ids.countWait, counter: [...counterParent, counterKey], next: ids.acquire },
    ],
    releaseSteps: [
      {
        kind: 'choice',
        id: ids.holds,
        cases: [{ when: isPresent(options.heldAt), next: ids.release }],
        otherwise: options.afterRelease,
      },
      {
        kind: 'task',
        id: ids.release,
        task: 'releaseLock',
        input: owner,
        resultAt: null,
        next: options.afterRelease,
        progress: options.progress.release,
      },
    ],
    failureSteps: [
      {
        kind: 'choice',
        id: ids.cleanup,
        cases: [{ when: isPresent(options.heldAt), next: ids.releaseOnFailure }],
        otherwise: ids.failed,
      },
      {
        kind: 'task',
        id: ids.releaseOnFailure,
        task: 'releaseLock',
        input: owner,
        resultAt: null,
        catch: [{ errors: 'any', errorAt: null, next: ids.failed }],
        next: ids.failed,
      },
      { kind: 'fail', id: ids.failed, rethrow: options.errorAt },
    ],
    onFailure,
    scope: {
      acquire: ids.acquire,
      release: ids.release,
      releaseOnFailure: ids.releaseOnFailure,
      heldAt: options.heldAt,
    },
  };
}
