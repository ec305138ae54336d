import type { Notifier } from '../../shared/ports.ts';

/*
 * Drift notifications on Google Cloud: one structured log line per drift report (severity WARNING, the message
 * `brokerlink drift`, labels with the cluster), which Cloud Logging turns into a log-based metric and an alerting
 * policy (docs/gcp.md). Writing a line cannot fail in a way the Notifier port must report.
 */

/** Details kept in the line (the rest is counted): a log entry is at most 256 KB. */
const MAX_DETAILS = 200;

export function createLogNotifier(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Notifier {
  return {
    async driftFound(report) {
      write(
        JSON.stringify({
          severity: 'WARNING',
          message: 'brokerlink drift',
          'logging.googleapis.com/labels': { cluster: report.cluster, component: 'brokerlink' },
          cluster: report.cluster,
          drift: report.drift,
          details: report.details.slice(0, MAX_DETAILS),
          ...(report.details.length > MAX_DETAILS ? { detailsLeftOut: report.details.length - MAX_DETAILS } : {}),
        }),
      );
    },
  };
}
