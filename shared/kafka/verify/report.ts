/** The structured result of a verification. Plain data (JSON-serialisable), rendered separately. */
import type { ProbeErrorKind } from '../probe/errors.ts';

export type CheckStatus = 'pass' | 'fail';

export interface CheckError {
  kind: ProbeErrorKind | 'unexpected';
  message: string;
}

interface CheckBase {
  status: CheckStatus;
  /** Listener name of the exposure the check belongs to. */
  listener: string;
  lbPort: number;
  /** The load balancer address dialled, when it is not the report's `lbHost` (e.g. one zone's DNS name). */
  via?: string;
  /** Human-readable reasons; empty when the check passed. */
  reasons: string[];
  /** Set when the check could not talk Kafka at all. */
  error: CheckError | null;
  durationMs: number;
}

export interface AddressedBroker {
  id: number;
  address: string;
}

/** (a) Metadata through a bootstrap port returns exactly the planned advertised addresses. */
export interface BootstrapCheck extends CheckBase {
  kind: 'bootstrap';
  expected: AddressedBroker[];
  /** What Metadata returned (null when it could not be read). */
  returned: AddressedBroker[] | null;
  /** Planned brokers Metadata did not list (down, not registered, or not advertising on this listener). */
  missing: AddressedBroker[];
  /** Brokers Metadata listed that the plan does not have. */
  extra: AddressedBroker[];
  /** Planned brokers listed under another host:port. */
  wrong: { id: number; expected: string; returned: string }[];
}

/** (b) A broker port reaches the planned broker, which advertises the planned address. */
export interface BrokerPortCheck extends CheckBase {
  kind: 'broker-port';
  expectedBrokerId: number;
  /** Id of the broker that answered; null when it could not be told (or nothing answered). */
  reachedBrokerId: number | null;
  expectedAdvertised: string;
  /** The broker's own `advertised.listeners` entry for this listener, when it could be read. */
  configuredAdvertised: string | null;
  /**
   * What the port answers Metadata with for this broker: the endpoint of the listener the LB port really reaches
   * (null: that listener's Metadata does not list the broker). Proves the listener, not only the node.
   */
  servedAdvertised?: string | null;
}

/** (c) Produce then fetch one record through the LB, following metadata as a consumer would. */
export interface SmokeCheck extends CheckBase {
  kind: 'smoke';
  topic: string;
  partition: number;
  leaderId: number | null;
  /** Advertised address of the leader, reached through the LB at `lbHost:port`. */
  leaderAddress: string | null;
  offset: string | null;
}

export type VerificationCheck = BootstrapCheck | BrokerPortCheck | SmokeCheck;

export interface VerificationReport {
  ok: boolean;
  lbHost: string;
  startedAt: string;
  durationMs: number;
  checks: VerificationCheck[];
  summary: { total: number; passed: number; failed: number };
}
