import { ProblemFound } from '../errors.ts';
import type { Output } from '../io.ts';
import { runWorkflowCommand } from '../workflow-command.ts';

interface DriftOutput {
  cluster: string;
  drift: number;
  details: string[];
  repairStarted: boolean;
  /** Why no repair started although the spec asks for one. */
  held?: string[];
}

/**
 * Runs the drift-check state machine: observe + plan, read-only. With `drift.action: repair` in the spec it
 * then runs provision in apply mode. Exit 0: no drift, or drift repaired; exit 1: drift found and only reported.
 */
export async function driftCommand(argv: string[], io: Output): Promise<void> {
  const { output, json } = await runWorkflowCommand('drift-check', argv, io, (spec) => ({ cluster: spec.cluster }));
  const drift = output as DriftOutput;
  if (json) {
    io.out(JSON.stringify(drift, null, 2));
  } else if (drift.drift === 0) {
    io.out(`cluster ${drift.cluster}: no drift`);
  } else {
    io.out(`cluster ${drift.cluster}: ${drift.drift} difference(s)${drift.repairStarted ? ' — repaired' : ''}`);
    for (const line of drift.details) io.out(`  - ${line}`);
    for (const line of drift.held ?? []) io.out(`not repaired: ${line}`);
  }
  if (drift.drift > 0 && !drift.repairStarted) throw new ProblemFound('drift found');
}
