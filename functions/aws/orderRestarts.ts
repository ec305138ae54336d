import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `orderRestarts` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [orderRestarts, Arn]`. */
export const handler = createTaskHandler('orderRestarts', { deps: stepDeps });
