import { randomUUID } from 'node:crypto';
import type { WorkflowName } from '../shared/flow/contract.ts';
import { PROGRESS_STEPS } from '../shared/flow/progress.ts';
import { StateMachineFailed } from '../shared/orchestration/errors.ts';
import {
  type EventLog,
  loadDefinition,
  type RunOptions,
  runStateMachine,
} from '../shared/orchestration/local-state-machine.ts';
import type { StepDeps } from '../shared/steps/deps.ts';

const STATE_MACHINES = new URL('../statemachines/', import.meta.url);

export type Machine = WorkflowName;

export interface ExecuteOptions {
  deps: StepDeps;
  waitMs?: number;
  onEvent?: (event: EventLog) => void;
  executionId?: string;
  wrapTask?: RunOptions['wrapTask'];
}

/**
 * Runs one of statemachines/*.asl.yaml in-process: the same definition Step Functions runs in the cloud.
 * A drift repair (`states:startExecution` of provision) runs as a nested local execution. Step Functions would only
 * start it; here the drift run waits for it, so a repair that fails ends the drift run with the repair's own failure
 * (its error and exit code, as `apply` would give), not with "StartRepair failed with StateMachineFailed".
 */
export async function execute(
  machine: Machine,
  input: Record<string, unknown>,
  options: ExecuteOptions,
): Promise<unknown> {
  const definition = await loadDefinition(new URL(`${machine}.asl.yaml`, STATE_MACHINES));
  const executionId = options.executionId ?? `local:${machine}:${randomUUID()}`;
  let repairFailure: StateMachineFailed | undefined;
  try {
    return await runStateMachine(definition, input, {
      executionId,
      deps: options.deps,
      ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.wrapTask ? { wrapTask: options.wrapTask } : {}),
      startExecution: async (startInput) => {
        const nested = (startInput as { Input?: Record<string, unknown> }).Input ?? {};
        try {
          const output = await execute('provision', nested, { ...options, executionId: `${executionId}:repair` });
          return { executionArn: `${executionId}:repair`, output };
        } catch (error) {
          if (error instanceof StateMachineFailed) repairFailure = error;
          throw error;
        }
      },
    });
  } catch (error) {
    if (repairFailure !== undefined && error instanceof StateMachineFailed && error.error === 'StateMachineFailed') {
      throw repairFailure;
    }
    throw error;
  }
}

/** One short line per step a person cares about, from the execution's event log. */
export function progressPrinter(write: (line: string) => void): (event: EventLog) => void {
  return (event) => {
    if (event.type === 'StateEntered' && INTERESTING.has(event.state.name)) {
      const item = event.index === undefined ? '' : ` [item ${event.index}]`;
      write(`→ ${event.state.name}${item}`);
    }
    if (event.type === 'StateFailed') write(`✗ ${event.state.name}: ${event.Error ?? ''} ${event.Cause ?? ''}`.trim());
    if (event.type === 'StateRetried') write(`↻ ${event.state.name}: retry attempt ${event.retry.attempt}`);
  };
}

/** The steps that announce themselves in the flow contract (shared/flow/), per execution and per broker. */
const INTERESTING: ReadonlySet<string> = new Set(PROGRESS_STEPS.keys());
