import type { Plan } from '../model/plan.ts';
import { describeLbAction } from '../plan/render.ts';
import type { StepDeps } from './deps.ts';

export interface DriftReport {
  cluster: string;
  drift: number;
  details: string[];
  action: 'report' | 'repair';
}

/**
 * Drift is whatever the planner would change: LB mappings or registrations that differ from the spec, ports
 * not open, broker listener config that differs, brokers running an old config. Zero means in sync.
 */
export function driftOf(plan: Plan, action: 'report' | 'repair'): DriftReport {
  const details = [
    ...plan.actions.map(describeLbAction),
    ...plan.brokers
      .filter((broker) => broker.configChange === 'update' || broker.restart)
      .map((broker) => `broker ${broker.id}: ${broker.reasons.join('; ')}`),
  ];
  return { cluster: plan.cluster, drift: details.length, details, action };
}

/** Sends the drift report (metric, notification) and returns it. No-op delivery when there is no drift. */
export async function reportDrift(
  plan: Plan,
  action: 'report' | 'repair',
  deps: Pick<StepDeps, 'notifier'>,
): Promise<DriftReport> {
  const report = driftOf(plan, action);
  if (report.drift > 0) await deps.notifier.driftFound(report);
  return report;
}
