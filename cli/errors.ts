import { BrokerlinkError } from '../shared/errors.ts';
import { StateMachineFailed } from '../shared/orchestration/errors.ts';
import { ProviderAdaptersUnavailable } from '../shared/providers/errors.ts';
import { SpecInvalid } from '../shared/spec/errors.ts';

/** Exit codes of the `brokerlink` CLI (documented in README.md). */
export const EXIT = {
  ok: 0,
  /** The command ran and found a problem: invalid spec, verification failed, drift found, execution failed. */
  problem: 1,
  /** The command line itself is wrong (unknown command or flag, missing argument). */
  usage: 2,
  /** The command could not run to an answer (unreadable file, unreachable cloud or cluster, lock held). */
  failure: 3,
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

type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The exit code for an error that ended a command, by class (first match wins): the command line was wrong; the
 * answer is "no" (a problem was found and printed, an execution failed, a spec is invalid); anything else means
 * the command could not run to an answer. These are the CLI's own errors, so they are not in the error catalogue.
 */
const EXIT_BY_CLASS: readonly (readonly [abstract new (...args: never[]) => Error, ExitCode])[] = [
  [UsageError, EXIT.usage],
  // The spec's provider has a profile (plans) but no adapters yet: use `plan --observed <file>`.
  [ProviderAdaptersUnavailable, EXIT.usage],
  [ProblemFound, EXIT.problem],
  [StateMachineFailed, EXIT.problem],
  [SpecInvalid, EXIT.problem],
];

export function exitCodeOf(error: unknown): number {
  if (error instanceof ScriptExited) return error.exitCode;
  return EXIT_BY_CLASS.find(([errorClass]) => error instanceof errorClass)?.[1] ?? EXIT.failure;
}
