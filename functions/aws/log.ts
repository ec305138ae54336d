/*
 * Structured JSON log lines for the AWS functions, one object per line on stdout (CloudWatch Logs keeps each line
 * as one event; Logs Insights parses the fields). Metrics use the CloudWatch Embedded Metric Format (EMF): a log
 * line with an `_aws` block becomes a metric with no API call and no extra permission.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields` (execution id, task, cluster ...). */
  child(fields: LogFields): Logger;
}

export type LineWriter = (line: string) => void;

export const stdoutWriter: LineWriter = (line) => {
  process.stdout.write(`${line}\n`);
};

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function parseLogLevel(value: string | undefined): LogLevel {
  const normalised = value?.toLowerCase();
  return normalised === 'debug' || normalised === 'warn' || normalised === 'error' ? normalised : 'info';
}

export function createLogger(options: { base?: LogFields; level?: LogLevel; write?: LineWriter } = {}): Logger {
  const base = options.base ?? {};
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? stdoutWriter;
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    write(JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...base, ...fields }, jsonSafe));
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

/** Errors become { name, message, cause }; bigints become strings (JSON.stringify would throw). */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return describeError(value);
  return value;
}

export function describeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { name: 'NonError', message: String(error) };
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.cause !== undefined && depth < 3) described['cause'] = describeError(error.cause, depth + 1);
  return described;
}

/** One EMF metric line (CloudWatch turns it into a metric named `name` in `namespace`). */
export function emfLine(options: {
  namespace: string;
  name: string;
  value: number;
  unit?: 'Count' | 'Milliseconds' | 'None';
  dimensions: Record<string, string>;
  properties?: LogFields;
  timestamp?: Date;
}): string {
  const dimensionNames = Object.keys(options.dimensions);
  return JSON.stringify({
    _aws: {
      Timestamp: (options.timestamp ?? new Date()).getTime(),
      CloudWatchMetrics: [
        {
          Namespace: options.namespace,
          Dimensions: [dimensionNames],
          Metrics: [{ Name: options.name, Unit: options.unit ?? 'Count' }],
        },
      ],
    },
    ...options.properties,
    ...options.dimensions,
    [options.name]: options.value,
  });
}
