import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `checkHealthy` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [checkHealthy, Arn]`. */
export const handler = createTaskHandler('checkHealthy', { deps: stepDeps });
