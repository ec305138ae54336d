/*
 * Test support: one load balancer action carried out the way the `applyLoadBalancer` step does it (start, poll
 * until the operation ends, then record the ledger part), and the load balancer observed the way `discover` does
 * (ledger first, then the load balancer at its ports, joined). Tests and contract suites use it to drive adapters
 * without a state machine; unlike the step, it waits between polls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ledgerChangeOf } from '../../ledger/changes.ts';
import { joinLedger } from '../../ledger/join.ts';
import type { ObservedLoadBalancer } from '../../model/observed.ts';
import type { LbAction } from '../../model/plan.ts';
import type { LoadBalancer, PortLedger } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';

export interface LoadBalancerWithLedger {
  loadBalancer: LoadBalancer;
  ledger: PortLedger;
}

export interface DriveOptions {
  /** Polls per operation before giving up (default 200). */
  maxPolls?: number;
  /** Pause between polls (default 10 ms). */
  pollDelayMs?: number;
  /** Lets the adapter's world move between polls instead of the pause (a fake's job progress, a daemon's reload). */
  between?: () => Promise<void>;
}

/** Carries one action out completely; returns how many polls it took (0 when `start` finished it). */
export async function applyAction(
  deps: LoadBalancerWithLedger,
  spec: ClusterSpec,
  action: LbAction,
  options: DriveOptions = {},
): Promise<number> {
  const maxPolls = options.maxPolls ?? 200;
  let polls = 0;
  for (;;) {
    const started = await deps.loadBalancer.start(spec, action);
    if (started.state === 'done') break;
    // The operation crosses the state machine as JSON between polls: prove it survives that.
    const operation = JSON.parse(JSON.stringify(started.operation));
    let status = await deps.loadBalancer.poll(spec, operation);
    while (status.state === 'running') {
      polls += 1;
      if (polls > maxPolls)
        throw new Error(`${action.kind} on port ${action.port}: still running after ${maxPolls} polls`);
      await (options.between?.() ?? sleep(options.pollDelayMs ?? 10));
      status = await deps.loadBalancer.poll(spec, operation);
    }
    if (status.state === 'failed') throw new Error(`${action.kind} on port ${action.port} failed: ${status.message}`);
    if (status.state === 'done') break;
  }
  const change = ledgerChangeOf(action);
  if (change !== undefined) await deps.ledger.record(spec, change);
  return polls;
}

export async function applyActions(
  deps: LoadBalancerWithLedger,
  spec: ClusterSpec,
  actions: readonly LbAction[],
  options: DriveOptions = {},
): Promise<void> {
  for (const action of actions) await applyAction(deps, spec, action, options);
}

/** The planner's view of the load balancer, as `discover` builds it. */
export async function observeJoined(deps: LoadBalancerWithLedger, spec: ClusterSpec): Promise<ObservedLoadBalancer> {
  const entries = await deps.ledger.read(spec);
  return joinLedger(entries, await deps.loadBalancer.observe(spec, entries));
}

/** `apply` / `observe` in one object, for tests written against whole actions. */
export function driven(deps: LoadBalancerWithLedger, options: DriveOptions = {}) {
  return {
    ...deps,
    apply: (spec: ClusterSpec, action: LbAction) => applyAction(deps, spec, action, options),
    observe: (spec: ClusterSpec) => observeJoined(deps, spec),
    consumerAddress: (spec: ClusterSpec) => deps.loadBalancer.consumerAddress(spec),
  };
}
