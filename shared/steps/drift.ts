import type { Plan } from '../model/plan.ts';
import { describeLbAction } from '../plan/render.ts';
import type { StepDeps } from './deps.ts';

export interface DriftReport {
  cluster: string;
  drift: number;
  details: string[];
  action: 'report' | 'repair';
  /** Whether the drift check starts a repair: the spec asks for one, and an apply can fix something safely. */
  repair: boolean;
  /** Why no repair starts although the spec asks for one (empty otherwise). */
  held: string[];
}

export interface DriftPolicy {
  action: 'report' | 'repair';
  /** `drift.allowPortMoves`: a repair may move ports running brokers advertise. */
  allowPortMoves: boolean;
}

/**
 * Drift is whatever differs from the spec, told as it is:
 *  - what an apply would change: LB mappings or registrations, ports not open, broker listener config that
 *    differs, brokers running an old config (repairable);
 *  - a broker that is down: reported as down, never as config drift, and a repair leaves it alone (a restart would
 *    not bring it back);
 *  - a mapping brokerlink does not manage inside one of its ranges (another listener's, or one without a node id):
 *    a person resolves it;
 *  - a port a running broker advertises that the plan would move: a repair makes it only with
 *    `drift.allowPortMoves: true`, since consumers that cached the address break.
 * Zero means in sync. A repair starts when the spec says `repair` and some drift is repairable without surprise.
 */
export function driftOf(plan: Plan, policy: DriftPolicy): DriftReport {
  const down = plan.brokers.filter((broker) => broker.configChange === 'down');
  const configDrift = plan.brokers.filter(
    (broker) => broker.configChange !== 'down' && (broker.configChange === 'update' || broker.restart),
  );
  const repairable = [
    ...plan.actions.map(describeLbAction),
    ...configDrift.map((broker) => `broker ${broker.id}: ${broker.reasons.join('; ')}`),
  ];
  const needsPerson = [
    ...down.map((broker) => `broker ${broker.id}: ${broker.reasons.join('; ')}`),
    ...(plan.unmanaged ?? []).map(
      (port) =>
        `port ${port.port} (inside brokerPorts of ${port.insideRangeOf}) has ${port.why}: brokerlink leaves it alone, and it holds a port brokerlink would give a broker; remove it by hand, or put its exposure back in the spec`,
    ),
  ];
  const moves = (plan.portMoves ?? []).map(
    (move) =>
      `broker ${move.brokerId} would move ${move.exposure} from port ${move.from} (what consumers use now) to ${move.to}`,
  );
  const details = [...moves, ...repairable, ...needsPerson];
  const held: string[] = [];
  if (policy.action === 'repair') {
    if (moves.length > 0 && !policy.allowPortMoves) {
      held.push(
        `a repair would move ${moves.length} port(s) running brokers advertise; set drift.allowPortMoves: true to let a repair do that, or apply by hand after reading the plan`,
      );
    }
    if (repairable.length === 0 && held.length === 0 && details.length > 0) {
      held.push('nothing here is for an apply to change: the rest needs a person');
    }
  }
  return {
    cluster: plan.cluster,
    drift: details.length,
    details,
    action: policy.action,
    repair: policy.action === 'repair' && held.length === 0 && repairable.length > 0,
    held,
  };
}

/** Sends the drift report (metric, notification) and returns it. No-op delivery when there is no drift. */
export async function reportDrift(
  plan: Plan,
  policy: DriftPolicy,
  deps: Pick<StepDeps, 'notifier'>,
): Promise<DriftReport> {
  const report = driftOf(plan, policy);
  if (report.drift > 0) await deps.notifier.driftFound(report);
  return report;
}
