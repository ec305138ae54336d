import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { awsCall } from '../../shared/providers/aws/aws-call.ts';
import { Ec2InstanceDirectory, SfnWorkflowStarter, SsmStoredSpecs } from '../../shared/providers/aws/trigger-ports.ts';
import { TriggerEventInvalid } from '../../shared/triggers/errors.ts';
import { onInstanceRunning as decideInstanceRunning } from '../../shared/triggers/instance-running.ts';
import type { TriggerResult } from '../../shared/triggers/ports.ts';
import { onSchedule as decideSchedule } from '../../shared/triggers/schedule.ts';
import { onSpecChanged as decideSpecChanged } from '../../shared/triggers/spec-changed.ts';
import type { Logger } from './log.ts';

/*
 * The AWS event triggers, thin: each parses its EventBridge event (refusing another shape with TriggerEventInvalid
 * naming the field), wires the AWS trigger ports (shared/providers/aws/trigger-ports.ts) and hands over to the
 * shared decision (shared/triggers/): which execution to start, under which name, and why not.
 */

export type { TriggerResult };

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

export interface InstanceRunningDeps {
  ec2: EC2Client;
  sfn: SFNClient;
  provisionStateMachineArn: string;
  clusterTag: string;
  log: Logger;
}

/** EC2 Instance State-change Notification → provision (apply) for the instance's cluster, if it has one. */
export async function onInstanceRunning(event: unknown, deps: InstanceRunningDeps): Promise<TriggerResult> {
  const parsed = parseEvent(instanceStateEventSchema, event, 'an EC2 Instance State-change Notification');
  return decideInstanceRunning(
    {
      eventId: parsed.id,
      instanceId: parsed.detail['instance-id'],
      state: parsed.detail.state,
      running: parsed.detail.state === 'running',
    },
    {
      instances: new Ec2InstanceDirectory(deps.ec2),
      starter: new SfnWorkflowStarter(deps.sfn, { provision: deps.provisionStateMachineArn }),
      clusterTag: deps.clusterTag,
      log: deps.log,
    },
  );
}

export const tagChangeEventSchema = z.object({
  ...eventEnvelope,
  source: z.literal('aws.tag'),
  'detail-type': z.literal('Tag Change on Resource'),
  resources: z
    .array(z.string())
    .min(1)
    .refine((arns) => INSTANCE_ARN.test(arns[0] ?? ''), 'resources[0] must be an EC2 instance ARN'),
  detail: z.object({
    service: z.literal('ec2'),
    'resource-type': z.literal('instance'),
    'changed-tag-keys': z.array(z.string()),
  }),
});

const INSTANCE_ARN = /^arn:aws[a-z-]*:ec2:[a-z0-9-]+:\d{12}:instance\/(i-[0-9a-f]{8,17})$/;

/**
 * "Tag Change on Resource" of an EC2 instance (the rule matches changes of the cluster or node-id tag): an instance
 * tagged after launch — its running event found no cluster tag — is enrolled like a new one. A stopped instance is
 * left to its own running event. The tags are read again (DescribeInstances), not taken from the event.
 */
export async function onInstanceTagged(event: unknown, deps: InstanceRunningDeps): Promise<TriggerResult> {
  const parsed = parseEvent(tagChangeEventSchema, event, 'a Tag Change on Resource event for an EC2 instance');
  const instanceId = INSTANCE_ARN.exec(parsed.resources[0]!)![1]!;
  const answer = await awsCall('ec2:DescribeInstances', () =>
    deps.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
  );
  const state = answer.Reservations?.flatMap((reservation) => reservation.Instances ?? [])[0]?.State?.Name ?? 'unknown';
  return decideInstanceRunning(
    { eventId: parsed.id, instanceId, state, running: state === 'running', cause: 'instance-tagged' },
    {
      instances: new Ec2InstanceDirectory(deps.ec2),
      starter: new SfnWorkflowStarter(deps.sfn, { provision: deps.provisionStateMachineArn }),
      clusterTag: deps.clusterTag,
      log: deps.log,
    },
  );
}

export interface SpecChangedDeps {
  ssm: SSMClient;
  sfn: SFNClient;
  provisionStateMachineArn: string;
  log: Logger;
}

/** Parameter Store Change on /brokerlink/<cluster>/spec → validate → provision (apply). */
export async function onSpecChanged(event: unknown, deps: SpecChangedDeps): Promise<TriggerResult> {
  const parsed = parseEvent(parameterChangeEventSchema, event, 'a Parameter Store Change event');
  const operation = parsed.detail.operation;
  return decideSpecChanged(
    {
      eventId: parsed.id,
      location: parsed.detail.name.startsWith('/') ? parsed.detail.name : `/${parsed.detail.name}`,
      operation,
      written: operation === 'Create' || operation === 'Update',
    },
    {
      specs: new SsmStoredSpecs(deps.ssm),
      starter: new SfnWorkflowStarter(deps.sfn, { provision: deps.provisionStateMachineArn }),
      provider: 'aws',
      log: deps.log,
    },
  );
}

export interface ScheduleDeps {
  ssm: SSMClient;
  sfn: SFNClient;
  driftStateMachineArn: string;
  log: Logger;
}

/** The drift-check schedule → one drift-check execution per cluster with a stored spec. */
export async function onSchedule(event: unknown, deps: ScheduleDeps): Promise<TriggerResult[]> {
  const parsed = parseEvent(scheduledEventSchema, event, 'a Scheduled Event');
  return decideSchedule(
    { eventId: parsed.id, time: parsed.time },
    {
      specs: new SsmStoredSpecs(deps.ssm),
      starter: new SfnWorkflowStarter(deps.sfn, { 'drift-check': deps.driftStateMachineArn }),
      log: deps.log,
    },
  );
}
