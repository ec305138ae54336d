import type { ObservedState } from '../model/observed.ts';
import { needsPush, type Plan } from '../model/plan.ts';
import { profileOf } from '../providers/profiles.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import { PlanInvalid } from './errors.ts';
import { byText } from './order.ts';
import { advertisedAddresses } from './phases/advertised.ts';
import { brokerConfigs } from './phases/broker-config.ts';
import { checkBrokerCapacity, checkListenerCapacity } from './phases/capacity.ts';
import { planInputs } from './phases/inputs.ts';
import { loadBalancerActions, orderedActions } from './phases/lb-actions.ts';
import { portMoves, portMoveWarning } from './phases/port-moves.ts';
import { portRegistry } from './phases/port-registry.ts';
import { restartBatchesOf, restartOrder } from './phases/restart-order.ts';

export { lbStages } from './phases/lb-actions.ts';

/*
 * The planner: spec + observed state → plan. Pure and deterministic: no clock (the observed state's `observedAt`
 * is "now"), no I/O, every list sorted, so the same inputs give a byte-identical plan whatever order discovery or
 * the load balancer listed things in.
 *
 * A flat chain of phases, one file each in ./phases/, each returning its result to the next (the rules live in
 * each phase's file):
 *   inputs → (brokers fit?) → port registry → load balancer actions → capacity → advertised addresses
 *   → broker config → restart order (and, with rollout.batch: rack, the batches) → port moves
 * Problems are collected and reported at once, at three points: the inputs, the bootstrap ports (in the
 * registry), the rendered addresses. Capacity that is exceeded is CapacityExceeded with the figures.
 */
export function plan(spec: ClusterSpec, observed: ObservedState): Plan {
  const inputs = planInputs(spec, observed);
  if (inputs.problems.length > 0) throw new PlanInvalid(inputs.problems);
  const { brokers, mappings, clock } = inputs;

  checkBrokerCapacity(spec, brokers.length);
  const registry = portRegistry(spec, observed, brokers, mappings, clock);
  const lb = loadBalancerActions(spec, observed.loadBalancer, brokers, mappings, registry);
  checkListenerCapacity(spec, mappings, registry, lb, brokers.length);

  const advertised = advertisedAddresses(brokers, registry, lb);
  if (advertised.problems.length > 0) throw new PlanInvalid(advertised.problems);

  const plannedBrokers = brokerConfigs(spec, brokers, advertised.addresses, observed);
  const needsRestart = plannedBrokers.filter((b) => b.restart).map((b) => b.id);
  const batches = restartBatchesOf(spec, needsRestart, observed);
  // Batched, the order is the batches' (a rack's brokers together); otherwise the serial order.
  const order = batches?.flatMap((b) => b.brokers) ?? restartOrder(needsRestart, observed);
  const actions = orderedActions(registry.actions, lb.actions);
  const moves = portMoves(plannedBrokers, observed);

  return {
    version: 1,
    cluster: spec.cluster,
    provider: profileOf(spec).kind,
    generatedAt: observed.observedAt,
    exposures: advertised.exposures,
    brokers: plannedBrokers,
    actions,
    restartOrder: order,
    ...(batches !== undefined ? { restartBatches: batches } : {}),
    pending: advertised.pending,
    portMoves: moves,
    unmanaged: registry.unmanaged,
    warnings: [...new Set([...inputs.warnings, ...registry.warnings, ...moves.map(portMoveWarning)])].sort(byText),
    summary: {
      lbActions: actions.length,
      configChanges: plannedBrokers.filter(needsPush).length,
      restarts: order.length,
      // A broker whose file was not read but whose running listeners are already the desired ones counts as in
      // sync: the drift check observes running brokers (DescribeConfigs), not files, to stay cheap on every cloud.
      inSync:
        actions.length === 0 &&
        !plannedBrokers.some((b) => b.configChange === 'update') &&
        order.length === 0 &&
        advertised.pending.length === 0 &&
        !plannedBrokers.some((b) => b.configChange === 'down') &&
        registry.unmanaged.length === 0,
    },
  };
}
