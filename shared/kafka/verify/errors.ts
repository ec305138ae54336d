/** Errors of LB verification. */
import { BrokerlinkError } from '../../errors.ts';
import { type FieldIssue, formatIssues } from '../../util/issues.ts';
import type { VerificationReport } from './report.ts';

export type VerificationIssue = FieldIssue;

/** The verification input is unusable; nothing was contacted. Fatal: fix the input, do not retry. */
export class VerificationInputInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'VerificationInputInvalid';
  readonly issues: readonly VerificationIssue[];
  constructor(issues: readonly VerificationIssue[], options?: ErrorOptions) {
    super(
      `verification input is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${formatIssues(issues)}`,
      options,
    );
    this.issues = issues;
  }
}

/**
 * Verification ran and at least one check failed. Thrown by the verify step for orchestrators that gate on it;
 * `verifyThroughLoadBalancer` itself returns the report and never throws this. 'wait': newly registered targets
 * need a few load-balancer health-check rounds before traffic reaches them, so the orchestrator waits and verifies
 * again, a bounded number of times, before the execution fails.
 */
export class VerificationFailed extends BrokerlinkError {
  static readonly disposition = 'wait';
  /** 8 more tries over ≈ 7.5 min (15 s × 1.5ⁿ): an NLB marks a new target healthy after 2–3 rounds of 10–30 s. */
  static readonly retryPolicy = { intervalSeconds: 15, maxAttempts: 8, backoffRate: 1.5 };
  override readonly name = 'VerificationFailed';
  readonly report: VerificationReport;
  constructor(report: VerificationReport, options?: ErrorOptions) {
    const failed = report.checks.filter((c) => c.status === 'fail');
    super(
      `verification through ${report.lbHost} failed (${failed.length} of ${report.checks.length} checks):\n${failed
        .flatMap((c) => c.reasons.map((r) => `  - ${r}`))
        .join('\n')}`,
      options,
    );
    this.report = report;
  }
}
