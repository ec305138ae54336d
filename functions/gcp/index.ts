/*
 * The entry module of the brokerlink Cloud Functions (package.json `main`; each deployed function names its entry
 * point with `gcloud functions deploy --entry-point`). Registers every function with the production deps: the
 * configuration (BROKERLINK_BUCKET, BROKERLINK_PROJECT, BROKERLINK_REGION) and the clients are read on first use.
 */
import { stepDeps, triggerDeps } from './deps.ts';
import { registerGcpFunctions } from './register.ts';

registerGcpFunctions({ steps: stepDeps, triggers: triggerDeps });
