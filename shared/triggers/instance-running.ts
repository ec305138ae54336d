import { clusterNameSchema } from '../spec/schema.ts';
import { executionName, type ProvisionInput, startNamed } from './execution.ts';
import type { InstanceDirectory, TriggerLog, TriggerResult, WorkflowStarter } from './ports.ts';

/** A compute instance changed state (parsed from the cloud's event by its handler). */
export interface InstanceStateChange {
  /** The event's own id: the execution name carries it, so a redelivery starts nothing new. */
  eventId: string;
  instanceId: string;
  state: string;
  /** Whether `state` is the cloud's "running" (EC2 `running`, Compute Engine `RUNNING`, ECS `Running`). */
  running: boolean;
  /**
   * What raised it: the instance reached running (default), or a running instance's tags changed — tagged after
   * launch, so its running event found no cluster tag (AWS: "Tag Change on Resource"). Names the execution.
   */
  cause?: 'instance-running' | 'instance-tagged';
}

export interface InstanceRunningDeps {
  instances: InstanceDirectory;
  starter: WorkflowStarter;
  /** The tag whose value names an instance's cluster (the provider profile's command-scope tag). */
  clusterTag: string;
  log: TriggerLog;
}

/**
 * An instance reached running: if it carries the cluster tag with a valid cluster name, start provision in apply
 * mode for that cluster (new-broker enrollment; also catches a replaced instance), queueing behind a held lock
 * because instances launched together raise one event each. Anything else is ignored with a log line saying why.
 */
export async function onInstanceRunning(
  change: InstanceStateChange,
  deps: InstanceRunningDeps,
): Promise<TriggerResult> {
  const log = deps.log.child({ eventId: change.eventId, instanceId: change.instanceId });
  if (!change.running) {
    log.info('instance state is not "running"; ignored', { state: change.state });
    return { started: false, reason: `state ${change.state}` };
  }
  const tags = await deps.instances.tagsOf(change.instanceId);
  if (tags === undefined) {
    log.info('instance not found (terminated already?); ignored');
    return { started: false, reason: 'instance not found' };
  }
  const cluster = tags[deps.clusterTag];
  if (cluster === undefined) {
    log.info(`instance has no "${deps.clusterTag}" tag: not a brokerlink broker; ignored`);
    return { started: false, reason: 'no cluster tag' };
  }
  if (!clusterNameSchema.safeParse(cluster).success) {
    log.warn(`instance's "${deps.clusterTag}" tag is not a valid cluster name; ignored`, { cluster });
    return { started: false, reason: 'invalid cluster tag' };
  }
  const cause = change.cause ?? 'instance-running';
  const input: ProvisionInput = { cluster, mode: 'apply', trigger: cause, waitForLock: true };
  return startNamed(
    deps.starter,
    'provision',
    executionName(cause === 'instance-tagged' ? 'tagged' : 'instance', cluster, change.eventId),
    input,
    log.child({ cluster }),
  );
}
