import type { MiddlewareObj } from '@middy/core';
import { toStableError } from './errors.ts';
import { describeError, type Logger } from './log.ts';

/*
 * The two middlewares every brokerlink function uses: structured logs with correlation fields, and error
 * mapping to stable names (./errors.ts). Input validation is not here: the task table validates strictly.
 */

/** The part of the Lambda context the functions read (a plain object in tests). */
export interface LambdaContextLike {
  awsRequestId?: string;
  functionName?: string;
  getRemainingTimeInMillis?: () => number;
}

/**
 * Correlation fields of a task input. Step Functions hands a Lambda only the state's `Parameters`: the lock tasks
 * carry the execution id as `owner`; every task carries `cluster` or `spec.cluster`, and broker steps `brokerId`.
 */
export function correlationOf(event: unknown): Record<string, unknown> {
  if (event === null || typeof event !== 'object') return {};
  const record = event as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  if (typeof record['owner'] === 'string') fields['executionId'] = record['owner'];
  if (typeof record['cluster'] === 'string') fields['cluster'] = record['cluster'];
  else {
    const spec = record['spec'];
    if (spec !== null && typeof spec === 'object' && typeof (spec as Record<string, unknown>)['cluster'] === 'string') {
      fields['cluster'] = (spec as Record<string, unknown>)['cluster'];
    }
  }
  if (typeof record['brokerId'] === 'number') fields['brokerId'] = record['brokerId'];
  if (typeof record['phase'] === 'string') fields['phase'] = record['phase'];
  return fields;
}

export interface RequestLog {
  log: Logger;
}

/**
 * Logs `start`, `done` (with duration) or `failed` (with the error chain) for every invocation, and puts a child
 * logger carrying the function name, request id and correlation fields on `context.log` for the handler.
 */
export function structuredLogs(
  logger: Logger,
  fieldsOf: (event: unknown) => Record<string, unknown> = correlationOf,
): MiddlewareObj<unknown, unknown, Error, LambdaContextLike & Partial<RequestLog>> {
  const started = new WeakMap<object, number>();
  return {
    name: 'brokerlinkStructuredLogs',
    before: (request) => {
      const log = logger.child({
        function: request.context.functionName,
        awsRequestId: request.context.awsRequestId,
        ...fieldsOf(request.event),
      });
      request.context.log = log;
      started.set(request.context, performance.now());
      log.info('start');
    },
    after: (request) => {
      const durationMs = elapsed(started, request.context);
      request.context.log?.info('done', { durationMs });
    },
    onError: (request) => {
      const durationMs = elapsed(started, request.context);
      const log = request.context.log ?? logger;
      log.error('failed', { durationMs, error: describeError(request.error) });
    },
  };
}

function elapsed(started: WeakMap<object, number>, key: object): number | undefined {
  const start = started.get(key);
  return start === undefined ? undefined : Math.round(performance.now() - start);
}

/** Replaces the error with its stable form (./errors.ts) so the name Step Functions sees is the contract. */
export function stableErrors(): MiddlewareObj<unknown, unknown, Error, LambdaContextLike> {
  return {
    name: 'brokerlinkStableErrors',
    onError: (request) => {
      request.error = toStableError(request.error);
    },
  };
}
