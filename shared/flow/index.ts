import type { Workflow, WorkflowName } from './contract.ts';
import { driftCheck } from './drift-check.ts';
import { provision } from './provision.ts';

export type { Workflow, WorkflowName } from './contract.ts';
export { DRIFT_CHECK_STEPS } from './drift-check.ts';
export { PROVISION_STEPS } from './provision.ts';

/** brokerlink's workflows, by name: every engine's files are generated from (or checked against) these. */
export const WORKFLOWS: Readonly<Record<WorkflowName, Workflow>> = { provision, 'drift-check': driftCheck };

export const WORKFLOW_NAMES = Object.keys(WORKFLOWS) as WorkflowName[];
