import { stepDeps } from './deps.ts';
import { createTaskHandler } from './task-handler.ts';

/** Lambda entry point of task `applyLoadBalancer` (shared/steps/tasks.ts), used by the state machines as `Fn::GetAtt: [applyLoadBalancer, Arn]`. */
export const handler = createTaskHandler('applyLoadBalancer', { deps: stepDeps });
