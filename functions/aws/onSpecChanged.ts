import middy from '@middy/core';
import { required } from './config.ts';
import { stableErrors, structuredLogs } from './middleware.ts';
import { config, logger } from './runtime.ts';
import { sfnClient, ssmClient } from './sdk-clients.ts';
import { onSpecChanged } from './triggers.ts';

/** EventBridge rule "Parameter Store Change" on /brokerlink/<cluster>/spec → validate → provision (apply). */
export const handler = middy(async (event: unknown) =>
  onSpecChanged(event, {
    ssm: ssmClient(),
    sfn: sfnClient(),
    provisionStateMachineArn: required(config(), 'BROKERLINK_PROVISION_STATE_MACHINE_ARN'),
    log: logger().child({ trigger: 'spec-change' }),
  }),
)
  .use(structuredLogs(logger().child({ function: 'onSpecChanged' }), () => ({})))
  .use(stableErrors());
