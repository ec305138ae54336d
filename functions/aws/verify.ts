import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `verify` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [verify, Arn]`. */
export const handler = createTaskHandler('verify', { deps: stepDeps });
