/** Errors of LB verification. */
import type { VerificationReport } from './report.ts';

export interface VerificationIssue {
  path: string;
  message: string;
}

/** The verification input is unusable; nothing was contacted. Fatal: fix the input, do not retry. */
export class VerificationInputInvalid extends Error {
  override readonly name = 'VerificationInputInvalid';
  readonly issues: readonly VerificationIssue[];
  constructor(issues: readonly VerificationIssue[], options?: ErrorOptions) {
    super(
      `verification input is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues
        .map((i) => `  - ${i.path || '(root)'}: ${i.message}`)
        .join('\n')}`,
      options,
    );
    this.issues = issues;
  }
}

/**
 * Verification ran and at least one check failed. Thrown by `assertVerified` for orchestrators that gate on it;
 * `verifyThroughLoadBalancer` itself returns the report and never throws this.
 */
export class VerificationFailed extends Error {
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
