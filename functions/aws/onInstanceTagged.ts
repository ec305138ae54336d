import middy from '@middy/core';
import { required } from './config.ts';
import { stableErrors, structuredLogs } from './middleware.ts';
import { config, logger } from './runtime.ts';
import { ec2Client, sfnClient } from './sdk-clients.ts';
import { onInstanceTagged } from './triggers.ts';

/** EventBridge rule "Tag Change on Resource" (EC2 instance, cluster tag changed) → provision (apply) for its cluster. */
export const handler = middy(async (event: unknown) =>
  onInstanceTagged(event, {
    ec2: ec2Client(),
    sfn: sfnClient(),
    provisionStateMachineArn: required(config(), 'BROKERLINK_PROVISION_STATE_MACHINE_ARN'),
    clusterTag: config().BROKERLINK_CLUSTER_TAG,
    log: logger().child({ trigger: 'instance-tagged' }),
  }),
)
  .use(structuredLogs(logger().child({ function: 'onInstanceTagged' }), () => ({})))
  .use(stableErrors());
