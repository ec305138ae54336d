import type { WorkflowName } from '../flow/contract.ts';
import type { StartedExecution, TriggerLog, TriggerResult, WorkflowStarter } from './ports.ts';

/** The provision workflow's execution input (see docs/manual-start.md and shared/flow/provision.ts). */
export type ProvisionInput = {
  cluster: string;
  mode: 'plan' | 'apply' | 'verify';
  trigger: 'instance-running' | 'instance-tagged' | 'spec-change' | 'schedule' | 'drift-repair' | 'manual';
  /** Queue behind an execution that holds the cluster lock instead of failing (events that arrive together). */
  waitForLock?: boolean;
};

/**
 * Execution names every engine accepts: 1–80 of [A-Za-z0-9_-] (Step Functions allows 80, CloudFlow 128; other
 * characters some allow are avoided). The name is derived from the event, so a redelivered event yields the same
 * name and finds its execution instead of starting a second one.
 */
export const EXECUTION_NAME_MAX = 80;

export function executionName(...parts: string[]): string {
  return parts
    .map((part) => part.replace(/[^A-Za-z0-9_-]/g, '-'))
    .join('-')
    .slice(0, EXECUTION_NAME_MAX);
}

/** Starts `workflow` under `name` and logs what happened (started, or already there: a redelivery). */
export async function startNamed(
  starter: WorkflowStarter,
  workflow: WorkflowName,
  name: string,
  input: Readonly<Record<string, unknown>>,
  log: TriggerLog,
): Promise<TriggerResult> {
  const started: StartedExecution = await starter.start(workflow, name, input);
  if (started.alreadyStarted) {
    log.info('execution already started for this event (redelivery); nothing new started', {
      executionName: name,
      executionId: started.executionId,
    });
  } else {
    log.info('execution started', { executionName: name, executionId: started.executionId, input });
  }
  return { started: true, executionId: started.executionId, name, alreadyStarted: started.alreadyStarted };
}
