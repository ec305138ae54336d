import { z } from 'zod';
import type { AlicloudClients } from '../../shared/providers/alicloud/clients.ts';
import type { ObjectStore } from '../../shared/providers/alicloud/oss-store.ts';
import {
  CloudFlowWorkflowStarter,
  EcsInstanceDirectory,
  OssStoredSpecs,
} from '../../shared/providers/alicloud/trigger-ports.ts';
import { TriggerEventInvalid } from '../../shared/triggers/errors.ts';
import { onInstanceRunning as decideInstanceRunning } from '../../shared/triggers/instance-running.ts';
import type { TriggerLog, TriggerResult } from '../../shared/triggers/ports.ts';
import { onSchedule as decideSchedule } from '../../shared/triggers/schedule.ts';
import { onSpecChanged as decideSpecChanged } from '../../shared/triggers/spec-changed.ts';

/*
 * The Alibaba Cloud triggers, thin: each parses its event (refusing another shape with TriggerEventInvalid naming
 * the field — nothing is started), wires the Alibaba trigger ports and hands over to the shared decision.
 *
 *  - new instance: an EventBridge rule on the default bus, `source: acs.ecs`, `type: ecs:Instance:StateChange`,
 *    targeting the function brokerlink-onInstanceStateChange. The event is a CloudEvent whose `data` is ECS's
 *    notification content: `{ resourceId: "i-…", resourceType: "ALIYUN::ECS::Instance", state: "Running" }`
 *    (help.aliyun.com/en/ecs/user-guide/overview-35; EventBridge's ECS event types list ecs:Instance:StateChange).
 *  - spec change: an EventBridge rule on `source: acs.oss`, `type: oss:ObjectCreated:*` (and ObjectRemoved, which is
 *    logged and ignored) for the spec bucket → brokerlink-onSpecObjectEvent; `data.oss.bucket.name` and
 *    `data.oss.object.key` name the object.
 *  - drift timer: a Function Compute timer trigger on brokerlink-onDriftTimer; its event is
 *    `{ triggerTime, triggerName, payload }`.
 *  - manual: CloudFlow's console or `aliyun fnf StartExecution` straight on the flow (docs/alicloud.md gives the
 *    input); the flow itself refuses bad input before it changes anything.
 */

export type { TriggerResult };

function parseEvent<S extends z.ZodType>(schema: S, event: unknown, what: string): z.output<S> {
  let value = event;
  if (Buffer.isBuffer(value) || typeof value === 'string') {
    try {
      value = JSON.parse(value.toString());
    } catch (error) {
      throw new TriggerEventInvalid(`not ${what}: the event is not JSON`, { cause: error });
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
      .join('; ');
    throw new TriggerEventInvalid(`not ${what}: ${detail}`, { cause: parsed.error });
  }
  return parsed.data;
}

const cloudEvent = { id: z.string().min(1).max(128), specversion: z.string().optional(), time: z.string().optional() };

export const instanceStateChangeSchema = z.object({
  ...cloudEvent,
  source: z.literal('acs.ecs'),
  type: z.literal('ecs:Instance:StateChange'),
  data: z.object({
    resourceId: z.string().regex(/^i-[a-z0-9]{4,40}$/, 'must be an ECS instance id'),
    state: z.string(),
  }),
});

export const ossObjectEventSchema = z.object({
  ...cloudEvent,
  source: z.literal('acs.oss'),
  type: z
    .string()
    .regex(/^oss:Object(Created|Removed):[A-Za-z]+$/, 'must be an oss:ObjectCreated:* or ObjectRemoved:* type'),
  data: z.object({
    oss: z.object({
      bucket: z.object({ name: z.string().min(3).max(63) }),
      object: z.object({ key: z.string().min(1).max(1023) }),
    }),
  }),
});

export const timerEventSchema = z.object({
  triggerTime: z.iso.datetime({ offset: true }),
  triggerName: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a trigger name'),
  payload: z.string().optional(),
});

export interface AlicloudTriggerDeps {
  clients: Pick<AlicloudClients, 'ecs' | 'cloudFlow'>;
  region: string;
  specs: ObjectStore;
  /** The bucket the specs live in: events of other buckets start nothing. */
  specBucket: string;
  specPrefix?: string;
  clusterTag: string;
  log: TriggerLog;
}

/** ecs:Instance:StateChange → provision (apply, queueing for the lock) for the instance's cluster, if it has one. */
export async function onInstanceStateChange(event: unknown, deps: AlicloudTriggerDeps): Promise<TriggerResult> {
  const parsed = parseEvent(instanceStateChangeSchema, event, 'an ECS ecs:Instance:StateChange event');
  return decideInstanceRunning(
    {
      eventId: parsed.id,
      instanceId: parsed.data.resourceId,
      state: parsed.data.state,
      running: parsed.data.state === 'Running',
    },
    {
      instances: new EcsInstanceDirectory({ ecs: deps.clients.ecs, region: deps.region }),
      starter: new CloudFlowWorkflowStarter({ cloudFlow: deps.clients.cloudFlow }),
      clusterTag: deps.clusterTag,
      log: deps.log,
    },
  );
}

/** An OSS object event on the spec bucket → validate the spec → provision (apply). */
export async function onSpecObjectEvent(event: unknown, deps: AlicloudTriggerDeps): Promise<TriggerResult> {
  const parsed = parseEvent(ossObjectEventSchema, event, 'an OSS object event');
  if (parsed.data.oss.bucket.name !== deps.specBucket) {
    deps.log.info('object event of another bucket; ignored', { bucket: parsed.data.oss.bucket.name });
    return { started: false, reason: `bucket ${parsed.data.oss.bucket.name}` };
  }
  const key = parsed.data.oss.object.key;
  return decideSpecChanged(
    {
      eventId: parsed.id,
      location: key,
      operation: parsed.type,
      written: parsed.type.startsWith('oss:ObjectCreated:'),
    },
    {
      specs: new OssStoredSpecs({ store: deps.specs, prefix: deps.specPrefix }),
      starter: new CloudFlowWorkflowStarter({ cloudFlow: deps.clients.cloudFlow }),
      provider: 'alicloud',
      log: deps.log,
    },
  );
}

/** The drift timer → one drift-check execution per cluster with a stored spec. */
export async function onDriftTimer(event: unknown, deps: AlicloudTriggerDeps): Promise<TriggerResult[]> {
  const parsed = parseEvent(timerEventSchema, event, 'a Function Compute timer event');
  return decideSchedule(
    { eventId: `${parsed.triggerName}-${parsed.triggerTime}`, time: parsed.triggerTime },
    {
      specs: new OssStoredSpecs({ store: deps.specs, prefix: deps.specPrefix }),
      starter: new CloudFlowWorkflowStarter({ cloudFlow: deps.clients.cloudFlow }),
      log: deps.log,
    },
  );
}
