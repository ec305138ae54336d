import { BrokerlinkError } from '../errors.ts';
import { type FieldIssue, formatIssues } from '../util/issues.ts';

/** One problem found in a cluster spec, located by a dotted path such as `exposures[0].brokerPorts.to`. */
export type SpecIssue = FieldIssue;
export { formatIssues };

/**
 * The spec cannot be used. Fatal for an orchestrator (fix the spec, do not retry).
 * Carries every issue at once so an operator fixes them in one pass.
 */
export class SpecInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'SpecInvalid';
  readonly issues: readonly SpecIssue[];

  constructor(issues: readonly SpecIssue[], source = 'spec', options?: ErrorOptions) {
    super(
      `${source} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${formatIssues(issues)}`,
      options,
    );
    this.issues = issues;
  }
}
