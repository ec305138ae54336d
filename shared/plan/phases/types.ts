import type { DiscoveredBroker, ObservedMapping } from '../../model/observed.ts';
import type { LbAction, PlannedBrokerPort, PlanTarget, RetiredPort } from '../../model/plan.ts';
import type { Exposure } from '../../spec/schema.ts';

/* What the planner's phases hand each other (planner.ts chains them). */

/** The bind address brokerlink gives every exposure listener (all interfaces; the LB reaches the broker there). */
export const BIND_HOST = '0.0.0.0';

/** A broker that gets ports, and the target the load balancer registers for it (port: the exposure's brokerPort). */
export interface BrokerEntry {
  broker: DiscoveredBroker;
  target: PlanTarget;
}

/** The planner's clock: the observed state's time, and the port cool-down. */
export interface PlanClock {
  /** observedAt, in ms. */
  now: number;
  /** observedAt as given (the retirement stamp of this run). */
  at: string;
  cooldownMs: number;
}

/** One broker's port in one exposure, as the port registry decided it. */
export interface BrokerPort {
  port: number;
  /** ok: the mapping stays; create: a new mapping; revive: a retired mapping comes back. */
  lb: Extract<PlannedBrokerPort['lb'], 'ok' | 'create' | 'revive'>;
  /** The observed mapping kept or revived, when there is one. */
  mapping?: ObservedMapping;
}

export interface ExposurePorts {
  exposure: Exposure;
  /** By node id: every exposed broker has one. */
  ports: ReadonlyMap<number, BrokerPort>;
  /** Ports in cool-down after their broker left (this run's retirements included), sorted by port. */
  retired: readonly RetiredPort[];
}

/**
 * The groups load balancer actions are emitted in (lb-actions.ts says why in this order). Every phase puts its
 * actions into groups; the planner concatenates the groups in this order, each sorted by exposure and port.
 */
export const ACTION_GROUPS = [
  'deleteExpired',
  'create',
  'revive',
  'open',
  'register',
  'deregister',
  'retire',
  'delete',
  'close',
] as const;
export type ActionGroup = (typeof ACTION_GROUPS)[number];
export type GroupedActions = Partial<Record<ActionGroup, LbAction[]>>;
