import { renderVerificationTable } from '../../shared/kafka/verify/render.ts';
import type { VerificationReport } from '../../shared/kafka/verify/report.ts';
import type { Output } from '../io.ts';
import { runWorkflowCommand } from '../workflow-command.ts';

/**
 * Runs the provision state machine (statemachines/provision.asl.yaml) in apply mode against the spec's
 * provider, in-process: the same definition and steps Step Functions runs in the cloud.
 */
export async function applyCommand(argv: string[], io: Output): Promise<void> {
  const { output, json } = await runWorkflowCommand('provision', argv, io, (spec) => ({
    cluster: spec.cluster,
    mode: 'apply',
  }));
  const done = output as { report: unknown; verification: VerificationReport };
  if (json) {
    io.out(JSON.stringify(done, null, 2));
  } else {
    io.out(renderVerificationTable(done.verification));
    io.out(JSON.stringify(done.report, null, 2));
  }
}
