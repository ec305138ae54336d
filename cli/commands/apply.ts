import { renderVerificationTable } from '../../shared/kafka/verify/render.ts';
import type { VerificationReport } from '../../shared/kafka/verify/report.ts';
import { parseCommandArgs, parseIntegerFlag } from '../args.ts';
import { execute, progressPrinter } from '../execution.ts';
import { loadSpecFile, type Output } from '../io.ts';
import { createStepDeps } from '../providers.ts';

export const usage = 'brokerlink apply <spec> [--json] [--wait-ms <n>]';

/**
 * Runs the provision state machine (statemachines/provision.asl.yaml) in apply mode against the spec's
 * provider, in-process: the same definition and steps Step Functions runs in the cloud.
 */
export async function applyCommand(argv: string[], io: Output): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, 'wait-ms': { type: 'string' } }, [
    'spec',
  ]);
  const waitMs = parseIntegerFlag('wait-ms', values['wait-ms']) ?? 1000;
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const deps = await createStepDeps(spec, text);
  const output = (await execute(
    'provision',
    { cluster: spec.cluster, mode: 'apply' },
    { deps, waitMs, ...(values.json ? {} : { onEvent: progressPrinter(io.err) }) },
  )) as { report: unknown; verification: VerificationReport };
  if (values.json) {
    io.out(JSON.stringify(output, null, 2));
  } else {
    io.out(renderVerificationTable(output.verification));
    io.out(JSON.stringify(output.report, null, 2));
  }
}
