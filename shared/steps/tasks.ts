import { z } from 'zod';
import { ReadinessStateSchema } from '../kafka/safety/readiness.ts';
import { needsPush } from '../model/plan.ts';
import { planSchema } from '../model/plan-schema.ts';
import { nodeIdSchema } from '../model/schemas.ts';
import { enrolment } from '../plan/enrolment.ts';
import { observedStateSchema } from '../plan/observed-schema.ts';
import { plan as makePlan } from '../plan/planner.ts';
import { clusterNameSchema } from '../spec/schema.ts';
import { parseSpec, parseSpecText } from '../spec/validate.ts';
import { formatIssuePath } from '../util/issues.ts';
import type { StepDeps } from './deps.ts';
import { discover } from './discover.ts';
import { reportDrift } from './drift.ts';
import { type EnrolmentProbe, probeEnrolment, withProbeResults } from './enrolment-probe.ts';
import { StepInputInvalid } from './errors.ts';
import { advanceLoadBalancerPhase, type LbPhaseProgress } from './load-balancer.ts';
import { acquireLock, checkFence, releaseLock } from './lock.ts';
import { advanceConfigPush, type PushState } from './push-config.ts';
import { buildReport } from './report.ts';
import {
  advanceRestart,
  type BrokerRestart,
  checkCanRoll,
  checkHealthy,
  orderRestarts,
  type RestartState,
} from './roll.ts';
import { verifyPlan } from './verify.ts';

/*
 * The steps as orchestrator tasks: JSON in, JSON out, every input validated strictly. The keys are the task
 * names the state machines use (`Resource: { Fn::GetAtt: [<task>, Arn] }`); Lambda handlers, the local
 * Step Functions runner and tests all call through this table, so there is one binding from name to code.
 */

