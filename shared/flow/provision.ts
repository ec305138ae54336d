import { and, clusterLock, equals, isTrue, item, lessThan, literal, or, pollLoop, state } from './build.ts';
import type { Workflow } from './contract.ts';

/*
 * provision: lock → discover → plan → (plan mode ends here) → create targets → register brokers → push config
 * (compare-and-swap, only where the file differs) → rolling restart (batch by batch — one broker, or a rack's brokers
 * that may be down together — gated by Kafka) → verify
 * through the load balancer → report → unlock. Modes: plan (read-only), apply, verify (no changes, no lock).
 */

/** Step ids other code follows (progress lines, tests): the names a person sees in the engine's console. */
export const PROVISION_STEPS = {
  acquireLock: 'AcquireLock',
  discover: 'Discover',
  probeEnrolment: 'ProbeEnrolment',
  pollEnrolmentProbe: 'PollEnrolmentProbe',
  plan: 'Plan',
  ensureTargets: 'EnsureTargets',
  pollTargets: 'PollTargets',
  registerBrokers: 'RegisterBrokers',
  pollRegistrations: 'PollRegistrations',
  pushConfig: 'PushConfig',
  advanceConfigPush: 'AdvanceConfigPush',
  orderRestarts: 'OrderRestarts',
  rollingRestart: 'RollingRestart',
  checkCanRoll: 'CheckCanRoll',
  advanceRestart: 'AdvanceRestart',
  checkHealthy: 'CheckHealthy',
  batchRolled: 'BatchRolled',
  verify: 'Verify',
  report: 'Report',
  releaseLock: 'ReleaseLock',
} as const;

const S = PROVISION_STEPS;
const MODE = ['mode'];
const spec = state('discovered', 'spec');
const plan = state('planned', 'plan');
/** The lock this run holds (acquireLock's answer): every mutating task checks it first (fencing). */
const fence = state('lock');

const lock = clusterLock({
  cluster: state('cluster'),
  queueFlag: ['waitForLock'],
  waitsAt: ['lockWaits'],
  heldAt: ['lock'],
  errorAt: ['error'],
  afterAcquire: 'InitOutcome',
  afterRelease: 'Done',
  ids: {
    initWaits: 'InitLockWaits',
    acquire: S.acquireLock,
    busy: 'LockBusy',
    waitForLock: 'WaitForLock',
    countWait: 'CountLockWait',
    holds: 'HoldsLock',
    release: S.releaseLock,
    cleanup: 'CleanupOnFailure',
    releaseOnFailure: 'ReleaseLockOnFailure',
    failed: 'Failed',
  },
  progress: { acquire: 'taking the cluster lock', release: 'releasing the cluster lock' },
});
const onFailure = [lock.onFailure];

/**
 * How long an apply waits for new brokers whose SSM agent is not online yet, or whose server.properties does not
 * exist yet (shared/plan/enrolment.ts).
 */
export const ENROLMENT_WAIT = { seconds: 30, times: 20 } as const;

/** Inside the per-item loops the state is the item: its spec, plan, broker id (or batch) and the loop's progress. */
const itemSpec = state('spec');
const itemPlan = state('plan');
const brokerId = state('brokerId');
const brokerIds = state('brokerIds');

