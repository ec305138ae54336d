import type { ClusterSpec } from '../shared/spec/schema.ts';
import { parseCommandArgs, parseIntegerFlag } from './args.ts';
import { execute, type Machine, progressPrinter } from './execution.ts';
import { loadSpecFile, type Output } from './io.ts';
import { createStepDeps } from './providers.ts';

/**
 * The one execute path of the workflow commands (apply, drift): `<spec> [--json] [--wait-ms <n>]`, the spec file
 * is the spec store, the spec's provider gives the deps, progress goes to stderr unless --json.
 */
export async function runWorkflowCommand(
  machine: Machine,
  argv: string[],
  io: Output,
  inputOf: (spec: ClusterSpec) => Record<string, unknown>,
): Promise<{ output: unknown; json: boolean }> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, 'wait-ms': { type: 'string' } }, [
    'spec',
  ]);
  const waitMs = parseIntegerFlag('wait-ms', values['wait-ms']) ?? 1000;
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const deps = await createStepDeps(spec, text);
  const json = values.json === true;
  const output = await execute(machine, inputOf(spec), {
    deps,
    waitMs,
    ...(json ? {} : { onEvent: progressPrinter(io.err) }),
  });
  return { output, json };
}
