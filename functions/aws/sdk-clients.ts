import { EC2Client } from '@aws-sdk/client-ec2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { once } from '../../shared/util/once.ts';
import { config } from './runtime.ts';

/*
 * SDK clients of the trigger functions, one per container (creating clients per invocation costs credential
 * lookups and connections). Each getter creates only what its caller uses.
 */

const clientConfig = () => ({ region: config().AWS_REGION, maxAttempts: 8, retryMode: 'adaptive' as const });

export const ec2Client: () => EC2Client = once(() => new EC2Client(clientConfig()));
export const ssmClient: () => SSMClient = once(() => new SSMClient(clientConfig()));
export const sfnClient: () => SFNClient = once(() => new SFNClient(clientConfig()));
