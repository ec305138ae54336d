import { BrokerlinkError } from '../errors.ts';
import { type FieldIssue, formatIssues } from '../util/issues.ts';

/** Errors of the planner. Names say what an orchestrator should do next; none of them is retryable as is. */

/**
 * The spec and the observed state cannot be combined into a plan: a broker in a zone without a pattern, two
 * instances claiming one node id, a rendered name that is not a DNS name, an inconsistent ledger, ...
 * Fatal: fix the spec (or the cloud resources) and plan again. Carries every problem found at once.
 */
export class PlanInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'PlanInvalid';
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(
      `cannot plan (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
    this.problems = problems;
  }
}

export type CapacityKind = 'listener-quota' | 'port-range';

/**
 * The brokers do not fit: the provider's listener quota (AWS NLB: 50 per load balancer) or an exposure's
 * `brokerPorts` range. Fatal for this run: widen the range, wait for a cool-down to end, or move an exposure to
 * another load balancer. The message states the figures.
 */
export class CapacityExceeded extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CapacityExceeded';
  readonly kind: CapacityKind;
  /** How many listeners / ports this plan needs. */
  readonly needed: number;
  /** How many are available (the quota, or the ports of the range). */
  readonly available: number;
  /** The exposure concerned (port-range), or undefined for the whole load balancer (listener-quota). */
  readonly exposure: string | undefined;

  constructor(
    details: { kind: CapacityKind; needed: number; available: number; exposure?: string; message: string },
    options?: ErrorOptions,
  ) {
    super(details.message, options);
    this.kind = details.kind;
    this.needed = details.needed;
    this.available = details.available;
    this.exposure = details.exposure;
  }
}

/** One problem found in an observed-state snapshot, located by a dotted path such as `loadBalancer.mappings[2].port`. */
export type ObservedIssue = FieldIssue;

/** An observed-state snapshot (e.g. `brokerlink plan --observed <file>`) is malformed. Fatal: fix the file. */
export class ObservedStateInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ObservedStateInvalid';
  readonly issues: readonly ObservedIssue[];

  constructor(issues: readonly ObservedIssue[], source = 'observed state', options?: ErrorOptions) {
    super(
      `${source} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${formatIssues(issues)}`,
      options,
    );
    this.issues = issues;
  }
}
