import { isTrue, literal, state } from './build.ts';
import type { Workflow } from './contract.ts';

/*
 * drift check (scheduled): observe + plan, read-only. No drift → success with drift: 0. Drift → report (execution
 * output, metric, notification) and, when the spec says `drift.action: repair`, start provision in apply mode
 * (which takes the cluster lock itself, so this workflow holds none).
 */

export const DRIFT_CHECK_STEPS = {
  discover: 'Discover',
  plan: 'Plan',
  reportDrift: 'ReportDrift',
  startRepair: 'StartRepair',
} as const;

const S = DRIFT_CHECK_STEPS;
const spec = state('discovered', 'spec');
const plan = state('planned', 'plan');

export const driftCheck: Workflow = {
  name: 'drift-check',
  comment: 'brokerlink drift check',
  description: [
    'brokerlink drift check (scheduled): observe + plan, read-only. No drift → success with drift: 0.',
    'Drift → report (execution output, metric, notification) and, when the spec says `drift.action: repair`,',
    'start the provision state machine in apply mode (which takes the cluster lock itself).',
  ],
  timeoutSeconds: 900,
  input: { cluster: 'the cluster whose stored spec is checked' },
  steps: [
    {
      kind: 'task',
      id: S.discover,
      task: 'discover',
      input: { cluster: state('cluster') },
      resultAt: ['discovered'],
      progress: 'discovering brokers, load balancer and running Kafka config',
    },
    {
      kind: 'task',
      id: S.plan,
      task: 'plan',
      input: { spec, observed: state('discovered', 'observed') },
      resultAt: ['planned'],
      progress: 'planning',
    },
    {
      kind: 'choice',
      id: 'InSync',
      cases: [{ when: isTrue(['planned', 'plan', 'summary', 'inSync']), next: 'NoDrift' }],
      otherwise: S.reportDrift,
    },
    {
      kind: 'succeed',
      id: 'NoDrift',
      output: { cluster: state('cluster'), drift: literal(0), details: literal([]), repairStarted: literal(false) },
    },
    {
      kind: 'task',
      id: S.reportDrift,
      task: 'reportDrift',
      input: { spec, plan },
      resultAt: ['drift'],
      progress: 'reporting drift',
    },
    {
      kind: 'choice',
      id: 'RepairWanted',
      note: 'A repair starts when the spec asks for one and an apply can fix something without surprise (no port move unless drift.allowPortMoves).',
      cases: [{ when: isTrue(['drift', 'repair']), next: S.startRepair }],
      otherwise: 'DriftReported',
    },
    {
      kind: 'startWorkflow',
      id: S.startRepair,
      workflow: 'provision',
      input: { cluster: state('cluster'), mode: literal('apply'), trigger: literal('drift-repair') },
      resultAt: ['repair'],
      progress: 'starting the repair (provision, apply)',
    },
    {
      kind: 'succeed',
      id: 'RepairStarted',
      output: {
        cluster: state('cluster'),
        drift: state('drift', 'drift'),
        details: state('drift', 'details'),
        repairStarted: literal(true),
      },
    },
    {
      kind: 'succeed',
      id: 'DriftReported',
      output: {
        cluster: state('cluster'),
        drift: state('drift', 'drift'),
        details: state('drift', 'details'),
        repairStarted: literal(false),
        held: state('drift', 'held'),
      },
    },
  ],
};
