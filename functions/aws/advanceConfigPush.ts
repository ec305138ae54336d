import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `advanceConfigPush` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [advanceConfigPush, Arn]`. */
export const handler = createTaskHandler('advanceConfigPush', { deps: stepDeps });
