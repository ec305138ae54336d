import { z } from 'zod';
import { FunctionConfigInvalid } from '../../shared/handlers/errors.ts';

/*
 * Deployment configuration of the Google Cloud functions, from the environment variables deploy/gcp sets on every
 * function (`--set-env-vars`). Read on the first invocation of a container (never at import: the functions
 * framework loads the module before any request); a missing or malformed value is FunctionConfigInvalid naming the
 * variable, answered to the workflow like any other 'fail' error.
 */

const configSchema = z.object({
  /** The state bucket: cluster locks, specs, port ledgers. */
  BROKERLINK_BUCKET: z
    .string({ error: 'must be set (the state bucket of the deployment)' })
    .regex(/^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$/, 'must be a Cloud Storage bucket name'),
  /** The project of the brokers and of the workflows. */
  BROKERLINK_PROJECT: z
    .string({ error: 'must be set (the project of the brokers)' })
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id'),
  /** The region of the workflows (the trigger functions start executions there). */
  BROKERLINK_REGION: z
    .string({ error: 'must be set (the region of the workflows)' })
    .regex(/^[a-z]+-[a-z]+\d$/, 'must be a Google Cloud region such as us-west1'),
  LOG_LEVEL: z.string().optional(),
});

export type GcpFunctionConfig = z.output<typeof configSchema>;

export function readGcpConfig(env: Readonly<Record<string, string | undefined>> = process.env): GcpFunctionConfig {
  const parsed = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new FunctionConfigInvalid(`function environment is invalid: ${detail}`, { cause: parsed.error });
  }
  return parsed.data;
}
