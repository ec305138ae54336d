/** Plain-text table of a verification report, for the CLI and logs. Pure: report in, string out. */
import type { VerificationCheck, VerificationReport } from './report.ts';

function describeCheck(check: VerificationCheck): { check: string; expected: string; observed: string } {
  switch (check.kind) {
    case 'bootstrap':
      return {
        check: 'bootstrap',
        expected: `${check.expected.length} brokers`,
        observed: check.returned ? `${check.returned.length} brokers` : '-',
      };
    case 'broker-port':
      return {
        check: 'broker port',
        expected: `broker ${check.expectedBrokerId}`,
        observed: check.reachedBrokerId === null ? '-' : `broker ${check.reachedBrokerId}`,
      };
    case 'smoke':
      return {
        check: 'produce/fetch',
        expected: `${check.topic}-${check.partition}`,
        observed: check.offset === null ? '-' : `offset ${check.offset} via broker ${check.leaderId}`,
      };
  }
}

export function renderVerificationTable(report: VerificationReport): string {
  const header = ['LISTENER', 'LB PORT', 'CHECK', 'EXPECTED', 'OBSERVED', 'RESULT', 'DETAIL'];
  const rows = report.checks.map((c) => {
    const d = describeCheck(c);
    return [
      c.listener,
      String(c.lbPort),
      d.check,
      d.expected,
      d.observed,
      c.status === 'pass' ? 'ok' : 'FAIL',
      c.reasons[0] ?? '',
    ];
  });
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => (col === 6 ? 0 : r[col]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((cell, col) => (col === cells.length - 1 ? cell : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header)];
  rows.forEach((row, i) => {
    out.push(line(row));
    for (const reason of report.checks[i]!.reasons.slice(1)) {
      out.push(line(['', '', '', '', '', '', reason]));
    }
  });
  out.push('');
  out.push(
    report.ok
      ? `verification through ${report.lbHost} passed: ${report.summary.passed}/${report.summary.total} checks ok (${report.durationMs} ms)`
      : `verification through ${report.lbHost} FAILED: ${report.summary.failed} of ${report.summary.total} checks failed (${report.durationMs} ms)`,
  );
  return out.join('\n');
}
