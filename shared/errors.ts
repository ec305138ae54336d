/*
 * The one base of every error brokerlink raises. An error says what the orchestrator (Step Functions, Cloud
 * Workflows, CloudFlow, the local runner, the CLI) does next when a task throws it:
 *  - 'retry': a transient fault (throttling, a 5xx, Kafka briefly unreachable, a lost compare-and-swap): run the
 *    same task again with backoff;
 *  - 'wait':  the world is not ready yet (an agent not registered, a lock held by a queued run): wait, then poll
 *    the same task again, bounded by the flow's own count or deadline;
 *  - 'fail':  a person (or a new plan) must change something; retrying cannot help.
 *
 * The disposition is declared once per class as `static readonly disposition`, so that engines' Retry/Catch lists
 * and handlers' error mappings can be derived from the classes without building an instance. `name` is the
 * contract with the workflow files (Step Functions matches `ErrorEquals` against it): every subclass sets
 * `override readonly name = '<ClassName>'`. A 'retry' class may, and a 'wait' class must, declare how often and how
 * far apart the engine tries again: `static readonly retryPolicy = { intervalSeconds, maxAttempts, backoffRate }`.
 * Every concrete class of production code is listed in shared/error-catalogue.ts, which the workflows derive from.
 */

export const DISPOSITIONS = ['retry', 'wait', 'fail'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** Structured facts about the failure (ids, ports, operation names) that logs and reports can show. */
export type ErrorContext = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

export interface BrokerlinkErrorOptions extends ErrorOptions {
  context?: ErrorContext;
}

export abstract class BrokerlinkError extends Error {
  abstract override readonly name: string;
  readonly context: ErrorContext;

  constructor(message: string, options: BrokerlinkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.context = options.context ?? {};
  }

  /** What the orchestrator does next; read from the class so instances and classes never disagree. */
  get disposition(): Disposition {
    return dispositionOf(this.constructor);
  }
}

/** A brokerlink error class, as the catalogues that derive Retry/Catch lists see it. */
export interface BrokerlinkErrorClass {
  readonly name: string;
  readonly disposition: Disposition;
  readonly prototype: BrokerlinkError;
}

/**
 * The disposition a class declares itself (its own static field, not one inherited from a base class): a class
 * that forgot to declare one is a bug that the error catalogue test must catch, so this throws instead of guessing.
 */
export function dispositionOf(errorClass: unknown): Disposition {
  const declared =
    typeof errorClass === 'function' && Object.hasOwn(errorClass, 'disposition')
      ? (errorClass as unknown as { disposition: unknown }).disposition
      : undefined;
  if (typeof declared === 'string' && (DISPOSITIONS as readonly string[]).includes(declared)) {
    return declared as Disposition;
  }
  const name = typeof errorClass === 'function' ? errorClass.name : String(errorClass);
  throw new TypeError(
    `error class ${name} declares no disposition (static readonly disposition = 'retry' | 'wait' | 'fail')`,
  );
}

/**
 * How an engine tries a task again after a 'retry' or 'wait' error: the first pause, how many more attempts, and by
 * how much each pause grows (Step Functions' IntervalSeconds / MaxAttempts / BackoffRate; Cloud Workflows'
 * initial_delay / max_retries / multiplier; CloudFlow's Retry block).
 */
export interface RetryPolicy {
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
}

/** The policy of a 'retry' class that declares none: pauses of 2, 4, 8 and 16 s (30 s in all), then fail. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ intervalSeconds: 2, maxAttempts: 4, backoffRate: 2 });

/**
 * The retry policy of a class: its own declaration, the default for a 'retry' class that declares none, and none
 * for a 'fail' class. A 'wait' class without a policy, a 'fail' class with one, or a policy out of range is a bug
 * the error catalogue test must catch, so this throws.
 */
export function retryPolicyOf(errorClass: unknown): RetryPolicy | undefined {
  const disposition = dispositionOf(errorClass);
  const name = (errorClass as { name: string }).name;
  const declared = Object.hasOwn(errorClass as object, 'retryPolicy')
    ? (errorClass as { retryPolicy: unknown }).retryPolicy
    : undefined;
  if (disposition === 'fail') {
    if (declared !== undefined) throw new TypeError(`error class ${name} is fatal but declares a retryPolicy`);
    return undefined;
  }
  if (declared === undefined) {
    if (disposition === 'wait') {
      throw new TypeError(`error class ${name} waits but declares no retryPolicy (how long, how many times)`);
    }
    return DEFAULT_RETRY_POLICY;
  }
  const policy = declared as Partial<RetryPolicy>;
  const valid =
    Number.isInteger(policy.intervalSeconds) &&
    (policy.intervalSeconds ?? 0) >= 1 &&
    Number.isInteger(policy.maxAttempts) &&
    (policy.maxAttempts ?? 0) >= 1 &&
    typeof policy.backoffRate === 'number' &&
    policy.backoffRate >= 1;
  if (!valid) {
    throw new TypeError(
      `error class ${name} declares an invalid retryPolicy ${JSON.stringify(declared)}: intervalSeconds and ` +
        'maxAttempts must be integers >= 1, backoffRate a number >= 1',
    );
  }
  return declared as RetryPolicy;
}
