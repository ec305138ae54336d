import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `acquireLock` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [acquireLock, Arn]`. */
export const handler = createTaskHandler('acquireLock', { deps: stepDeps });
