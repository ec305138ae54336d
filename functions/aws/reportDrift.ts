import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `reportDrift` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [reportDrift, Arn]`. */
export const handler = createTaskHandler('reportDrift', { deps: stepDeps });
