import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { isAwsError } from './aws-call.ts';

/**
 * The status of a Step Functions execution (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE), for
 * the lock's holder check (lock.ts `executionStatus`). An execution that does not exist (deleted, another account)
 * is reported as such; anything else unreadable (no permission, throttled) is undefined, so its lock waits for the
 * lease instead of being taken over on a guess.
 */
export function describeExecutionStatus(sfn: Pick<SFNClient, 'send'>): (arn: string) => Promise<string | undefined> {
  return async (arn) => {
    try {
      const answer = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return answer.status;
    } catch (error) {
      if (isAwsError(error, 'ExecutionDoesNotExist')) return 'DOES_NOT_EXIST';
      return undefined;
    }
  };
}
