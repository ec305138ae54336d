import { cloudEvent, http } from '@google-cloud/functions-framework';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { type TaskName, tasks } from '../../shared/steps/tasks.ts';
import { taskFunction } from './task-function.ts';
import {
  asCloudEventFunction,
  instanceInsertedHandler,
  jsonLog,
  specChangedHandler,
  type TriggerDeps,
} from './triggers.ts';

/*
 * Registers every brokerlink function with the functions framework under its entry point: one HTTP function per
 * task of shared/steps/tasks.ts (entry point = the task name; deploy/gcp/functions.ts deploys each as
 * brokerlink-<task>), and the two CloudEvent triggers. index.ts calls it with the production deps; the test bed
 * with deps over its fakes.
 */

export const TRIGGER_ENTRY_POINTS = ['onInstanceInserted', 'onSpecChanged'] as const;

export interface GcpFunctionDeps {
  steps: () => StepDeps | Promise<StepDeps>;
  triggers: () => TriggerDeps | Promise<TriggerDeps>;
  /** Where log lines go (stdout by default). */
  write?: (line: string) => void;
}

export function registerGcpFunctions(deps: GcpFunctionDeps): void {
  const write = deps.write === undefined ? {} : { write: deps.write };
  for (const name of Object.keys(tasks) as TaskName[]) http(name, taskFunction(name, { deps: deps.steps, ...write }));
  const log = jsonLog(deps.write, { component: 'trigger' });
  cloudEvent('onInstanceInserted', asCloudEventFunction(instanceInsertedHandler(deps.triggers), log));
  cloudEvent('onSpecChanged', asCloudEventFunction(specChangedHandler(deps.triggers), log));
}
