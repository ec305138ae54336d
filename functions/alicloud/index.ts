import { z } from 'zod';
import { FunctionConfigInvalid } from '../../shared/handlers/errors.ts';
import { type AlicloudClients, createAlicloudClients } from '../../shared/providers/alicloud/clients.ts';
import type { FcContext } from '../../shared/providers/alicloud/cloudflow/interpreter.ts';
import { createOssClient, type ObjectStore, ossObjectStore } from '../../shared/providers/alicloud/oss-store.ts';
import { alicloudProfile } from '../../shared/providers/alicloud/profile.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { isTaskName } from '../../shared/steps/tasks.ts';
import { createLogger } from '../aws/log.ts';
import { createAlicloudStepDeps } from './deps.ts';
import { createTaskHandler, FUNCTION_PREFIX } from './task-handler.ts';
import {
  onDriftTimer as driftTimer,
  onInstanceStateChange as instanceStateChange,
  onSpecObjectEvent as specObjectEvent,
} from './triggers.ts';

/*
 * The Function Compute 3.0 entry points (runtime nodejs20, one code package; tools/alicloud sets each function's
 * handler):
 *  - `index.handler` for every task function `brokerlink-<task>`: the task is the function's own name
 *    (context.function.name), so one handler serves all of them;
 *  - `index.onInstanceStateChange`, `index.onSpecObjectEvent`, `index.onDriftTimer` for the triggers.
 * Credentials are the function role's temporary ones Function Compute hands in `context.credentials` (rotated by
 * FC; the clients are rebuilt when they change). Configuration comes from the environment, validated once:
 *   BROKERLINK_REGION        the region (default: FC's ALIBABA_CLOUD_REGION)
 *   BROKERLINK_STATE_BUCKET  the OSS bucket of specs and locks
 *   BROKERLINK_STATE_PREFIX  key prefix inside it (default brokerlink/)
 *   BROKERLINK_LOCAL_ENDPOINT, BROKERLINK_LOCAL_OSS_ENDPOINT
 *                            local fakes of the Alibaba APIs and of OSS, for running this very package on a test
 *                            bed (test/alicloud/package.test.ts); loopback addresses only, so they can never send a
 *                            deployed function's calls anywhere else. Never set by tools/alicloud.
 */

const configSchema = z.object({
  BROKERLINK_REGION: z.string().regex(/^[a-z]{2}-[a-z0-9-]+$/, 'must be a region id such as ap-southeast-1'),
  BROKERLINK_STATE_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'must be an OSS bucket name'),
  BROKERLINK_STATE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._/-]*$/)
    .default('brokerlink/'),
  BROKERLINK_LOCAL_ENDPOINT: z
    .string()
    .regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/, 'must be a loopback host:port (a local fake), or unset')
    .optional(),
  BROKERLINK_LOCAL_OSS_ENDPOINT: z
    .string()
    .regex(
      /^http:\/\/127\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/,
      'must be http://<loopback>:<port> (a local fake), or unset',
    )
    .optional(),
});

export function functionConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = configSchema.safeParse({
    ...env,
    BROKERLINK_REGION: env.BROKERLINK_REGION ?? env.ALIBABA_CLOUD_REGION,
  });
  if (!parsed.success) {
    throw new FunctionConfigInvalid(
      `the function's environment is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

type Context = FcContext & { credentials?: FcCredentials };

const log = createLogger({ base: { service: 'brokerlink' } });
let cached: { key: string; clients: AlicloudClients; state: ObjectStore; deps: () => StepDeps } | undefined;

function wired(context: Context) {
  const config = functionConfig();
  const credentials = context.credentials;
  // The environment is fixed for a function instance; keyed by it all the same, so a changed one is never served old clients.
  const key = JSON.stringify([config, credentials?.accessKeyId, credentials?.securityToken]);
  if (cached?.key !== key) {
    const local = config.BROKERLINK_LOCAL_ENDPOINT;
    const clients = createAlicloudClients({
      region: config.BROKERLINK_REGION,
      ...(credentials ? { credentials } : {}),
      ...(local === undefined ? {} : { endpoint: local, protocol: 'http' as const }),
    });
    const state = ossObjectStore(
      createOssClient({
        region: config.BROKERLINK_REGION,
        bucket: config.BROKERLINK_STATE_BUCKET,
        ...(credentials ? { credentials } : {}),
        ...(config.BROKERLINK_LOCAL_OSS_ENDPOINT === undefined
          ? {}
          : { endpoint: config.BROKERLINK_LOCAL_OSS_ENDPOINT }),
      }),
    );
    const deps = createAlicloudStepDeps(clients, {
      region: config.BROKERLINK_REGION,
      state,
      statePrefix: config.BROKERLINK_STATE_PREFIX,
      log,
    });
    cached = { key, clients, state, deps };
  }
  return { config, ...cached };
}

/** Every task function: the task is named by the function (brokerlink-<task>). */
export async function handler(event: Buffer, context: Context): Promise<unknown> {
  const name = context.function.name;
  const task = name.startsWith(FUNCTION_PREFIX) ? name.slice(FUNCTION_PREFIX.length) : '';
  if (!isTaskName(task)) throw new FunctionConfigInvalid(`function ${name} is not brokerlink-<task> of a known task`);
  const { deps } = wired(context);
  return createTaskHandler(task, () => deps())(event, context);
}

function triggerDeps(context: Context) {
  const { config, clients, state } = wired(context);
  return {
    clients,
    region: config.BROKERLINK_REGION,
    specs: state,
    specBucket: config.BROKERLINK_STATE_BUCKET,
    specPrefix: config.BROKERLINK_STATE_PREFIX,
    clusterTag: alicloudProfile.commandScope!.tag,
    log,
  };
}

export const onInstanceStateChange = (event: Buffer, context: Context) =>
  instanceStateChange(event, triggerDeps(context));
export const onSpecObjectEvent = (event: Buffer, context: Context) => specObjectEvent(event, triggerDeps(context));
export const onDriftTimer = (event: Buffer, context: Context) => driftTimer(event, triggerDeps(context));
