/*
 * Errors the steps raise. Each declares what the orchestrator does next (`disposition`, see shared/errors.ts). The
 * state machines match on `name` (Step Functions puts the error name in `Error`), so these names are a contract
 * with deployed workflows: see statemachines/.
 *  - retry:  ConfigConflict (the push starts over from the read), KafkaUnavailable
 *  - wait:   LockHeld (an event-started apply queues behind the holder; a manual one fails)
 *  - fail:   everything else (CommandFailed, StepInputInvalid, and the re-exported SpecInvalid, UnsafeToRoll and
 *            BrokerNotReady — both thrown only once their deadline has passed; VerificationFailed is 'wait')
 */

import { BrokerlinkError } from '../errors.ts';
import type { LockHolder, LockStatus } from '../ports.ts';

export { BrokerNotReady, UnsafeToRoll } from '../kafka/safety/errors.ts';
export { VerificationFailed } from '../kafka/verify/errors.ts';
export { SpecInvalid } from '../spec/errors.ts';

/**
 * Another execution holds the cluster lock. The holder is doing the work: an execution started by an event waits
 * for it (bounded), any other fails at once.
 */
export class LockHeld extends BrokerlinkError {
  static readonly disposition = 'wait';
  /** Up to 30 waits of a minute: long enough for the holder's apply of a few brokers, short of piling up. */
  static readonly retryPolicy = { intervalSeconds: 60, maxAttempts: 30, backoffRate: 1 };
  override readonly name = 'LockHeld';
  readonly holder: string;
  readonly expiresAt: string;

  /** `status`: who holds it and whether it still runs, so the message can say what to do. */
  constructor(cluster: string, holder: string, expiresAt: string, options?: ErrorOptions & { status?: LockStatus }) {
    super(lockHeldMessage(cluster, holder, expiresAt, options?.status), {
      ...options,
      context: {
        cluster,
        holder,
        expiresAt,
        ...(options?.status
          ? {
              since: options.status.holder.acquiredAt,
              generation: options.status.holder.generation,
              holderState: options.status.state,
            }
          : {}),
      },
    });
    this.holder = holder;
    this.expiresAt = expiresAt;
  }
}

function lockHeldMessage(cluster: string, holder: string, expiresAt: string, status: LockStatus | undefined): string {
  if (status === undefined) return `cluster "${cluster}" is locked by ${holder} until ${expiresAt}`;
  const since = `since ${status.holder.acquiredAt}, lease until ${expiresAt}`;
  const what =
    status.state === 'running'
      ? 'It is still working: wait for it to finish (an event-started apply queues behind it).'
      : `brokerlink cannot tell whether it still runs. If you know it has ended, clear the lock: brokerlink unlock <spec> --force (shows the holder first); otherwise wait for the lease to end.`;
  return `cluster "${cluster}" is locked by ${holder} (${status.detail}; ${since}). ${what}`;
}

/**
 * Fencing: a mutating step found that its run no longer holds the cluster lock — the lock was cleared or taken over
 * by another run (a newer generation). The run stops before changing anything more, so two runs never work on the
 * same cluster at once. Fatal: look at the run that holds the lock now; apply again when it is done.
 */
export class LockLost extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LockLost';

  constructor(
    details: { cluster: string; owner: string; generation: number; step: string; now?: LockHolder },
    options?: ErrorOptions,
  ) {
    const now = details.now;
    const where =
      now === undefined
        ? 'the lock was cleared (nobody holds it now)'
        : `it is held by ${now.owner} since ${now.acquiredAt} (generation ${now.generation})`;
    super(
      `this run (${details.owner}, lock generation ${details.generation}) no longer holds the lock of cluster "${details.cluster}": ${where}. ` +
        `Stopped before ${details.step}; nothing more was changed. Let the other run finish, then apply again.`,
      {
        ...options,
        context: {
          cluster: details.cluster,
          owner: details.owner,
          generation: details.generation,
          step: details.step,
          holder: now?.owner ?? null,
        },
      },
    );
  }
}

/** A command on a broker host failed (non-zero exit, not delivered, timed out). Stop: a person must look. */
export class CommandFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandFailed';
  readonly brokerId: number;

  constructor(brokerId: number, what: string, detail: string, options?: ErrorOptions) {
    super(`${what} failed on broker ${brokerId}: ${detail}`, options);
    this.brokerId = brokerId;
  }
}

/** server.properties changed between our read and our write (compare-and-swap lost). Retry the push from the read. */
export class ConfigConflict extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'ConfigConflict';
}

/** Kafka could not be reached for a health gate. Retry with backoff; the gate's own deadline still applies. */
export class KafkaUnavailable extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'KafkaUnavailable';
}

/** A step was called with input it cannot use (a bug in the orchestration or a hand-edited execution input). */
export class StepInputInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'StepInputInvalid';
}

/**
 * The server.properties on a broker host names another node than the broker brokerlink found there: the instance's
 * node-id tag (or its `brokers.static` entry) is wrong. Writing broker N's advertised address into broker M's file
 * would send N's consumers to M, so nothing is written and nothing is restarted. Fatal: fix the tag or the entry.
 */
export class BrokerIdentityMismatch extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'BrokerIdentityMismatch';
  readonly brokerId: number;
  readonly fileNodeId: string;

  constructor(
    details: {
      brokerId: number;
      host: string;
      instanceId?: string;
      key: string;
      found: string;
      fix: string;
      /** What did not happen because of it (default: the push's "nothing written, nothing restarted"). */
      consequence?: string;
    },
    options?: ErrorOptions,
  ) {
    const instance =
      details.instanceId === undefined || details.instanceId === details.host
        ? details.host
        : `instance ${details.instanceId} (${details.host})`;
    const says =
      details.found === 'not-a-number' || details.found === 'malformed'
        ? `an unreadable ${details.key}`
        : `${details.key}=${details.found}`;
    super(
      `${instance} was found as broker ${details.brokerId}, but its server.properties has ${says}: it runs ` +
        `${/^\d+$/.test(details.found) ? `broker ${details.found}` : 'another broker'}. ${details.consequence ?? 'Nothing was written and no broker was restarted.'} ` +
        `Fix ${details.fix}, then run again.`,
      {
        ...options,
        context: {
          brokerId: details.brokerId,
          host: details.host,
          instanceId: details.instanceId ?? null,
          key: details.key,
          found: details.found,
        },
      },
    );
    this.brokerId = details.brokerId;
    this.fileNodeId = details.found;
  }
}

/**
 * The cloud reports that a load balancer operation failed (a Compute operation's `error`, an Alibaba job `Failed`).
 * Fail: the action did not take effect, and retrying it blindly could repeat what made it fail.
 */
export class LoadBalancerChangeFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LoadBalancerChangeFailed';
}

/** A load balancer operation is still running after the step's deadline. Fail: a person must look at the cloud. */
export class LoadBalancerChangeTimedOut extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LoadBalancerChangeTimedOut';
}
