import middy from '@middy/core';
import { required } from './config.ts';
import { stableErrors, structuredLogs } from './middleware.ts';
import { config, logger } from './runtime.ts';
import { sfnClient, ssmClient } from './sdk-clients.ts';
import { onSchedule } from './triggers.ts';

/** EventBridge schedule → one drift-check execution per cluster with a stored spec. */
export const handler = middy(async (event: unknown) =>
  onSchedule(event, {
    ssm: ssmClient(),
    sfn: sfnClient(),
    driftStateMachineArn: required(config(), 'BROKERLINK_DRIFT_STATE_MACHINE_ARN'),
    log: logger().child({ trigger: 'schedule' }),
  }),
)
  .use(structuredLogs(logger().child({ function: 'scheduleDriftCheck' }), () => ({})))
  .use(stableErrors());
