import { TASK_FUNCTIONS } from '../../shared/flow/workflows/functions.ts';
import type { TaskName } from '../../shared/steps/tasks.ts';
import type { PrivilegeGroupName } from './roles.ts';

/*
 * The Cloud Functions (2nd gen, Node.js 22) brokerlink deploys on Google Cloud: the workflow's tasks (HTTP,
 * private: only the workflow's service account may invoke them) and the event triggers (CloudEvent functions
 * behind Eventarc). Entry points are the names registered with @google-cloud/functions-framework in
 * functions/gcp/. Each function runs as the service account of one privilege group (roles.ts).
 */

export type FunctionTrigger =
  | { kind: 'http' }
  /** Eventarc: Cloud Audit Logs entry for `v1.compute.instances.insert` (Admin Activity, on by default). */
  | { kind: 'instance-insert' }
  /** Eventarc: an object finalized in the state bucket (a spec written by `brokerlink push-spec` or gcloud). */
  | { kind: 'spec-change' };

export interface FunctionDefinition {
  /** Deployed name (also the URL path: https://REGION-PROJECT.cloudfunctions.net/NAME). */
  name: string;
  entryPoint: string;
  group: PrivilegeGroupName;
  trigger: FunctionTrigger;
  timeoutSeconds: number;
}

const task = (entryPoint: TaskName, group: PrivilegeGroupName, timeoutSeconds = 60): FunctionDefinition => ({
  name: TASK_FUNCTIONS[entryPoint],
  entryPoint,
  group,
  trigger: { kind: 'http' },
  timeoutSeconds,
});

export const FUNCTIONS: readonly FunctionDefinition[] = [
  task('acquireLock', 'state'),
  task('releaseLock', 'state'),
  task('discover', 'read'),
  // Reads server.properties of just-enrolling brokers over the metadata channel: it writes instance metadata.
  task('probeEnrolment', 'host'),
  task('plan', 'read'),
  task('applyLoadBalancer', 'expose'),
  task('checkCanRoll', 'read'),
  task('orderRestarts', 'read'),
  task('advanceConfigPush', 'host'),
  task('advanceRestart', 'host'),
  task('checkHealthy', 'read', 120),
  task('verify', 'read', 120),
  task('report', 'read'),
  task('reportDrift', 'read'),
  {
    name: 'brokerlink-on-instance-inserted',
    entryPoint: 'onInstanceInserted',
    group: 'trigger',
    trigger: { kind: 'instance-insert' },
    timeoutSeconds: 60,
  },
  {
    name: 'brokerlink-on-spec-changed',
    entryPoint: 'onSpecChanged',
    group: 'trigger',
    trigger: { kind: 'spec-change' },
    timeoutSeconds: 60,
  },
];

export const WORKFLOWS = [
  { name: 'brokerlink-provision', source: 'statemachines/provision.workflows.yaml' },
  { name: 'brokerlink-drift-check', source: 'statemachines/drift-check.workflows.yaml' },
] as const;
