import { BrokerlinkError } from '../shared/errors.ts';

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
