import { ledgerChangeOf } from '../ledger/changes.ts';
import type { LbAction, Plan } from '../model/plan.ts';
import { lbStages } from '../plan/planner.ts';
import { describeLbAction } from '../plan/render.ts';
import type { ConsumerEndpoint, LbOperation } from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import type { StepDeps } from './deps.ts';
import { LoadBalancerChangeFailed, LoadBalancerChangeTimedOut, StepInputInvalid } from './errors.ts';

/**
 * The plan's LB actions in the runbooks' two steps: "create targets" (free expired ports, create/revive
 * mappings, open ports) then "register brokers" (attach/detach, retire, delete, close). Each action is
 * idempotent in every adapter, so a re-run after a failure part-way converges without duplicates.
 */
export type LbPhase = 'targets' | 'registrations';

/** How long one action may wait for its cloud operations before the step gives up (Compute/Alibaba: minutes). */
export const LB_CHANGE_TIMEOUT_SECONDS = 900;

/** The operation the next action waits for, since when (the deadline counts from the action's first operation). */
export interface LbWaiting {
  operation: LbOperation;
  since: string;
  polls: number;
}

/**
 * Where a phase stands, as plain JSON the state machine carries between calls. `applied` actions are in effect
 * (load balancer and ledger); the next one is `actions[applied]`, waiting for `waiting` when that is set.
 */
export interface LbPhaseProgress {
  phase: LbPhase;
  /** Every action is in effect (and, for `targets`, the consumer endpoint is ensured): the flow moves on. */
  done: boolean;
  applied: number;
  waiting: LbWaiting | null;
  /** The phase's actions in words, in order. */
  actions: string[];
  endpoint: ConsumerEndpoint | null;
}

export function actionsOfPhase(plan: Plan, phase: LbPhase): LbAction[] {
  return lbStages(plan.actions)[phase];
}

/**
 * Advances one phase as far as it goes without waiting: actions run strictly in plan order (a port is freed before
 * it is reused), each one started on the load balancer, and once it is in effect its ledger part recorded. When an
 * action waits for a cloud operation, the call returns with `done: false` and the operation; the orchestrator waits
 * and calls again with that progress, which polls the operation once and carries on. Never sleeps.
 *
 *   operation `running`  → return, still waiting (fails with LoadBalancerChangeTimedOut after the deadline)
 *   operation `continue` → start the same action again (its next operation, or done)
 *   operation `done`     → record the ledger change, next action
 *   operation `failed`   → LoadBalancerChangeFailed
 */
export async function advanceLoadBalancerPhase(
  spec: ClusterSpec,
  plan: Plan,
  phase: LbPhase,
  progress: LbPhaseProgress | undefined,
  deps: Pick<StepDeps, 'loadBalancer' | 'ledger' | 'clock'>,
): Promise<LbPhaseProgress> {
  const actions = actionsOfPhase(plan, phase);
  const state: LbPhaseProgress = progress ?? {
    phase,
    done: false,
    applied: 0,
    waiting: null,
    actions: actions.map(describeLbAction),
    endpoint: null,
  };
  if (state.phase !== phase || state.applied > actions.length) {
    throw new StepInputInvalid(
      `load balancer progress is for phase ${state.phase} at action ${state.applied}, not for phase ${phase} of this plan (${actions.length} actions)`,
    );
  }
  if (state.done) return state;

  let { applied, waiting } = state;
  while (applied < actions.length) {
    const action = actions[applied]!;
    if (waiting !== null) {
      const status = await deps.loadBalancer.poll(spec, waiting.operation);
      if (status.state === 'running') {
        const polled = { ...waiting, polls: waiting.polls + 1 };
        checkDeadline(action, polled, deps.clock.now());
        return { ...state, applied, waiting: polled };
      }
      if (status.state === 'failed') {
        throw new LoadBalancerChangeFailed(
          `${describeLbAction(action)}: the load balancer reports operation ${waiting.operation.id} failed: ${status.message}`,
          { context: { operation: waiting.operation.id, ...(status.code === undefined ? {} : { code: status.code }) } },
        );
      }
      if (status.state === 'done') {
        await recordLedger(spec, action, deps);
        applied += 1;
        waiting = null;
        continue;
      }
      // 'continue': the action needs its next operation; start it below, keeping the action's deadline.
    }
    // Stable while the workflow retries this step for this action of this plan; new for every other action or plan.
    const requestKey = `${plan.cluster}/${plan.generatedAt}/${phase}/${applied}`;
    const started = await deps.loadBalancer.start(spec, action, { requestKey });
    if (started.state === 'pending') {
      const since = waiting?.since ?? deps.clock.now().toISOString();
      return { ...state, applied, waiting: { operation: started.operation, since, polls: waiting?.polls ?? 0 } };
    }
    await recordLedger(spec, action, deps);
    applied += 1;
    waiting = null;
  }
  if (phase !== 'targets') return { ...state, done: true, applied, waiting: null, endpoint: null };
  // The private-link service sits in front of the listeners, so it is ensured with the targets. Where that takes
  // cloud operations (GCP's service attachment), they are waited for like an action's: `waiting` is then theirs.
  for (;;) {
    if (waiting !== null) {
      const status = await deps.loadBalancer.poll(spec, waiting.operation);
      if (status.state === 'running') {
        const polled = { ...waiting, polls: waiting.polls + 1 };
        checkWaited(PRIVATE_LINK_SERVICE, polled, deps.clock.now());
        return { ...state, applied, waiting: polled };
      }
      if (status.state === 'failed') {
        throw new LoadBalancerChangeFailed(
          `${PRIVATE_LINK_SERVICE}: the load balancer reports operation ${waiting.operation.id} failed: ${status.message}`,
          { context: { operation: waiting.operation.id, ...(status.code === undefined ? {} : { code: status.code }) } },
        );
      }
      // 'done' or 'continue': ask again; the adapter re-reads what is there and starts the next operation, if any.
    }
    const ensured = (await deps.loadBalancer.ensureConsumerEndpoint?.(spec)) ?? null;
    if (ensured !== null && 'pending' in ensured) {
      const since = waiting?.since ?? deps.clock.now().toISOString();
      return { ...state, applied, waiting: { operation: ensured.pending, since, polls: waiting?.polls ?? 0 } };
    }
    return { ...state, done: true, applied, waiting: null, endpoint: ensured };
  }
}

const PRIVATE_LINK_SERVICE = 'ensure the private-link service';

async function recordLedger(spec: ClusterSpec, action: LbAction, deps: Pick<StepDeps, 'ledger'>): Promise<void> {
  const change = ledgerChangeOf(action);
  if (change !== undefined) await deps.ledger.record(spec, change);
}

function checkDeadline(action: LbAction, waiting: LbWaiting, now: Date): void {
  checkWaited(describeLbAction(action), waiting, now);
}

function checkWaited(what: string, waiting: LbWaiting, now: Date): void {
  const waitedSeconds = (now.getTime() - Date.parse(waiting.since)) / 1000;
  if (waitedSeconds <= LB_CHANGE_TIMEOUT_SECONDS) return;
  throw new LoadBalancerChangeTimedOut(
    `${what}: operation ${waiting.operation.id} is still running after ${Math.round(waitedSeconds)} s (${waiting.polls} polls; the limit is ${LB_CHANGE_TIMEOUT_SECONDS} s); look at it in the cloud console, then run apply again`,
    { context: { operation: waiting.operation.id, polls: waiting.polls } },
  );
}
