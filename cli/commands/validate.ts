import { formatIssues } from '../../shared/spec/errors.ts';
import { parseCommandArgs } from '../args.ts';
import { ProblemFound } from '../errors.ts';
import { type Output, validateSpecFile } from '../io.ts';

/** Exit 0 when the spec is valid; otherwise lists every problem (path: what is wrong) and exits 1. */
export async function validateCommand(argv: string[], io: Output): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, ['spec']);
  const path = positionals[0]!;
  const { result } = await validateSpecFile(path);
  if (values.json) {
    io.out(
      JSON.stringify(
        result.ok ? { ok: true, cluster: result.spec.cluster } : { ok: false, issues: result.issues },
        null,
        2,
      ),
    );
  } else if (result.ok) {
    io.out(`${path}: valid (cluster "${result.spec.cluster}", ${result.spec.exposures.length} exposure(s))`);
  } else {
    io.err(
      `${path} is invalid (${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}):\n${formatIssues(result.issues)}`,
    );
  }
  if (!result.ok) throw new ProblemFound('spec invalid');
}
