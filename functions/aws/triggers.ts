import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { awsCall, collectPages } from '../../shared/providers/aws/aws-call.ts';
import { fromAwsTags } from '../../shared/providers/aws/ledger.ts';
import { formatIssues } from '../../shared/spec/errors.ts';
import { clusterNameSchema } from '../../shared/spec/schema.ts';
import { validateSpecText } from '../../shared/spec/validate.ts';
import { TriggerEventInvalid } from '../../shared/triggers/errors.ts';
import type { Logger } from './log.ts';

/*
 * The event triggers: EventBridge events → Step Functions executions. Each trigger validates its event, decides
 * whether there is anything to do (logging why not), and starts the execution under a name derived from the event,
 * so a redelivered event (EventBridge delivers at least once) finds the execution already there instead of
 * starting a second one (StartExecution with an existing name and identical input is idempotent while the
 * execution runs; afterwards it answers ExecutionAlreadyExists, which is reported as "already started").
 */

/** Spec parameters are `<prefix>/<cluster>/spec`. */
export const SPEC_PARAMETER_PREFIX = '/brokerlink';

export function specParameterName(cluster: string): string {
  return `${SPEC_PARAMETER_PREFIX}/${cluster}/spec`;
}

const SPEC_PARAMETER = /^\/brokerlink\/([^/]+)\/spec$/;

/** The provision state machine's execution input (see docs/manual-start.md). */
export interface ProvisionInput {
  cluster: string;
  mode: 'plan' | 'apply' | 'verify';
  trigger: 'instance-running' | 'spec-change' | 'schedule' | 'drift-repair' | 'manual';
  /** Queue behind an execution that holds the cluster lock instead of failing (events that arrive together). */
  waitForLock?: boolean;
}

export type TriggerResult =
  | { started: true; executionArn: string; name: string; alreadyStarted: boolean }
  | { started: false; reason: string };

const eventEnvelope = {
  version: z.string(),
  id: z.string().min(1).max(64),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
};

export const instanceStateEventSchema = z.object({
  ...eventEnvelope,
  source: z.literal('aws.ec2'),
  'detail-type': z.literal('EC2 Instance State-change Notification'),
  detail: z.object({ 'instance-id': z.string().regex(/^i-[0-9a-f]{8,17}$/), state: z.string() }),
});

export const parameterChangeEventSchema = z.object({
  ...eventEnvelope,
  source: z.literal('aws.ssm'),
  'detail-type': z.literal('Parameter Store Change'),
  detail: z.object({ operation: z.string(), name: z.string().min(1), type: z.string().optional() }),
});

export const scheduledEventSchema = z.object({
  ...eventEnvelope,
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
});

function parseEvent<S extends z.ZodType>(schema: S, event: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
      .join('; ');
    throw new TriggerEventInvalid(`not ${what}: ${detail}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Step Functions execution names: 1-80 of [A-Za-z0-9_-] (we avoid the other allowed characters). */
export function executionName(...parts: string[]): string {
  return parts
    .map((part) => part.replace(/[^A-Za-z0-9_-]/g, '-'))
    .join('-')
    .slice(0, 80);
}

export interface StartOptions {
  sfn: SFNClient;
  stateMachineArn: string;
  name: string;
  input: Record<string, unknown>;
  log: Logger;
}

/** StartExecution with an idempotent name; an existing execution of that name counts as started. */
export async function startNamedExecution(options: StartOptions): Promise<TriggerResult> {
  const input = JSON.stringify(options.input);
  try {
    const answer = await options.sfn.send(
      new StartExecutionCommand({ stateMachineArn: options.stateMachineArn, name: options.name, input }),
    );
    const executionArn = answer.executionArn ?? '';
    options.log.info('execution started', { executionName: options.name, executionArn, input: options.input });
    return { started: true, executionArn, name: options.name, alreadyStarted: false };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
      const executionArn = `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${options.name}`;
      options.log.info('execution already started for this event (redelivery); nothing new started', {
        executionName: options.name,
        executionArn,
      });
      return { started: true, executionArn, name: options.name, alreadyStarted: true };
    }
    throw error;
  }
}

// ---------------------------------------------------------------- EC2 instance running

export interface InstanceRunningDeps {
  ec2: EC2Client;
  sfn: SFNClient;
  provisionStateMachineArn: string;
  clusterTag: string;
  log: Logger;
}

/**
 * An instance reached `running`: if it carries the cluster tag, start provision in apply mode for that cluster
 * (new-broker enrollment; also catches a replaced instance). Other instances are ignored with a log line.
 */
export async function onInstanceRunning(event: unknown, deps: InstanceRunningDeps): Promise<TriggerResult> {
  const parsed = parseEvent(instanceStateEventSchema, event, 'an EC2 Instance State-change Notification');
  const instanceId = parsed.detail['instance-id'];
  const log = deps.log.child({ eventId: parsed.id, instanceId });
  if (parsed.detail.state !== 'running') {
    log.info('instance state is not "running"; ignored', { state: parsed.detail.state });
    return { started: false, reason: `state ${parsed.detail.state}` };
  }
  const answer = await awsCall('ec2:DescribeInstances', () =>
    deps.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
  );
  const instance = answer.Reservations?.flatMap((reservation) => reservation.Instances ?? [])[0];
  if (instance === undefined) {
    log.info('instance not found (terminated already?); ignored');
    return { started: false, reason: 'instance not found' };
  }
  const cluster = fromAwsTags(instance.Tags)[deps.clusterTag];
  if (cluster === undefined) {
    log.info(`instance has no "${deps.clusterTag}" tag: not a brokerlink broker; ignored`);
    return { started: false, reason: 'no cluster tag' };
  }
  if (!clusterNameSchema.safeParse(cluster).success) {
    log.warn(`instance's "${deps.clusterTag}" tag is not a valid cluster name; ignored`, { cluster });
    return { started: false, reason: 'invalid cluster tag' };
  }
  const input: ProvisionInput = { cluster, mode: 'apply', trigger: 'instance-running', waitForLock: true };
  return startNamedExecution({
    sfn: deps.sfn,
    stateMachineArn: deps.provisionStateMachineArn,
    name: executionName('instance', cluster, parsed.id),
    input: { ...input },
    log: log.child({ cluster }),
  });
}

