import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `discover` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [discover, Arn]`. */
export const handler = createTaskHandler('discover', { deps: stepDeps });
