import { parseCommandArgs, parseIntegerFlag } from '../args.ts';
import { ProblemFound } from '../errors.ts';
import { execute, progressPrinter } from '../execution.ts';
import { loadSpecFile, type Output } from '../io.ts';
import { createStepDeps } from '../providers.ts';

export const usage = 'brokerlink drift <spec> [--json] [--wait-ms <n>]';

interface DriftOutput {
  cluster: string;
  drift: number;
  details: string[];
  repairStarted: boolean;
}

/**
 * Runs the drift-check state machine: observe + plan, read-only. With `drift.action: repair` in the spec it
 * then runs provision in apply mode. Exit 0: no drift, or drift repaired; exit 1: drift found and only reported.
 */
export async function driftCommand(argv: string[], io: Output): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, 'wait-ms': { type: 'string' } }, [
    'spec',
  ]);
  const waitMs = parseIntegerFlag('wait-ms', values['wait-ms']) ?? 1000;
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const deps = await createStepDeps(spec, text);
  const output = (await execute(
    'drift-check',
    { cluster: spec.cluster },
    { deps, waitMs, ...(values.json ? {} : { onEvent: progressPrinter(io.err) }) },
  )) as DriftOutput;
  if (values.json) {
    io.out(JSON.stringify(output, null, 2));
  } else if (output.drift === 0) {
    io.out(`cluster ${output.cluster}: no drift`);
  } else {
    io.out(`cluster ${output.cluster}: ${output.drift} difference(s)${output.repairStarted ? ' — repaired' : ''}`);
    for (const line of output.details) io.out(`  - ${line}`);
  }
  if (output.drift > 0 && !output.repairStarted) throw new ProblemFound('drift found');
}
