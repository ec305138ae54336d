import type { CommandChannel, CommandHandle } from '../ports.ts';
import { CommandFailed, ConfigConflict } from './errors.ts';

/**
 * Polls a command once. Returns its stdout when it succeeded, undefined while it runs; throws CommandFailed
 * (or ConfigConflict for the writer's compare-and-swap exit code) when it failed.
 */
export async function awaitCommand(
  handle: CommandHandle,
  commands: CommandChannel,
  what: string,
  options: { conflictExitCode?: number | undefined } = {},
): Promise<string | undefined> {
  const status = await commands.poll(handle);
  if (status.state === 'running') return undefined;
  if (status.state === 'succeeded') return status.stdout;
  if (options.conflictExitCode !== undefined && status.exitCode === options.conflictExitCode) {
    throw new ConfigConflict(`${what} on broker ${handle.target.brokerId}: the file changed since it was read`);
  }
  const detail = [`exit code ${status.exitCode ?? 'unknown'}`, status.stderr.trim(), status.stdout.trim()]
    .filter((part) => part.length > 0)
    .join('; ');
  throw new CommandFailed(handle.target.brokerId, what, detail);
}
