import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `advanceRestart` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [advanceRestart, Arn]`. */
export const handler = createTaskHandler('advanceRestart', { deps: stepDeps });
