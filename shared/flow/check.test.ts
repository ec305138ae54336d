import { describe, expect, it } from 'vitest';
import { errorNamesWith, retryPolicyOfName } from '../error-catalogue.ts';
import { DEFAULT_RETRY_POLICY } from '../errors.ts';
import { flowProblems } from './check.ts';
import type { ForEachStep, Step, TaskStep, Workflow } from './contract.ts';
import { retryRules, samePolicy } from './errors.ts';
import { WORKFLOWS } from './index.ts';
import { PROGRESS_STEPS, progressSteps } from './progress.ts';

const { provision, 'drift-check': driftCheck } = WORKFLOWS;

/** A copy of `workflow` with the step `id` (at any depth) replaced by `change(step)`. */
function edit(workflow: Workflow, id: string, change: (step: Step) => Step | undefined): Workflow {
  const walk = (steps: readonly Step[]): Step[] =>
    steps.flatMap((step) => {
      if (step.id === id) {
        const changed = change(step);
        return changed === undefined ? [] : [changed];
      }
      return step.kind === 'forEach' ? [{ ...step, steps: walk(step.steps) }] : [step];
    });
  return { ...workflow, steps: walk(workflow.steps) };
}

function find(workflow: Workflow, id: string): Step {
  const all = (steps: readonly Step[]): Step[] =>
    steps.flatMap((step) => (step.kind === 'forEach' ? [step, ...all(step.steps)] : [step]));
  const step = all(workflow.steps).find((candidate) => candidate.id === id);
  if (step === undefined) throw new Error(`no step ${id}`);
  return step;
}

describe('the flow contract', () => {
  it.each(Object.values(WORKFLOWS))('$name has none of the problems the checks look for', (workflow) => {
    expect(flowProblems(workflow)).toEqual([]);
  });

  it('finds a lock leak: apply mode routed past the release', () => {
    const broken = edit(provision, 'RouteByMode', (step) =>
      step.kind === 'choice'
        ? { ...step, cases: step.cases.map((c) => (c.next === 'EnrolmentPending' ? { ...c, next: 'Done' } : c)) }
        : step,
    );
    // EnsureTargets … RollingRestart become unreachable too; the leak is what matters here.
    const problems = flowProblems({
      ...broken,
      steps: broken.steps.filter(
        (s) =>
          ![
            'EnrolmentPending',
            'WaitForEnrolment',
            'CountEnrolmentWait',
            'EnsureTargets',
            'TargetsApplied',
            'WaitTargets',
            'PollTargets',
            'RegisterBrokers',
            'RegistrationsApplied',
            'WaitRegistrations',
            'PollRegistrations',
            'PushConfig',
            'OrderRestarts',
            'RollingRestart',
          ].includes(s.id),
      ),
    });
    expect(problems).toContainEqual(expect.stringMatching(/lock is still held when the execution ends at Done/));
  });

  it('finds a step whose failure would end the execution with the lock held', () => {
    const broken = edit(provision, 'Report', (step) => ({ ...(step as TaskStep), catch: [] }));
    expect(flowProblems(broken)).toEqual([
      'a failure of Report ends the execution with the lock held (no catch-all leads to a release)',
    ]);
  });

  it('does not count a branch that cannot be taken with the lock held (plan mode ends without a release)', () => {
    // PlanOnly ends the execution and holds no release; it is reached only when mode is "plan", never after the
    // lock was taken (mode "apply"). The check follows what the choices imply, so this is no leak.
    expect(find(provision, 'PlanOnly').kind).toBe('succeed');
    expect(flowProblems(provision)).toEqual([]);
  });

  it('finds a poll loop that never waits', () => {
    const broken = edit(provision, 'PushDone', (step) =>
      step.kind === 'choice' ? { ...step, otherwise: 'AdvanceConfigPush' } : step,
    );
    const withoutWait = edit(broken, 'WaitPush', (step) => ({ ...step, next: 'AdvanceConfigPush' }) as Step);
    const problems = flowProblems(
      edit(withoutWait, 'RestartPushFromRead', (step) => ({ ...step, next: 'AdvanceConfigPush' }) as Step),
    );
    expect(problems).toContainEqual(expect.stringMatching(/loop .*AdvanceConfigPush.* never waits/));
  });

  it('finds dangling successors, steps falling off their list, unreachable steps and jumps out of a loop body', () => {
    const dangling = edit(driftCheck, 'Plan', (step) => ({ ...step, next: 'NoSuchStep' }) as Step);
    expect(flowProblems(dangling)).toContain('Plan goes to NoSuchStep, which is not a step of the workflow');
    const last = { ...driftCheck, steps: driftCheck.steps.slice(0, 1) };
    expect(flowProblems(last)).toContain('Discover (workflow) has no next step and is the last of its list');
    const orphan = edit(driftCheck, 'InSync', (step) =>
      step.kind === 'choice' ? { ...step, otherwise: 'NoDrift' } : step,
    );
    expect(flowProblems(orphan)).toContain('ReportDrift (workflow) can never run');
    const jumpOut = edit(provision, 'PushFinished', () => ({
      kind: 'wait',
      id: 'PushFinished',
      seconds: 1,
      next: 'Report',
    }));
    expect(flowProblems(jumpOut)).toContain('PushFinished goes to Report, which is not a step of the PushConfig body');
  });

  it('finds waiting on an error that is not a wait error, and a catch-all that is not last', () => {
    const waitsOnRetry = edit(provision, 'Verify', (step) => ({
      ...(step as TaskStep),
      waitsOn: ['KafkaUnavailable'],
    }));
    expect(flowProblems(waitsOnRetry)).toContain(
      "Verify waits on KafkaUnavailable, whose disposition is 'retry', not 'wait'",
    );
    const catchAllFirst = edit(provision, 'AcquireLock', (step) => {
      const task = step as TaskStep;
      return { ...task, catch: [...(task.catch ?? [])].reverse() };
    });
    expect(flowProblems(catchAllFirst)).toContain('AcquireLock: a catch-all must be the last catch rule');
  });
});

