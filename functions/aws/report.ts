import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `report` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [report, Arn]`. */
export const handler = createTaskHandler('report', { deps: stepDeps });
