import type { CloudEventFunction } from '@google-cloud/functions-framework';
import { gcpProfile } from '../../shared/providers/gcp/profile.ts';
import { onInstanceRunning } from '../../shared/triggers/instance-running.ts';
import type {
  InstanceDirectory,
  StoredSpecs,
  TriggerLog,
  TriggerResult,
  WorkflowStarter,
} from '../../shared/triggers/ports.ts';
import { onSpecChanged } from '../../shared/triggers/spec-changed.ts';
import { parseInstanceInsert, parseObjectFinalized } from './events.ts';

/*
 * The Eventarc trigger functions (CloudEvent functions, functions-framework 5): they only parse the event
 * (./events.ts) and hand it to the provider-neutral decisions of shared/triggers/, which decide whether to start
 * an execution and under which name. A bad event throws TriggerEventInvalid (the function fails, its log names the
 * field; the trigger is deployed without --retry, so a bad event is not delivered again and again).
 *
 *  - onInstanceInserted: audit log `v1.compute.instances.insert` → provision (apply) for the cluster the new VM's
 *    `brokerlink-cluster` label names, once the insert has finished.
 *  - onSpecChanged: `specs/<cluster>.yaml` finalized in the state bucket → validate → provision (apply).
 */

export interface TriggerDeps {
  starter: WorkflowStarter;
  instances: InstanceDirectory;
  specs: StoredSpecs;
  /** The state bucket: events of other buckets are ignored. */
  bucket: string;
  log: TriggerLog;
}

export function jsonLog(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  fields: Record<string, unknown> = {},
): TriggerLog {
  const emit =
    (severity: string) =>
    (message: string, more: Record<string, unknown> = {}) =>
      write(JSON.stringify({ severity, message, ...fields, ...more }));
  return {
    info: emit('INFO'),
    warn: emit('WARNING'),
    error: emit('ERROR'),
    child: (more) => jsonLog(write, { ...fields, ...more }),
  };
}

export function instanceInsertedHandler(
  deps: () => TriggerDeps | Promise<TriggerDeps>,
): (event: unknown) => Promise<TriggerResult> {
  return async (event) => {
    const inserted = parseInstanceInsert(event);
    const d = await deps();
    if (!inserted.done) {
      d.log.info(`instance insert ignored: ${inserted.ignored}`, {
        eventId: inserted.eventId,
        instanceId: inserted.instanceId,
      });
      return { started: false, reason: inserted.ignored ?? 'not finished' };
    }
    return onInstanceRunning(
      { eventId: inserted.eventId, instanceId: inserted.instanceId, state: 'RUNNING', running: true },
      { instances: d.instances, starter: d.starter, clusterTag: gcpProfile.commandScope!.tag, log: d.log },
    );
  };
}

export function specChangedHandler(
  deps: () => TriggerDeps | Promise<TriggerDeps>,
): (event: unknown) => Promise<TriggerResult> {
  return async (event) => {
    const object = parseObjectFinalized(event);
    const d = await deps();
    if (object.bucket !== d.bucket) {
      d.log.warn('object of another bucket; ignored', { bucket: object.bucket });
      return { started: false, reason: `bucket ${object.bucket}` };
    }
    return onSpecChanged(
      { eventId: object.eventId, location: object.name, operation: 'OBJECT_FINALIZE', written: true },
      { specs: d.specs, starter: d.starter, provider: 'gcp', log: d.log },
    );
  };
}

/**
 * As functions-framework CloudEvent functions (the CloudEvent object is the event these handlers parse). A refused
 * event is logged as one structured ERROR line naming the error and the field (Cloud Logging shows it beside the
 * function), then rethrown so the delivery fails.
 */
export function asCloudEventFunction(
  handler: (event: unknown) => Promise<TriggerResult>,
  log: TriggerLog = jsonLog(),
): CloudEventFunction {
  return async (event) => {
    try {
      await handler(event);
    } catch (error) {
      const { name, message } = error instanceof Error ? error : { name: 'UnexpectedError', message: String(error) };
      const id = (event as { id?: unknown } | null)?.id;
      log.error(`event refused: ${message}`, { error: name, ...(typeof id === 'string' ? { eventId: id } : {}) });
      throw error;
    }
  };
}
