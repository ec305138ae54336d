import middy from '@middy/core';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { type TaskName, tasks } from '../../shared/steps/tasks.ts';
import { createLogger, type Logger, parseLogLevel } from './log.ts';
import { type LambdaContextLike, stableErrors, structuredLogs } from './middleware.ts';

/*
 * One Lambda handler per task of shared/steps/tasks.ts: the event is the task input (the state's Parameters),
 * the result is the task output. Deps are resolved once per container (see ./deps.ts) and injected here so a test
 * can hand in its own.
 */

export interface TaskHandlerOptions {
  deps: () => StepDeps | Promise<StepDeps>;
  logger?: Logger;
}

export function createTaskHandler(name: TaskName, options: TaskHandlerOptions) {
  const base = options.logger ?? createLogger({ level: parseLogLevel(process.env['LOG_LEVEL']) });
  const logger = base.child({ task: name });
  const run = tasks[name] as (input: unknown, deps: StepDeps) => Promise<unknown>;
  // Middy runs `after`/`onError` in reverse order of `use`: stableErrors maps first, then the log shows the
  // name that Step Functions will see.
  return middy(async (event: unknown, _context: LambdaContextLike) => run(event, await options.deps()))
    .use(structuredLogs(logger))
    .use(stableErrors());
}
