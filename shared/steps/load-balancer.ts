import type { LbAction, Plan } from '../model/plan.ts';
import { lbStages } from '../plan/planner.ts';
import { describeLbAction } from '../plan/render.ts';
import type { ConsumerEndpoint } from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import type { StepDeps } from './deps.ts';

/**
 * The plan's LB actions in the runbooks' two steps: "create targets" (free expired ports, create/revive
 * mappings, open ports) then "register brokers" (attach/detach, retire, delete, close). Each action is
 * idempotent in every adapter, so a re-run after a failure part-way converges without duplicates.
 */
export type LbPhase = 'targets' | 'registrations';

export function actionsOfPhase(plan: Plan, phase: LbPhase): LbAction[] {
  return lbStages(plan.actions)[phase];
}

export async function applyLoadBalancerPhase(
  spec: ClusterSpec,
  plan: Plan,
  phase: LbPhase,
  deps: Pick<StepDeps, 'loadBalancer'>,
): Promise<{ phase: LbPhase; applied: number; actions: string[]; endpoint: ConsumerEndpoint | null }> {
  const actions = actionsOfPhase(plan, phase);
  // Sequential on purpose: the plan's order is meaningful (a port is freed before it is reused).
  for (const action of actions) await deps.loadBalancer.apply(spec, action);
  // The private-link service sits in front of the listeners, so it is ensured with the targets.
  const endpoint = phase === 'targets' ? ((await deps.loadBalancer.ensureConsumerEndpoint?.(spec)) ?? null) : null;
  return { phase, applied: actions.length, actions: actions.map(describeLbAction), endpoint };
}