export const provision: Workflow = {
  name: 'provision',
  comment: 'brokerlink provision (modes plan | apply | verify)',
  description: [
    'brokerlink provision: lock → discover → plan → (plan mode ends) → create targets → register brokers',
    '→ push config (CAS, only where the file differs) → rolling restart (batch by batch, gated by Kafka)',
    '→ verify through the load balancer → report → unlock.',
    'Waiting is done here (Wait + Choice loops), never inside a function. Only catalogued retry/wait errors are',
    'retried; specific catches come before the catch-all; the lock is released on every path.',
  ],
  timeoutSeconds: 21_600,
  input: {
    cluster: 'the cluster whose stored spec is applied',
    mode: '"plan" (read-only), "apply" or "verify" (read-only, no lock)',
    trigger: 'what started the execution (instance-running, spec-change, drift-repair, manual); informational',
    waitForLock: 'optional; true: queue behind an execution that holds the lock instead of failing',
  },
  lock: lock.scope,
  steps: [
    {
      kind: 'choice',
      id: 'CheckMode',
      cases: [
        { when: equals(MODE, 'apply'), next: 'InitLockWaits' },
        { when: or(equals(MODE, 'plan'), equals(MODE, 'verify')), next: 'InitOutcome' },
      ],
      otherwise: 'InvalidMode',
    },
    {
      kind: 'fail',
      id: 'InvalidMode',
      error: 'StepInputInvalid',
      cause: 'execution input "mode" must be "plan", "apply" or "verify"',
    },
    ...lock.acquireSteps,
    {
      kind: 'set',
      id: 'InitOutcome',
      at: ['outcome'],
      value: { pushed: [], restarted: [], targets: { endpoint: null } },
    },
    { kind: 'set', id: 'InitEnrolmentWaits', at: ['enrolmentWaits'], value: { count: 0 } },
    {
      kind: 'task',
      id: S.discover,
      task: 'discover',
      input: { cluster: state('cluster') },
      resultAt: ['discovered'],
      catch: onFailure,
      progress: 'discovering brokers, load balancer and running Kafka config',
    },
    ...pollLoop({
      task: {
        id: S.probeEnrolment,
        note:
          "New brokers whose agent just came online: is their server.properties there yet (the push's read, sent " +
          'before anything is registered)? No candidates: done at once, nothing sent. Bounded by the command timeout.',
        task: 'probeEnrolment',
        input: { spec, observed: state('discovered', 'observed'), probe: literal(null) },
        resultAt: ['enrolmentProbe'],
        catch: onFailure,
        // No progress line: on an established cluster the step sends nothing and answers at once.
      },
      until: { id: 'EnrolmentProbed', when: isTrue(['enrolmentProbe', 'done']), next: S.plan },
      wait: { id: 'WaitEnrolmentProbe', seconds: 3 },
      poll: {
        id: S.pollEnrolmentProbe,
        input: { spec, observed: state('discovered', 'observed'), probe: state('enrolmentProbe') },
      },
    }),
    {
      kind: 'task',
      id: S.plan,
      task: 'plan',
      input: {
        spec,
        observed: state('discovered', 'observed'),
        configPresent: state('enrolmentProbe', 'configPresent'),
      },
      resultAt: ['planned'],
      catch: onFailure,
      progress: 'planning',
    },
    {
      kind: 'choice',
      id: 'RouteByMode',
      cases: [
        { when: equals(MODE, 'plan'), next: 'PlanOnly' },
        { when: equals(MODE, 'verify'), next: S.verify },
        { when: equals(MODE, 'apply'), next: 'EnrolmentPending' },
      ],
      otherwise: 'InvalidMode',
    },
    { kind: 'succeed', id: 'PlanOnly', output: { mode: literal('plan'), plan } },
    {
      kind: 'choice',
      id: 'EnrolmentPending',
      note: `New brokers whose SSM agent is not online yet, or whose server.properties does not exist yet, are left out of the plan: wait for them (${ENROLMENT_WAIT.times} × ${ENROLMENT_WAIT.seconds} s at most) and observe again, then go on without them.`,
      cases: [
        {
          when: and(
            isTrue(['planned', 'waitForEnrolment']),
            lessThan(['enrolmentWaits', 'count'], ENROLMENT_WAIT.times),
          ),
          next: 'WaitForEnrolment',
        },
      ],
      otherwise: S.ensureTargets,
    },
    { kind: 'wait', id: 'WaitForEnrolment', seconds: ENROLMENT_WAIT.seconds, next: 'CountEnrolmentWait' },
    { kind: 'count', id: 'CountEnrolmentWait', counter: ['enrolmentWaits', 'count'], next: S.discover },
    ...pollLoop({
      task: {
        id: S.ensureTargets,
        note:
          'Load balancer changes are started, then polled: the task returns done: false with the operation it waits ' +
          'for (an Alibaba NLB job, a Compute operation, a local ledger version not served yet) and continues from ' +
          'its own result; it fails the phase after its deadline (LoadBalancerChangeTimedOut), so the loop is bounded.',
        task: 'applyLoadBalancer',
        input: { spec, plan, phase: literal('targets'), progress: literal(null), fence },
        resultAt: ['outcome', 'targets'],
        catch: onFailure,
        progress: 'creating load balancer mappings',
      },
      until: { id: 'TargetsApplied', when: isTrue(['outcome', 'targets', 'done']), next: S.registerBrokers },
      wait: { id: 'WaitTargets', seconds: 5 },
      poll: {
        id: S.pollTargets,
        input: { spec, plan, phase: literal('targets'), progress: state('outcome', 'targets'), fence },
      },
    }),
    ...pollLoop({
      task: {
        id: S.registerBrokers,
        task: 'applyLoadBalancer',
        input: { spec, plan, phase: literal('registrations'), progress: literal(null), fence },
        resultAt: ['outcome', 'registrations'],
        catch: onFailure,
        progress: 'registering brokers',
      },
      until: { id: 'RegistrationsApplied', when: isTrue(['outcome', 'registrations', 'done']), next: S.pushConfig },
      wait: { id: 'WaitRegistrations', seconds: 5 },
      poll: {
        id: S.pollRegistrations,
        input: { spec, plan, phase: literal('registrations'), progress: state('outcome', 'registrations'), fence },
      },
    }),
    {
      kind: 'forEach',
      id: S.pushConfig,
      items: ['planned', 'push'],
      concurrency: 5,
      item: { spec, plan, brokerId: item, push: literal(null), fence },
      steps: [
        ...pollLoop({
          task: {
            id: S.advanceConfigPush,
            task: 'advanceConfigPush',
            input: { spec: itemSpec, plan: itemPlan, brokerId, push: state('push'), fence: state('fence') },
            resultAt: ['push'],
            catch: [{ errors: ['ConfigConflict'], errorAt: ['conflict'], next: 'RestartPushFromRead' }],
            progress: 'pushing server.properties (read, then compare-and-swap write)',
          },
          until: { id: 'PushDone', when: equals(['push', 'phase'], 'done'), next: 'PushFinished' },
          wait: { id: 'WaitPush', seconds: 3 },
        }),
        {
          kind: 'set',
          id: 'RestartPushFromRead',
          note: 'The file changed between our read and our write: start over from the read.',
          at: ['push'],
          value: null,
          next: 'WaitPush',
        },
        { kind: 'succeed', id: 'PushFinished', output: state('push') },
      ],
      resultAt: ['outcome', 'pushed'],
      catch: onFailure,
    },
    {
      kind: 'task',
      id: S.orderRestarts,
      task: 'orderRestarts',
      input: { spec, plan },
      resultAt: ['restartBatches'],
      catch: onFailure,
      progress: 'ordering restarts in batches (controllers first, active controller last)',
    },
    {
      kind: 'forEach',
      id: S.rollingRestart,
      note:
        'One batch at a time, in order (a batch is one broker, or with rollout.batch rack the brokers of one rack that ' +
        'may be down together): its gate, its restarts together, its health checks together; the next batch starts ' +
        'only when every broker of this one is healthy. Any failed broker fails the whole loop, so later batches are ' +
        'never touched.',
      items: ['restartBatches'],
      concurrency: 1,
      item: {
        spec,
        plan,
        brokerIds: item,
        gate: literal(null),
        restart: literal(null),
        health: literal(null),
        fence,
      },
      steps: [
        ...pollLoop({
          task: {
            id: S.checkCanRoll,
            task: 'checkCanRoll',
            input: { spec: itemSpec, brokerIds, gate: state('gate') },
            resultAt: ['gate'],
            progress: 'checking the safety gate',
          },
          until: { id: 'SafeToRoll', when: isTrue(['gate', 'ok']), next: S.advanceRestart },
          wait: { id: 'WaitUntilSafe', seconds: 10 },
        }),
        ...pollLoop({
          task: {
            id: S.advanceRestart,
            task: 'advanceRestart',
            input: { spec: itemSpec, plan: itemPlan, brokerIds, restart: state('restart'), fence: state('fence') },
            resultAt: ['restart'],
            progress: 'restarting the batch',
          },
          until: { id: 'RestartIssued', when: equals(['restart', 'phase'], 'done'), next: S.checkHealthy },
          // 10 s (not 3): a restart takes about a minute, and every poll writes 9 history events; with 3 s a
          // 48-broker roll went past Step Functions' 25,000-event limit (bench/aws-history.ts, docs/BENCHMARKS.md).
          wait: { id: 'WaitRestart', seconds: 10 },
        }),
        ...pollLoop({
          task: {
            id: S.checkHealthy,
            task: 'checkHealthy',
            input: { spec: itemSpec, brokerIds, health: state('health') },
            resultAt: ['health'],
            progress: 'checking every broker of the batch is back and healthy',
          },
          until: { id: 'BackAndHealthy', when: isTrue(['health', 'ready']), next: S.batchRolled },
          // 30 s (not 5): catching up takes minutes; see WaitRestart.
          wait: { id: 'WaitHealthy', seconds: 30 },
        }),
        { kind: 'succeed', id: S.batchRolled, output: brokerIds },
      ],
      resultAt: ['outcome', 'restarted'],
      catch: onFailure,
    },
    {
      kind: 'task',
      id: S.verify,
      task: 'verify',
      input: { spec, plan },
      resultAt: ['verification'],
      note: 'New load-balancer targets need a few health-check rounds before traffic reaches them: VerificationFailed waits.',
      waitsOn: ['VerificationFailed'],
      catch: onFailure,
      progress: 'verifying bootstrap through the load balancer',
    },
    {
      kind: 'task',
      id: S.report,
      task: 'report',
      input: {
        spec,
        plan,
        pushed: state('outcome', 'pushed'),
        restarted: state('outcome', 'restarted'),
        verified: state('verification', 'ok'),
        endpoint: state('outcome', 'targets', 'endpoint'),
      },
      resultAt: ['report'],
      catch: onFailure,
      progress: 'reporting',
    },
    ...lock.releaseSteps,
    {
      kind: 'succeed',
      id: 'Done',
      output: { mode: state('mode'), report: state('report'), verification: state('verification') },
    },
    ...lock.failureSteps,
  ],
};
