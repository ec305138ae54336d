import type { HttpFunction } from '@google-cloud/functions-framework';
import type { BrokerlinkError } from '../../shared/errors.ts';
import { UnexpectedError } from '../../shared/handlers/errors.ts';
import { toStableError } from '../../shared/handlers/stable-error.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { type TaskName, tasks } from '../../shared/steps/tasks.ts';

/*
 * One Cloud Function (2nd gen, HTTP) per task of shared/steps/tasks.ts: the JSON body is the task input, the JSON
 * answer its output. The workflow calls it with `http.post` and OIDC auth (Cloud Run checks the token and the
 * invoker role before the request reaches the code). Errors answer with the error's name and disposition, which
 * the workflow's retry predicates read (`e.body.error.disposition`); the status code says the same for people and
 * for Workflows' default HTTP retry policy:
 *   retry → 503, wait → 429, fail → 422, input that is not a JSON object → 400, anything unexpected → 500
 *   (UnexpectedError, fail: only catalogued errors keep their name, shared/handlers/stable-error.ts).
 * Logs are one JSON line per event on stdout (Cloud Logging reads `severity` and `message`).
 */

export interface TaskFunctionOptions {
  deps: () => StepDeps | Promise<StepDeps>;
  /** Where log lines go (default stdout). */
  write?: (line: string) => void;
}

const STATUS = { retry: 503, wait: 429, fail: 422 } as const;

export interface TaskErrorBody {
  error: { name: string; disposition: 'retry' | 'wait' | 'fail'; message: string };
}

export function taskFunction(name: TaskName, options: TaskFunctionOptions): HttpFunction {
  const run = tasks[name] as (input: unknown, deps: StepDeps) => Promise<unknown>;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (severity: string, message: string, fields: Record<string, unknown>) =>
    write(JSON.stringify({ severity, message, task: name, ...fields }));
  return async (req, res) => {
    const started = performance.now();
    const body: unknown = req.body;
    const correlation = correlationOf(body);
    if (req.method !== 'POST') {
      res.status(405).json(errorBody('StepInputInvalid', 'fail', 'tasks are called with POST'));
      return;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      res
        .status(400)
        .json(errorBody('StepInputInvalid', 'fail', 'the request body must be a JSON object (the task input)'));
      return;
    }
    log('INFO', 'start', correlation);
    try {
      const output = await run(body, await options.deps());
      log('INFO', 'done', { ...correlation, durationMs: Math.round(performance.now() - started) });
      res.status(200).json(output ?? null);
    } catch (caught) {
      // Only catalogued brokerlink errors keep their name (a retry predicate matches it); anything else is
      // UnexpectedError ('fail', never retried), as on AWS.
      const error = toStableError(caught) as BrokerlinkError;
      const unexpected = error instanceof UnexpectedError;
      log('ERROR', 'failed', {
        ...correlation,
        durationMs: Math.round(performance.now() - started),
        error: error.name,
        disposition: error.disposition,
        detail: error.message,
      });
      res
        .status(unexpected ? 500 : STATUS[error.disposition])
        .json(errorBody(error.name, error.disposition, error.message));
    }
  };
}

function errorBody(name: string, disposition: 'retry' | 'wait' | 'fail', message: string): TaskErrorBody {
  return { error: { name, disposition, message } };
}

/** Correlation fields of a task input: the lock owner is the execution id; cluster; broker id. */
export function correlationOf(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const spec = record.spec as Record<string, unknown> | undefined;
  return {
    ...(typeof record.owner === 'string' ? { executionId: record.owner } : {}),
    ...(typeof record.cluster === 'string'
      ? { cluster: record.cluster }
      : typeof spec?.cluster === 'string'
        ? { cluster: spec.cluster }
        : {}),
    ...(typeof record.brokerId === 'number' ? { brokerId: record.brokerId } : {}),
  };
}
