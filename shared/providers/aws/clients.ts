import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';

/*
 * Creates the AWS SDK v3 clients once (module scope of a Lambda handler, or once per CLI run) and hands them to
 * the adapters. Throttling is first handled here: the SDK's adaptive retry mode backs off and rate-limits the
 * client itself (token bucket fed by throttling responses), with `maxAttempts` tries per call. What is still
 * throttled after that reaches the adapters and becomes `AwsThrottled` (retryable by the state machine).
 */

export interface AwsClients {
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  ssm: SSMClient;
  secretsManager: SecretsManagerClient;
}

export interface AwsClientOptions {
  region: string;
  /** Tries per call, first one included. Default 8 (ELBv2/EC2 throttle bursts of describes readily). */
  maxAttempts?: number;
  /** `adaptive` (default) adds client-side rate limiting to `standard` retries. */
  retryMode?: 'standard' | 'adaptive';
  /** For tests against a local endpoint. */
  endpoint?: string;
  /** Static credentials (tests against a local endpoint); default: the SDK's provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export const DEFAULT_MAX_ATTEMPTS = 8;

export function createAwsClients(options: AwsClientOptions): AwsClients {
  const config = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: options.retryMode ?? 'adaptive',
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
  return {
    ec2: new EC2Client(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    ssm: new SSMClient(config),
    secretsManager: new SecretsManagerClient(config),
  };
}
