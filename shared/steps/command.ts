import type { CommandChannel, CommandHandle } from '../ports.ts';
import { CommandFailed, ConfigConflict } from './errors.ts';

/**
 * Polls a command once. Returns its stdout when it succeeded, undefined while it runs; throws CommandFailed
 * (or ConfigConflict for the writer's compare-and-swap exit code) when it failed. An exit code in `answerExitCodes`
 * is an answer, not a failure: its stdout is returned for the caller to read (the writer's node-id refusal).
 */
export async function awaitCommand(
  handle: CommandHandle,
  commands: CommandChannel,
  what: string,
  options: { conflictExitCode?: number | undefined; answerExitCodes?: readonly number[] } = {},
): Promise<string | undefined> {
  const status = await commands.poll(handle);
  if (status.state === 'running') return undefined;
  if (status.state === 'succeeded') return status.stdout;
  if (status.exitCode !== null && options.answerExitCodes?.includes(status.exitCode)) return status.stdout;
  if (options.conflictExitCode !== undefined && status.exitCode === options.conflictExitCode) {
    throw new ConfigConflict(`${what} on broker ${handle.target.brokerId}: the file changed since it was read`);
  }
  const detail = [`exit code ${status.exitCode ?? 'unknown'}`, status.stderr.trim(), status.stdout.trim()]
    .filter((part) => part.length > 0)
    .join('; ');
  throw new CommandFailed(handle.target.brokerId, what, detail);
}
