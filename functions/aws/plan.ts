import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `plan` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [plan, Arn]`. */
export const handler = createTaskHandler('plan', { deps: stepDeps });
