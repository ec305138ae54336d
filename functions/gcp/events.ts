import { z } from 'zod';
import { TriggerEventInvalid } from '../../shared/triggers/errors.ts';

export { TriggerEventInvalid };

/*
 * The Eventarc CloudEvents the trigger functions receive, parsed strictly enough that a bad or foreign event is a
 * clear error naming the field (and nothing is started), loosely enough that fields Google adds do not break us:
 *
 *  - Cloud Audit Logs (`google.cloud.audit.log.v1.written`) for `v1.compute.instances.insert`. An insert writes two
 *    entries, `operation.first` when it starts and `operation.last` when it is done; only the last one means the
 *    instance exists, so only it enrols. An entry with a non-zero `protoPayload.status.code` is a failed insert.
 *  - Cloud Storage `google.cloud.storage.object.v1.finalized`: an object (a spec) was written to the state bucket.
 */

const envelope = {
  id: z.string().min(1).max(256),
  source: z.string().min(1),
  specversion: z.literal('1.0').optional(),
  time: z.string().optional(),
};

const auditLogEvent = z.object({
  ...envelope,
  type: z.literal('google.cloud.audit.log.v1.written'),
  data: z.object({
    protoPayload: z.object({
      serviceName: z.literal('compute.googleapis.com'),
      methodName: z.string(),
      resourceName: z
        .string()
        .regex(
          /^projects\/[^/]+\/zones\/[a-z]+-[a-z]+\d-[a-z]\/instances\/[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/,
          'must be projects/P/zones/Z/instances/NAME',
        ),
      status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
    }),
    operation: z
      .object({ id: z.string().optional(), first: z.boolean().optional(), last: z.boolean().optional() })
      .optional(),
  }),
});

const storageEvent = z.object({
  ...envelope,
  type: z.literal('google.cloud.storage.object.v1.finalized'),
  data: z.object({
    bucket: z.string().min(3).max(222),
    name: z.string().min(1).max(1024),
    generation: z.union([z.string().regex(/^\d+$/), z.number().int()]).transform(String),
  }),
});

function parse<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
  throw new TriggerEventInvalid(`not ${what}: ${lines.join('; ')}`);
}

export interface InstanceInserted {
  eventId: string;
  /** `zone/name`, as discovery reports instanceId. */
  instanceId: string;
  project: string;
  /** The insert has finished and succeeded: the instance exists. */
  done: boolean;
  /** Why the event does not enrol anything, when it does not. */
  ignored?: string;
}

export function parseInstanceInsert(event: unknown): InstanceInserted {
  const parsed = parse(auditLogEvent, event, 'a Compute Engine audit log event');
  const payload = parsed.data.protoPayload;
  const [, project, , zone, , name] = payload.resourceName.split('/') as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const base = { eventId: parsed.id, instanceId: `${zone}/${name}`, project };
  if (!/^(?:v1|beta)\.compute\.instances\.insert$/.test(payload.methodName))
    return { ...base, done: false, ignored: `method ${payload.methodName}` };
  if ((payload.status?.code ?? 0) !== 0)
    return { ...base, done: false, ignored: `the insert failed: ${payload.status?.message ?? payload.status?.code}` };
  if (parsed.data.operation?.last !== true)
    return { ...base, done: false, ignored: 'the insert has not finished (first entry of the operation)' };
  return { ...base, done: true };
}

export interface ObjectFinalized {
  eventId: string;
  bucket: string;
  name: string;
  generation: string;
}

export function parseObjectFinalized(event: unknown): ObjectFinalized {
  const parsed = parse(storageEvent, event, 'a Cloud Storage object-finalized event');
  return { eventId: parsed.id, bucket: parsed.data.bucket, name: parsed.data.name, generation: parsed.data.generation };
}
