import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `probeEnrolment` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [probeEnrolment, Arn]`. */
export const handler = createTaskHandler('probeEnrolment', { deps: stepDeps });
