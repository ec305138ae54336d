import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `releaseLock` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [releaseLock, Arn]`. */
export const handler = createTaskHandler('releaseLock', { deps: stepDeps });
