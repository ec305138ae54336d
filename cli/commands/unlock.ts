import type { LockStatus } from '../../shared/ports.ts';
import { parseCommandArgs } from '../args.ts';
import { LockNotCleared } from '../errors.ts';
import { loadSpecFile, type Output } from '../io.ts';
import { createStepDeps } from '../providers.ts';

/**
 * Shows who holds the cluster lock and clears it: without --force only when its holder is gone (a killed run, an
 * ended execution) or its lease is over; with --force whatever holds it. A run that loses its lock this way stops at
 * its next mutating step (LockLost), so clearing a live holder's lock stops that run rather than racing it.
 */
export async function unlockCommand(argv: string[], io: Output): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { force: { type: 'boolean' }, json: { type: 'boolean' } }, [
    'spec',
  ]);
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const deps = await createStepDeps(spec, text);
  const force = values.force === true;
  const result = await deps.lock.clear(spec.cluster, { force });
  if (values.json) {
    io.out(JSON.stringify({ cluster: spec.cluster, force, ...result }, null, 2));
  } else if (result.status === undefined) {
    io.out(`cluster "${spec.cluster}" is not locked`);
  } else {
    io.out(describe(spec.cluster, result.status));
    io.out(
      result.cleared
        ? `cleared the lock of cluster "${spec.cluster}"`
        : result.status.state === 'running'
          ? `not cleared: its holder is still running. Wait for it, or stop it; --force clears it anyway (the run then stops at its next change with LockLost).`
          : `not cleared: brokerlink cannot tell whether its holder still runs. If you are sure it has ended, run again with --force.`,
    );
  }
  // Another run (still) holds the lock: the same exit code (4) as an apply that meets it.
  if (result.status !== undefined && !result.cleared) throw new LockNotCleared('lock not cleared');
}

function describe(cluster: string, status: LockStatus): string {
  const { holder } = status;
  return [
    `cluster "${cluster}" is locked by ${holder.owner}`,
    `  since       ${holder.acquiredAt}`,
    `  lease until ${holder.expiresAt}${status.expired ? ' (over)' : ''}`,
    `  generation  ${holder.generation}`,
    `  holder      ${status.detail}`,
  ].join('\n');
}
