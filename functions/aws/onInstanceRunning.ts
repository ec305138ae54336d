import middy from '@middy/core';
import { required } from './config.ts';
import { stableErrors, structuredLogs } from './middleware.ts';
import { config, logger } from './runtime.ts';
import { ec2Client, sfnClient } from './sdk-clients.ts';
import { onInstanceRunning } from './triggers.ts';

/** EventBridge rule "EC2 Instance State-change Notification, state running" → provision (apply) for the instance's cluster. */
export const handler = middy(async (event: unknown) =>
  onInstanceRunning(event, {
    ec2: ec2Client(),
    sfn: sfnClient(),
    provisionStateMachineArn: required(config(), 'BROKERLINK_PROVISION_STATE_MACHINE_ARN'),
    clusterTag: config().BROKERLINK_CLUSTER_TAG,
    log: logger().child({ trigger: 'instance-running' }),
  }),
)
  .use(structuredLogs(logger().child({ function: 'onInstanceRunning' }), () => ({})))
  .use(stableErrors());
