import { EC2Client } from '@aws-sdk/client-ec2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { type FunctionConfig, readConfig } from './config.ts';
import { createLogger, type Logger, parseLogLevel } from './log.ts';

/*
 * Per-container singletons: configuration, logger and SDK clients are created on first use and reused by every
 * invocation the container serves (creating clients per invocation costs credentials lookups and connections).
 * Each getter creates only what its caller uses, so a trigger function never builds the Kafka or ELBv2 pieces.
 */

function once<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    value ??= { v: make() };
    return value.v;
  };
}

export const config: () => FunctionConfig = once(() => readConfig());

export const logger: () => Logger = once(() => createLogger({ level: parseLogLevel(process.env['LOG_LEVEL']) }));

const clientConfig = () => ({ region: config().AWS_REGION, maxAttempts: 8, retryMode: 'adaptive' as const });

export const ec2Client: () => EC2Client = once(() => new EC2Client(clientConfig()));
export const ssmClient: () => SSMClient = once(() => new SSMClient(clientConfig()));
export const sfnClient: () => SFNClient = once(() => new SFNClient(clientConfig()));
export const snsClient: () => SNSClient = once(() => new SNSClient(clientConfig()));
