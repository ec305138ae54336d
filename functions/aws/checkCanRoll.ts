import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `checkCanRoll` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [checkCanRoll, Arn]`. */
export const handler = createTaskHandler('checkCanRoll', { deps: stepDeps });
