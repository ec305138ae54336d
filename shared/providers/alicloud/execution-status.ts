import { fdlFlowName } from '../../flow/fdl/generate.ts';
import type { RpcProduct } from './clients.ts';

/**
 * The status of a provision flow execution (CloudFlow DescribeExecution: Running, Succeeded, Failed, Stopped,
 * TimedOut), for the lock's holder check (oss-lock.ts `executionStatus`): the lock's owner is the execution's name
 * ($Context.Execution.Name), and only the provision flow takes the lock. Anything unreadable — no permission,
 * throttled, or no such execution (an owner that is not a CloudFlow execution, e.g. a CLI run) — is undefined, so
 * its lock waits for the lease instead of being taken over on a guess.
 */
export function cloudFlowExecutionStatus(cloudFlow: RpcProduct): (owner: string) => Promise<string | undefined> {
  const flowName = fdlFlowName('provision');
  return async (owner) => {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(owner)) return undefined;
    try {
      const answer = await cloudFlow.call('DescribeExecution', { FlowName: flowName, ExecutionName: owner });
      return typeof answer.Status === 'string' ? answer.Status : undefined;
    } catch {
      return undefined;
    }
  };
}