describe('retries derived from the error catalogue', () => {
  it('retries every catalogued retry error with its policy, and the errors a step waits on with theirs', () => {
    const verify = find(provision, 'Verify') as TaskStep;
    const own = errorNamesWith('retry').filter((name) => !samePolicy(retryPolicyOfName(name)!, DEFAULT_RETRY_POLICY));
    expect(retryRules(verify)).toEqual([
      {
        errors: errorNamesWith('retry').filter((name) => !own.includes(name)),
        policy: DEFAULT_RETRY_POLICY,
      },
      // a retry error with a policy of its own (AlicloudEndpointServiceNotReady) keeps it
      ...own.map((name) => ({ errors: [name], policy: retryPolicyOfName(name) })),
      { errors: ['VerificationFailed'], policy: { intervalSeconds: 15, maxAttempts: 8, backoffRate: 1.5 } },
    ]);
  });

  it('leaves an error a step catches by name to its catch (the push starts over from the read)', () => {
    const push = find(provision, 'AdvanceConfigPush') as TaskStep;
    const [standard] = retryRules(push);
    expect(standard?.errors).not.toContain('ConfigConflict');
    expect(standard?.errors).toContain('KafkaUnavailable');
  });

  it('takes the lock queue wait and bound from LockHeld', () => {
    expect(find(provision, 'WaitForLock')).toMatchObject({ kind: 'wait', seconds: 60 });
    expect(JSON.stringify(find(provision, 'LockBusy'))).toContain('"value":30');
  });

  it('runs per-broker work one broker at a time in the rolling restart', () => {
    expect((find(provision, 'RollingRestart') as ForEachStep).concurrency).toBe(1);
  });
});

describe('progress lines from the contract', () => {
  it('announce the steps a person follows, per execution and per broker', () => {
    expect(progressSteps(provision).map((step) => `${step.id}${step.perItem ? '*' : ''}`)).toEqual([
      'AcquireLock',
      'Discover',
      'Plan',
      'EnsureTargets',
      'RegisterBrokers',
      'AdvanceConfigPush*',
      'OrderRestarts',
      'CheckCanRoll*',
      'AdvanceRestart*',
      'CheckHealthy*',
      'Verify',
      'Report',
      'ReleaseLock',
    ]);
    expect(progressSteps(driftCheck).map((step) => step.id)).toEqual([
      'Discover',
      'Plan',
      'ReportDrift',
      'StartRepair',
    ]);
  });

  it('give a step id the two workflows share the same text in both', () => {
    for (const step of progressSteps(driftCheck)) {
      const other = progressSteps(provision).find((candidate) => candidate.id === step.id);
      if (other !== undefined) expect(other.text).toBe(step.text);
      expect(PROGRESS_STEPS.get(step.id)?.text).toBe(step.text);
    }
  });
});
