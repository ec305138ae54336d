import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../../shared/ports.ts';
import { describeError, emfLine, type LineWriter, type Logger, stdoutWriter } from './log.ts';

/*
 * Drift notifications on AWS: always an EMF metric line `BrokerlinkDrift` (namespace Brokerlink, dimension
 * Cluster; alarms go on it), plus an SNS message when a topic is configured. Per the Notifier port it never throws
 * for a delivery problem: a failed publish is logged (the metric line already went out).
 */

export const METRIC_NAMESPACE = 'Brokerlink';
export const DRIFT_METRIC = 'BrokerlinkDrift';

/** SNS subjects are at most 100 characters, ASCII, no newlines. */
const SUBJECT_LIMIT = 100;
/** SNS message limit is 256 KB; keep far below it and say how many details were left out. */
const MAX_DETAILS = 200;

export interface AwsNotifierOptions {
  log: Logger;
  sns?: SNSClient;
  topicArn?: string;
  /** Where the EMF line goes (stdout in Lambda). */
  writeMetric?: LineWriter;
}

export function createAwsNotifier(options: AwsNotifierOptions): Notifier {
  const writeMetric = options.writeMetric ?? stdoutWriter;
  return {
    async driftFound(report) {
      writeMetric(
        emfLine({
          namespace: METRIC_NAMESPACE,
          name: DRIFT_METRIC,
          value: report.drift,
          dimensions: { Cluster: report.cluster },
          properties: { details: report.details.slice(0, 20) },
        }),
      );
      if (options.topicArn === undefined || options.sns === undefined) {
        options.log.warn('drift found (no SNS topic configured)', { cluster: report.cluster, drift: report.drift });
        return;
      }
      const shown = report.details.slice(0, MAX_DETAILS);
      const more = report.details.length - shown.length;
      const message = [
        `brokerlink found ${report.drift} difference(s) between the spec of cluster "${report.cluster}" and what runs:`,
        ...shown.map((detail) => `  - ${detail}`),
        ...(more > 0 ? [`  ... and ${more} more (see the drift-check execution output)`] : []),
      ].join('\n');
      try {
        await options.sns.send(
          new PublishCommand({
            TopicArn: options.topicArn,
            Subject: `brokerlink drift: ${report.cluster} (${report.drift})`
              .replace(/[^\x20-\x7e]/g, '?')
              .slice(0, SUBJECT_LIMIT),
            Message: message,
            MessageAttributes: {
              cluster: { DataType: 'String', StringValue: report.cluster },
              drift: { DataType: 'Number', StringValue: String(report.drift) },
            },
          }),
        );
      } catch (error) {
        options.log.error('drift notification could not be published', {
          cluster: report.cluster,
          topicArn: options.topicArn,
          error: describeError(error),
        });
      }
    },
  };
}
