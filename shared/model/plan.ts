import type { RestartBatch } from '../kafka/safety/batches.ts';
import type { ProviderKind, SecurityProtocol } from '../spec/schema.ts';

/*
 * The plan: everything brokerlink will do, readable before anything changes. Pure data (JSON-serialisable),
 * so it can be stored, diffed in CI, passed between Step Functions states and rendered as a table.
 */

export interface PlanTarget {
  brokerId: number;
  /** Instance id where the provider registers instances; else undefined and `host` is used. */
  instanceId?: string;
  host: string;
  /** Broker-side port (the exposure's brokerPort). */
  port: number;
}

/** Provider-neutral load balancer change. Adapters map each kind onto their own resources. */
export type LbAction =
  | {
      kind: 'createMapping';
      exposure: string;
      role: 'broker' | 'bootstrap';
      port: number;
      brokerId?: number;
      targets: PlanTarget[];
    }
  | { kind: 'registerTargets'; exposure: string; role: 'broker' | 'bootstrap'; port: number; targets: PlanTarget[] }
  | {
      kind: 'deregisterTargets';
      exposure: string;
      role: 'broker' | 'bootstrap';
      port: number;
      targets: { id: string; port: number }[];
    }
  /** The broker is gone: deregister and stamp the mapping with the time, starting the port's cool-down. */
  | { kind: 'retireMapping'; exposure: string; port: number; brokerId: number; retiredAt: string }
  /** A retired broker came back inside its cool-down: it gets its old port back. */
  | { kind: 'reviveMapping'; exposure: string; port: number; brokerId: number }
  /** Cool-down is over: remove the mapping so the port can be reused. */
  | { kind: 'deleteMapping'; exposure: string; port: number; brokerId?: number }
  | { kind: 'openPort'; port: number; cidrs: string[] }
  | { kind: 'closePort'; port: number; cidrs: string[] };

export type LbActionKind = LbAction['kind'];

/** The listener a broker must have for one exposure (the unit server.properties editing works on). */
export interface DesiredListener {
  name: string;
  bindHost: string;
  bindPort: number;
  advertisedHost: string;
  advertisedPort: number;
  securityProtocol: SecurityProtocol;
}

export type ConfigChange =
  /** File already has the desired listeners. */
  | 'none'
  /** File differs: push. */
  | 'update'
  /** File not observed: the push step reads it and writes only if it differs. */
  | 'unknown'
  /**
   * The broker is down — its instance is stopped, or Kafka answers without it among its live brokers — so it is
   * neither pushed nor restarted: it is reported, and gets its listeners once it is back (the next drift check).
   */
  | 'down'
  /** A placeholder of the pattern is not known yet: config waits, LB work proceeds. */
  | 'pending';

/**
 * Whether the config push step visits this broker: its file differs (`update`) or was not observed (`unknown`: the
 * push reads it and writes only if it differs). The one definition: the planner counts these, the `plan` task lists
 * them for the push loop, the test ledger applies them.
 */
export function needsPush(broker: Pick<PlannedBroker, 'configChange'>): boolean {
  return broker.configChange === 'update' || broker.configChange === 'unknown';
}

export interface PlannedBrokerPort {
  id: number;
  host: string;
  instanceId?: string;
  az?: string;
  azId?: string;
  /** Consumer-side LB port for this broker in this exposure. */
  port: number;
  /** Advertised host:port, or null while a placeholder is pending. */
  advertised: string | null;
  /** Whether this run creates/changes the broker's LB mapping. */
  lb: 'ok' | 'create' | 'register' | 'revive';
}

export interface RetiredPort {
  port: number;
  brokerId: number;
  retiredAt: string;
  /** When the port may go to another broker. */
  reusableAt: string;
}

export interface PlannedExposure {
  listener: string;
  brokerPort: number;
  /** Consumer-side bootstrap ports (one fan-out port; on GCP PSC the broker ports themselves). */
  bootstrapPorts: number[];
  securityProtocol: SecurityProtocol;
  brokers: PlannedBrokerPort[];
  retired: RetiredPort[];
}

export interface PlannedBroker {
  id: number;
  host: string;
  instanceId?: string;
  az?: string;
  azId?: string;
  /** Only listeners whose advertised address is known; pending exposures are left out until known. */
  desiredListeners: DesiredListener[];
  configChange: ConfigChange;
  restart: boolean;
  /** Why a config push or a restart is (or is not) needed, in words. */
  reasons: string[];
}

/**
 * A consumer-visible port change: a running broker advertises `from` for the exposure (consumers cached it), and
 * the plan gives it `to`. Said loudly by the plan; a drift repair makes it only with `drift.allowPortMoves: true`.
 */
export interface PortMove {
  exposure: string;
  brokerId: number;
  from: number;
  to: number;
}

/**
 * A mapping brokerlink leaves alone — of a listener the spec does not name, or without a node id — whose port lies
 * inside an exposure's brokerPorts: it holds a port brokerlink would hand to a broker. Drift that needs a person.
 */
export interface UnmanagedPort {
  port: number;
  /** The listener (exposure) the mapping names. */
  listener: string;
  role: 'broker' | 'bootstrap';
  /** The exposure whose range holds the port. */
  insideRangeOf: string;
  why: string;
}

export interface PendingPlaceholder {
  exposure: string;
  placeholders: string[];
  message: string;
}

export interface Plan {
  version: 1;
  cluster: string;
  provider: ProviderKind;
  /** Equal to the observed state's time: the same inputs give a byte-identical plan. */
  generatedAt: string;
  exposures: PlannedExposure[];
  brokers: PlannedBroker[];
  actions: LbAction[];
  restartOrder: number[];
  /**
   * With `rollout.batch: rack`: the batches the roll would run (each restarts together; the next starts when every
   * broker of this one is healthy), and why a rack was split. The roll decides them again on the live cluster.
   */
  restartBatches?: RestartBatch[];
  pending: PendingPlaceholder[];
  /** Ports running brokers advertise that this plan changes (a lost ledger, a narrowed range): consumers break. */
  portMoves: PortMove[];
  /** Mappings inside brokerlink's ranges that it does not manage. */
  unmanaged: UnmanagedPort[];
  warnings: string[];
  summary: { lbActions: number; configChanges: number; restarts: number; inSync: boolean };
}
