import { z } from 'zod';
import { FunctionConfigInvalid } from '../../shared/handlers/errors.ts';

/*
 * Deployment configuration of the AWS functions, from environment variables set by serverless.yml. Read once per
 * container; a missing or malformed value is a FunctionConfigInvalid naming the variable.
 */

const stateMachineArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/, 'must be a state machine ARN');

const configSchema = z.object({
  AWS_REGION: z.string().min(1, 'must be set (the Lambda runtime sets it)'),
  /** Name of brokerlink's SSM Command document (the AWS::SSM::Document of serverless.yml). */
  BROKERLINK_SSM_DOCUMENT: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,128}$/, 'must be an SSM document name')
    .optional(),
  /** SNS topic for drift notifications (optional: the EMF metric is always written). */
  BROKERLINK_DRIFT_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN')
    .optional(),
  BROKERLINK_PROVISION_STATE_MACHINE_ARN: stateMachineArn.optional(),
  BROKERLINK_DRIFT_STATE_MACHINE_ARN: stateMachineArn.optional(),
  /**
   * Security groups of the functions that verify through the NLB (the deploy's kafkaSecurityGroupIds, comma list):
   * the NLB's security group admits them on the ports it opens for consumers.
   */
  BROKERLINK_VERIFIER_SECURITY_GROUP_IDS: z
    .string()
    .regex(/^sg-[0-9a-f]{8,17}(,sg-[0-9a-f]{8,17})*$/, 'must be a comma list of security group ids (sg-...)')
    .optional(),
  /** Tag key that marks a broker instance as belonging to a brokerlink cluster (value = cluster name). */
  BROKERLINK_CLUSTER_TAG: z.string().min(1).max(128).default('brokerlink:cluster'),
  LOG_LEVEL: z.string().optional(),
});

export type FunctionConfig = z.output<typeof configSchema>;

export function readConfig(env: Record<string, string | undefined> = process.env): FunctionConfig {
  const parsed = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new FunctionConfigInvalid(`function environment is invalid: ${detail}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** A value the calling function cannot work without (e.g. the state machine a trigger starts). */
export function required<K extends keyof FunctionConfig>(
  config: FunctionConfig,
  key: K,
): NonNullable<FunctionConfig[K]> {
  const value = config[key];
  if (value === undefined || value === null) {
    throw new FunctionConfigInvalid(`environment variable ${String(key)} must be set for this function`);
  }
  return value as NonNullable<FunctionConfig[K]>;
}
