import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { describeExecutionStatus } from './execution-status.ts';

const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

const ARN = 'arn:aws:states:us-west-2:123456789012:execution:brokerlink-provision-dev:run-a';

describe('describeExecutionStatus', () => {
  it('reads the status of the execution through the real SDK client', async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: ARN }).resolves({ status: 'ABORTED' } as never);
    expect(await describeExecutionStatus(new SFNClient({ region: 'us-west-2' }))(ARN)).toBe('ABORTED');
  });

  it('calls an execution that does not exist so, and anything unreadable undefined (the lock then waits)', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejectsOnce(new ExecutionDoesNotExist({ message: 'no such execution', $metadata: {} }))
      .rejectsOnce(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const status = describeExecutionStatus(new SFNClient({ region: 'us-west-2' }));
    expect(await status(ARN)).toBe('DOES_NOT_EXIST');
    expect(await status(ARN)).toBeUndefined();
  });
});