// ---------------------------------------------------------------- spec changed

export interface SpecChangedDeps {
  ssm: SSMClient;
  sfn: SFNClient;
  provisionStateMachineArn: string;
  log: Logger;
}

/**
 * A parameter `/brokerlink/<cluster>/spec` was created or updated: validate the new text and, only if it is a
 * valid spec for that cluster, start provision in apply mode. An invalid spec starts nothing; the log says why.
 * The execution name carries the parameter version, so one version is applied once.
 */
export async function onSpecChanged(event: unknown, deps: SpecChangedDeps): Promise<TriggerResult> {
  const parsed = parseEvent(parameterChangeEventSchema, event, 'a Parameter Store Change event');
  const name = parsed.detail.name.startsWith('/') ? parsed.detail.name : `/${parsed.detail.name}`;
  const log = deps.log.child({ eventId: parsed.id, parameter: name, operation: parsed.detail.operation });
  const match = SPEC_PARAMETER.exec(name);
  if (match === null) {
    log.info('parameter is not a brokerlink spec (/brokerlink/<cluster>/spec); ignored');
    return { started: false, reason: 'not a spec parameter' };
  }
  const cluster = match[1]!;
  if (parsed.detail.operation !== 'Create' && parsed.detail.operation !== 'Update') {
    log.info('spec parameter was not created or updated; nothing to apply', { cluster });
    return { started: false, reason: `operation ${parsed.detail.operation}` };
  }
  if (!clusterNameSchema.safeParse(cluster).success) {
    log.error('spec refused: the parameter path does not hold a valid cluster name; no execution started', { cluster });
    return { started: false, reason: 'invalid cluster name in path' };
  }
  const answer = await awsCall('ssm:GetParameter', () =>
    deps.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true })),
  );
  const text = answer.Parameter?.Value ?? '';
  const version = answer.Parameter?.Version ?? 0;
  const validation = validateSpecText(text);
  if (!validation.ok) {
    log.error(
      `spec refused: version ${version} of ${name} is invalid; no execution started. Fix:\n${formatIssues(validation.issues)}`,
      {
        cluster,
        version,
        issues: validation.issues,
      },
    );
    return { started: false, reason: 'spec invalid' };
  }
  if (validation.spec.cluster !== cluster) {
    log.error(`spec refused: ${name} holds the spec of cluster "${validation.spec.cluster}"; no execution started`, {
      cluster,
      version,
    });
    return { started: false, reason: 'spec is for another cluster' };
  }
  if (validation.spec.provider.aws === undefined) {
    log.error('spec refused: it has no provider.aws section, and these functions manage AWS clusters only', {
      cluster,
      version,
    });
    return { started: false, reason: 'not an AWS spec' };
  }
  const input: ProvisionInput = { cluster, mode: 'apply', trigger: 'spec-change', waitForLock: true };
  return startNamedExecution({
    sfn: deps.sfn,
    stateMachineArn: deps.provisionStateMachineArn,
    name: executionName('spec', cluster, `v${version}`),
    input: { ...input },
    log: log.child({ cluster, version }),
  });
}

// ---------------------------------------------------------------- schedule

export interface ScheduleDeps {
  ssm: SSMClient;
  sfn: SFNClient;
  driftStateMachineArn: string;
  log: Logger;
}

/** Clusters with a spec stored under /brokerlink/<cluster>/spec (one GetParametersByPath walk, 10 per page). */
export async function listClusters(ssm: SSMClient): Promise<string[]> {
  const parameters = await collectPages(
    'ssm:GetParametersByPath',
    paginateGetParametersByPath(
      { client: ssm },
      { Path: SPEC_PARAMETER_PREFIX, Recursive: true, WithDecryption: false },
    ),
    (page) => page.Parameters,
  );
  const clusters = parameters
    .map((parameter) => SPEC_PARAMETER.exec(parameter.Name ?? '')?.[1])
    .filter((cluster): cluster is string => cluster !== undefined && clusterNameSchema.safeParse(cluster).success);
  return [...new Set(clusters)].sort();
}

/**
 * The drift-check schedule: one drift-check execution per cluster with a stored spec. The name carries the
 * scheduled time (to the minute), so a redelivered schedule event starts nothing new.
 */
export async function onSchedule(event: unknown, deps: ScheduleDeps): Promise<TriggerResult[]> {
  const parsed = parseEvent(scheduledEventSchema, event, 'a Scheduled Event');
  const log = deps.log.child({ eventId: parsed.id, scheduledTime: parsed.time });
  const stamp = parsed.time.replace(/[^0-9]/g, '').slice(0, 12);
  const clusters = await listClusters(deps.ssm);
  if (clusters.length === 0) log.info('no cluster specs stored under /brokerlink; nothing to check');
  const results: TriggerResult[] = [];
  for (const cluster of clusters) {
    results.push(
      await startNamedExecution({
        sfn: deps.sfn,
        stateMachineArn: deps.driftStateMachineArn,
        name: executionName('drift', cluster, stamp),
        input: { cluster },
        log: log.child({ cluster }),
      }),
    );
  }
  return results;
}