const nodeId = nodeIdSchema;
// The spec's own rule for cluster names: a name from an execution input that no spec could have is refused here,
// naming `cluster`, before any lock object or cloud resource is named after it.
const cluster = clusterNameSchema;
const owner = z.string().min(1).max(512);
const specInput = z.unknown().transform((value, ctx) => {
  try {
    return parseSpec(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const handle = z.strictObject({
  id: z.string().min(1),
  target: z.strictObject({ brokerId: nodeId, host: z.string(), instanceId: z.string().optional() }),
});
const pushState = z.discriminatedUnion('phase', [
  z.strictObject({ brokerId: nodeId, phase: z.literal('reading'), handle }),
  z.strictObject({ brokerId: nodeId, phase: z.literal('writing'), handle, diff: z.string() }),
  z.strictObject({
    brokerId: nodeId,
    phase: z.literal('done'),
    result: z.enum(['changed', 'unchanged']),
    diff: z.string(),
  }),
]) satisfies z.ZodType<PushState>;
const brokerRestart = z.discriminatedUnion('phase', [
  z.strictObject({
    brokerId: nodeId,
    phase: z.literal('starting'),
    failures: z.number().int().min(0),
    lastError: z.string(),
  }),
  z.strictObject({ brokerId: nodeId, phase: z.literal('restarting'), handle }),
  z.strictObject({ brokerId: nodeId, phase: z.literal('done') }),
]) satisfies z.ZodType<BrokerRestart>;
const restartState = z.strictObject({
  phase: z.enum(['restarting', 'done']),
  brokers: z.array(brokerRestart).min(1),
}) satisfies z.ZodType<RestartState>;
/** One batch of the roll: distinct node ids (one broker with rollout.batch none). */
const batch = z
  .array(nodeId)
  .min(1, 'must name at least one broker')
  .refine((ids) => new Set(ids).size === ids.length, 'must not name a broker twice');
const configPresent = z.record(z.string().regex(/^\d+$/), z.boolean(), {
  error: (issue) => (issue.code === 'invalid_key' ? 'keys must be node ids (digits only)' : undefined),
});
const enrolmentProbe = z.strictObject({
  done: z.boolean(),
  running: z.array(handle),
  configPresent,
}) satisfies z.ZodType<EnrolmentProbe>;
const lbPhase = z.enum(['targets', 'registrations']);
const lbProgress = z.strictObject({
  phase: lbPhase,
  done: z.boolean(),
  applied: z.number().int().min(0),
  waiting: z
    .strictObject({
      operation: z.strictObject({
        id: z.string().min(1),
        scope: z.record(z.string(), z.string()).optional(),
      }),
      since: z.iso.datetime({ offset: true }),
      polls: z.number().int().min(0),
    })
    .nullable(),
  actions: z.array(z.string()),
  endpoint: z.strictObject({ serviceName: z.string().min(1), notes: z.array(z.string()) }).nullable(),
}) satisfies z.ZodType<LbPhaseProgress>;
const gateState = z.strictObject({
  since: z.iso.datetime({ offset: true }),
  ok: z.boolean(),
  reasons: z.array(z.string()),
  checks: z.number().int().min(0),
});
const healthState = z.strictObject({
  since: z.iso.datetime({ offset: true }),
  ready: z.boolean(),
  brokers: z.array(z.strictObject({ brokerId: nodeId, readiness: ReadinessStateSchema })),
});

const DEFAULT_LOCK_TTL_SECONDS = 6 * 3600;

/** The lock a mutating task's run acquired (the flow passes acquireLock's answer): checked before the task acts. */
const fence = z.strictObject({
  cluster,
  owner,
  expiresAt: z.iso.datetime({ offset: true }),
  generation: z.number().int().min(0),
  tookOver: z.string().optional(),
});

function task<S extends z.ZodType, R>(schema: S, run: (input: z.output<S>, deps: StepDeps) => Promise<R>) {
  return async (raw: unknown, deps: StepDeps): Promise<R> => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((issue) => `${formatIssuePath(issue.path) || '(input)'}: ${issue.message}`)
        .join('; ');
      throw new StepInputInvalid(`task input is invalid: ${detail}`, { cause: parsed.error });
    }
    return run(parsed.data, deps);
  };
}

/** "broker 4" or "brokers 1, 3": how a step names the batch it acts on. */
function brokersNamed(ids: readonly number[]): string {
  return ids.length === 1 ? `broker ${ids[0]}` : `brokers ${ids.join(', ')}`;
}

function plannedBroker(plan: z.output<typeof planSchema>, brokerId: number) {
  const broker = plan.brokers.find((candidate) => candidate.id === brokerId);
  if (broker === undefined) throw new StepInputInvalid(`broker ${brokerId} is not in the plan`);
  return broker;
}

export const tasks = {
  acquireLock: task(
    z.strictObject({
      cluster,
      owner,
      ttlSeconds: z.number().int().min(60).max(86_400).default(DEFAULT_LOCK_TTL_SECONDS),
    }),
    (input, deps) => acquireLock(input, deps),
  ),
  releaseLock: task(z.strictObject({ cluster, owner }), (input, deps) => releaseLock(input, deps)),

  /** Loads the spec from the spec store (validated on every read) and observes the world. */
  discover: task(z.strictObject({ cluster }), async (input, deps) => {
    const spec = parseSpecText(await deps.specs.load(input.cluster), `spec of cluster "${input.cluster}"`);
    if (spec.cluster !== input.cluster) {
      throw new StepInputInvalid(`the stored spec is for cluster "${spec.cluster}", not "${input.cluster}"`);
    }
    return { spec, observed: await discover(spec, deps) };
  }),

  /**
   * Reads server.properties of the brokers that are just enrolling (started with probe null, then polled): which of
   * them have the file yet (./enrolment-probe.ts). Read-only; sends nothing when no broker is enrolling.
   */
  probeEnrolment: task(
    z.strictObject({ spec: specInput, observed: observedStateSchema, probe: enrolmentProbe.nullable() }),
    (input, deps) => probeEnrolment(input.spec, input.observed, input.probe ?? undefined, deps),
  ),

  plan: task(
    z.strictObject({
      spec: specInput,
      observed: observedStateSchema,
      /** The enrolment probe's findings (provision); absent or null: nothing was probed (drift check). */
      configPresent: configPresent.nullable().default(null),
    }),
    async (input) => {
      const observed = withProbeResults(input.observed, input.configPresent);
      const plan = makePlan(input.spec, observed);
      const push = plan.brokers.filter(needsPush).map((broker) => broker.id);
      // New brokers not ready to enrol (shared/plan/enrolment.ts): an apply waits for them, bounded, then goes on.
      const { waiting } = enrolment(observed);
      return { plan, push, enrolling: waiting, waitForEnrolment: waiting.length > 0 };
    },
  ),

  /** Starts (progress null) or continues one LB phase; returns `done: false` while an operation runs. */
  applyLoadBalancer: task(
    z.strictObject({
      spec: specInput,
      plan: planSchema,
      phase: lbPhase,
      progress: lbProgress.nullable().default(null),
      fence,
    }),
    async (input, deps) => {
      await checkFence(input.fence, `changing the load balancer (${input.phase})`, deps);
      return advanceLoadBalancerPhase(input.spec, input.plan, input.phase, input.progress ?? undefined, deps);
    },
  ),

  advanceConfigPush: task(
    z.strictObject({ spec: specInput, plan: planSchema, brokerId: nodeId, push: pushState.nullable(), fence }),
    async (input, deps) => {
      await checkFence(input.fence, `pushing server.properties to broker ${input.brokerId}`, deps);
      return advanceConfigPush(input.spec, plannedBroker(input.plan, input.brokerId), input.push ?? undefined, deps);
    },
  ),

  orderRestarts: task(z.strictObject({ spec: specInput, plan: planSchema }), (input, deps) =>
    orderRestarts(input.spec, input.plan, deps),
  ),

  /** The gate of one batch (one broker with rollout.batch none): may all of it be down at once, now? */
  checkCanRoll: task(z.strictObject({ spec: specInput, brokerIds: batch, gate: gateState.nullable() }), (input, deps) =>
    checkCanRoll(input.spec, input.brokerIds, input.gate ?? undefined, deps),
  ),

  advanceRestart: task(
    z.strictObject({ spec: specInput, plan: planSchema, brokerIds: batch, restart: restartState.nullable(), fence }),
    async (input, deps) => {
      await checkFence(input.fence, `restarting ${brokersNamed(input.brokerIds)}`, deps);
      return advanceRestart(
        input.spec,
        input.brokerIds.map((id) => plannedBroker(input.plan, id)),
        input.restart ?? undefined,
        deps,
      );
    },
  ),

  checkHealthy: task(
    z.strictObject({ spec: specInput, brokerIds: batch, health: healthState.nullable() }),
    (input, deps) => checkHealthy(input.spec, input.brokerIds, input.health ?? undefined, deps),
  ),

  verify: task(z.strictObject({ spec: specInput, plan: planSchema }), (input, deps) =>
    verifyPlan(input.spec, input.plan, deps),
  ),

  report: task(
    z.strictObject({
      spec: specInput,
      plan: planSchema,
      pushed: z.array(pushState).nullable().default(null),
      /** The batches restarted, in order (each a list of node ids). */
      restarted: z.array(z.array(nodeId)).nullable().default(null),
      verified: z.boolean().nullable().default(null),
      endpoint: z
        .strictObject({ serviceName: z.string().min(1), notes: z.array(z.string()) })
        .nullable()
        .default(null),
    }),
    (input, deps) => buildReport(input.spec, input.plan, input, deps),
  ),

  reportDrift: task(z.strictObject({ spec: specInput, plan: planSchema }), (input, deps) =>
    reportDrift(input.plan, { action: input.spec.drift.action, allowPortMoves: input.spec.drift.allowPortMoves }, deps),
  ),
} as const;

export type TaskName = keyof typeof tasks;

export function isTaskName(name: string): name is TaskName {
  return Object.hasOwn(tasks, name);
}
