import type { Step, Workflow } from './contract.ts';
import { WORKFLOWS } from './index.ts';

/*
 * Progress lines come from the flow contract: a step that announces itself carries its `progress` text there, so the
 * CLI and the demo follow the workflow as it is, not a copied list of state names. Step ids are unique within a
 * workflow, and a step id the two workflows share (Discover, Plan) carries the same text in both (a test checks).
 */

export interface ProgressStep {
  readonly id: string;
  readonly text: string;
  /** The step runs once per item of a loop (per broker), not once per execution. */
  readonly perItem: boolean;
}

function collect(steps: readonly Step[], perItem: boolean, out: ProgressStep[]): ProgressStep[] {
  for (const step of steps) {
    const text = 'progress' in step ? step.progress : undefined;
    if (text !== undefined) out.push({ id: step.id, text, perItem });
    if (step.kind === 'forEach') collect(step.steps, true, out);
  }
  return out;
}

/** The steps of one workflow that announce themselves, in definition order. */
export function progressSteps(workflow: Workflow): ProgressStep[] {
  return collect(workflow.steps, false, []);
}

/** Every announcing step of every workflow, by id. */
export const PROGRESS_STEPS: ReadonlyMap<string, ProgressStep> = new Map(
  Object.values(WORKFLOWS).flatMap((workflow) => progressSteps(workflow).map((step) => [step.id, step] as const)),
);
