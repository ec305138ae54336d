import { BrokerlinkError, type Disposition } from '../shared/errors.ts';
import { StateMachineFailed } from '../shared/orchestration/errors.ts';
import { SpecInvalid } from '../shared/spec/errors.ts';

/**
 * Exit codes of the `brokerlink` CLI: one per condition, the same from every command — whether the error was thrown
 * by the command itself (plan, verify) or ended a workflow it ran (apply, drift). Table in README.md.
 */
export const EXIT = {
  ok: 0,
  /** A problem a person fixes in the spec or the cluster: invalid spec or plan, verification failed, drift found and not repaired, a failed roll. */
  problem: 1,
  /** The command line itself is wrong (unknown command or flag, missing argument). */
  usage: 2,
  /** The command could not run to an answer: unreadable or corrupt file, cloud or Kafka unreachable; try again. */
  failure: 3,
  /** Another run holds the cluster lock (LockHeld), or took it from this run (LockLost): see `brokerlink unlock`. */
  locked: 4,
} as const;

/** Wrong command line: print the message and the usage line, exit 2. */
export class UsageError extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'UsageError';
}

/** A command finished and the answer is "no" (already printed); exit 1 without a stack trace. */
export class ProblemFound extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ProblemFound';
}

/** `unlock` left the lock in place: its holder still runs, or cannot be checked (already printed); exit 4. */
export class LockNotCleared extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LockNotCleared';
}

/** A file named on the command line cannot be read (missing, no permission): exit 3, nothing was done. */
export class FileUnreadable extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'FileUnreadable';
}

/** A long-running program (test broker, local LB) ended with a non-zero code; it printed why. Exit with its code. */
export class ScriptExited extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ScriptExited';
  readonly exitCode: number;
  constructor(exitCode: number, what: string) {
    super(`${what} exited with ${exitCode}`);
    this.exitCode = exitCode;
  }
}

/** Errors that mean another run has the cluster. */
const LOCKED = new Set(['LockHeld', 'LockLost']);

/**
 * Errors that mean the command could not get an answer — a file it cannot read, state it cannot trust, a service it
 * cannot reach — besides every error whose disposition is `retry` (throttling, a broker briefly unreachable).
 */
const COULD_NOT_RUN = new Set([
  'FileUnreadable',
  'LocalStateInvalid',
  'LockFileInvalid',
  'LockRecordCorrupt',
  'SpecNotFound',
  'SpecNotStored',
  'SecretUnavailable',
  'StateMachineDefinitionInvalid',
  'UnexpectedError',
  'FunctionConfigInvalid',
  'AwsProviderNotConfigured',
  'AwsCallFailed',
  'ProbeConnectionRefused',
  'ProbeConnectionFailed',
  'ProbeTimedOut',
  'ProbeTlsFailed',
  'ProbeAuthenticationFailed',
  'CommandNotFound',
  'CommandOutputTruncated',
  'WriterOutputInvalid',
  'LocalLbReloadFailed',
  'ForwarderListenFailed',
]);

function exitCodeOfName(name: string, disposition: Disposition): number {
  if (name === 'UsageError') return EXIT.usage;
  // The spec's provider has a profile (plans) but no adapters yet: use `plan --observed <file>`.
  if (name === 'ProviderAdaptersUnavailable') return EXIT.usage;
  if (LOCKED.has(name)) return EXIT.locked;
  if (COULD_NOT_RUN.has(name) || disposition === 'retry') return EXIT.failure;
  return EXIT.problem;
}

/**
 * The exit code for an error that ended a command. A failed workflow is judged by the error it ended with, so the
 * same condition gives the same code from `plan` and from `apply`; `dispositionOfName` (the error catalogue) tells
 * the disposition of that error's class, which the workflow only names.
 */
export function exitCodeOf(error: unknown, dispositionOfName?: (name: string) => Disposition | undefined): number {
  if (error instanceof ScriptExited) return error.exitCode;
  if (error instanceof LockNotCleared) return EXIT.locked;
  if (error instanceof ProblemFound) return EXIT.problem;
  if (error instanceof StateMachineFailed) {
    if (error.error.startsWith('States.')) return EXIT.problem; // the run failed in the engine (a timeout, a limit)
    return exitCodeOfName(error.error, dispositionOfName?.(error.error) ?? 'fail');
  }
  if (error instanceof SpecInvalid) return EXIT.problem;
  if (error instanceof BrokerlinkError) return exitCodeOfName(error.name, error.disposition);
  return EXIT.failure;
}
