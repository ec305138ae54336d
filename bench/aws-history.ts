/**
 * Benchmark: Step Functions execution-history events (hard limit 25,000 per Standard execution, not catchable) and
 * state transitions of one provision apply, for 3 and 48 brokers, with realistic timings: a broker restart takes
 * RESTART_S (the SSM command runs that long), catch-up until the broker is back in every ISR CATCH_UP_S, new NLB
 * targets pass health checks after NLB_HEALTH_S (verification fails until then), a config read/write command ~2 s.
 *
 * How: the generated statemachines/provision.asl.yaml runs in aws-local-stepfunctions with every task replaced by a
 * simulation on a virtual clock (a Wait state advances it by its Seconds, a Retry by its interval), so each poll
 * loop turns exactly as often as it would in the cloud. The library's events are then counted the way Step Functions
 * writes its history (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html):
 *   execution: ExecutionStarted + ExecutionSucceeded                                   2
 *   Lambda Task: TaskStateEntered, LambdaFunctionScheduled, -Started, -Succeeded, TaskStateExited   5
 *     each failed attempt that a Retry repeats: LambdaFunctionScheduled, -Started, -Failed            +3
 *   Choice / Wait / Pass / Succeed: <Type>StateEntered + <Type>StateExited             2
 *   Map: MapStateEntered, MapStateStarted, MapStateSucceeded, MapStateExited           4
 *     each iteration: MapIterationStarted + MapIterationSucceeded                      +2 (its states count too)
 * Transitions (billing) = states entered. Prints one JSON line.
 *
 *   npx node bench/aws-history.ts [definition.asl.yaml]   (default: statemachines/provision.asl.yaml)
 */
import { loadDefinition, runStateMachine } from '../shared/orchestration/local-state-machine.ts';

const RESTART_S = 60;
const CATCH_UP_S = 180;
const NLB_HEALTH_S = 30;
const COMMAND_S = 2;
const HEALTHY_CHECKS = 2;
const HISTORY_LIMIT = 25_000;

type Definition = Record<string, unknown>;

/** Every state of a definition (Map item processors included), by name: its type and its Wait seconds. */
function statesOf(
  definition: Definition,
  into = new Map<string, { type: string; seconds?: number; retry?: unknown }>(),
) {
  const states = (definition['States'] ?? {}) as Record<string, Definition>;
  for (const [name, state] of Object.entries(states)) {
    into.set(name, {
      type: String(state['Type']),
      ...(typeof state['Seconds'] === 'number' ? { seconds: state['Seconds'] } : {}),
      ...(state['Retry'] === undefined ? {} : { retry: state['Retry'] }),
    });
    const processor = (state['ItemProcessor'] ?? state['Iterator']) as Definition | undefined;
    if (processor !== undefined) statesOf(processor, into);
  }
  return into;
}

/** What the verify task throws while new targets are not healthy yet (only its name matters to the Retry). */
function verificationFailed(): Error {
  return Object.assign(new Error('targets not healthy yet'), { name: 'VerificationFailed' });
}

/** Seconds of a Wait state of the definition. */
function waitSeconds(states: ReturnType<typeof statesOf>, name: string): number {
  const seconds = states.get(name)?.seconds;
  if (seconds === undefined) throw new Error(`no Wait state ${name} in the definition`);
  return seconds;
}

/** VerificationFailed's Retry of the Verify state: how many failed attempts until NLB_HEALTH_S have passed. */
function verifyRetries(states: ReturnType<typeof statesOf>): { failures: number; seconds: number } {
  const retriers = (states.get('Verify')?.retry ?? []) as {
    ErrorEquals: string[];
    IntervalSeconds?: number;
    BackoffRate?: number;
  }[];
  const retry = retriers.find((retrier) => retrier.ErrorEquals.includes('VerificationFailed'));
  if (retry === undefined) throw new Error('Verify has no Retry for VerificationFailed');
  let waited = 0;
  let interval = retry.IntervalSeconds ?? 1;
  let failures = 0;
  while (waited < NLB_HEALTH_S) {
    failures += 1;
    waited += interval;
    interval *= retry.BackoffRate ?? 2;
  }
  return { failures, seconds: waited };
}

/*
 * Each poll loop answers "not yet" as many times as its Wait needs to cover the duration (the clock is the Waits'
 * seconds): a restart polled every WaitRestart seconds is done after ceil(RESTART_S / WaitRestart) polls, and so on.
 * Counting calls instead of reading a clock keeps the simulation exact whatever order the runner reports events in.
 */
async function simulate(brokers: number, racks = 0) {
  const definition = await loadDefinition(
    process.argv[2] ?? new URL('../statemachines/provision.asl.yaml', import.meta.url),
  );
  const states = statesOf(definition);
  const polls = {
    push: Math.ceil((2 * COMMAND_S) / waitSeconds(states, 'WaitPush')),
    restart: Math.ceil(RESTART_S / waitSeconds(states, 'WaitRestart')),
    health: Math.ceil(CATCH_UP_S / waitSeconds(states, 'WaitHealthy')) + HEALTHY_CHECKS - 1,
  };
  const verify = verifyRetries(states);
  const ids = Array.from({ length: brokers }, (_, index) => index + 1);
  const calls = new Map<string, number>();
  const count = (key: string) => {
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    return n;
  };

  const task = (name: string, input: Record<string, unknown>): unknown => {
    const brokerId = input['brokerId'] as number;
    // The roll's loops work on a batch (one broker, or with rollout.batch rack a rack's brokers together).
    const batchKey = ((input['brokerIds'] as number[] | undefined) ?? []).join(',');
    switch (name) {
      case 'acquireLock':
        return { acquired: true, owner: 'bench', expiresAt: '2026-01-01T06:00:00Z' };
      case 'discover':
        return { spec: { cluster: 'orders' }, observed: {} };
      case 'probeEnrolment':
        // An established cluster: no broker is just enrolling, so the probe answers done at once.
        return { done: true, running: [], configPresent: {} };
      case 'plan':
        return {
          plan: { summary: { inSync: false }, brokers: ids.map((id) => ({ id })) },
          push: ids,
          enrolling: [],
          waitForEnrolment: false,
        };
      case 'applyLoadBalancer':
        return { done: true, endpoint: null };
      case 'advanceConfigPush':
        // The first call starts the read; then each poll: read answers, write starts; write answers.
        return count(`push:${brokerId}`) > polls.push
          ? { brokerId, phase: 'done', result: 'changed', diff: '' }
          : { brokerId, phase: 'writing' };
      case 'orderRestarts':
        // Serial: one broker per batch. With racks: broker i in rack i mod racks, each rack one batch.
        return racks === 0
          ? ids.map((id) => [id])
          : Array.from({ length: racks }, (_, r) => ids.filter((id) => id % racks === r));
      case 'checkCanRoll':
        return { ok: true, since: 'x', reasons: [], checks: 1 };
      case 'advanceRestart':
        return count(`restart:${batchKey}`) > polls.restart ? { phase: 'done' } : { phase: 'restarting' };
      case 'checkHealthy':
        return { since: 'x', ready: count(`health:${batchKey}`) > polls.health, brokers: [] };
      case 'verify':
        if (count('verify') <= verify.failures) throw verificationFailed();
        return { ok: true };
      case 'report':
        return {};
      case 'releaseLock':
        return null;
      default:
        throw new Error(`no simulation for task ${name}`);
    }
  };

  const events: { type: string; state?: { name: string } }[] = [];
  await runStateMachine(
    definition,
    { cluster: 'orders', mode: 'apply' },
    {
      executionId: 'arn:aws:states:us-west-2:123456789012:execution:bench:apply',
      deps: {} as never,
      waitMs: 0,
      retryMs: 0,
      wrapTask: (name) => async (input) => task(name, input as Record<string, unknown>),
      onEvent: (event) => events.push(event as { type: string; state?: { name: string } }),
    },
  );

  let history = 2;
  let transitions = 0;
  let waited = verify.seconds;
  const byType: Record<string, number> = {};
  for (const event of events) {
    const type = event.state === undefined ? undefined : states.get(event.state.name)?.type;
    let add = 0;
    if (event.type === 'StateEntered') {
      transitions += 1;
      add = type === 'Task' ? 4 : type === 'Map' ? 2 : 1; // entered (+ scheduled/started/succeeded, + map started)
      // The roll is serial; pushes run 5 at a time (their waits overlap: counted once per 5).
      if (type === 'Wait')
        waited += (states.get(event.state!.name)!.seconds ?? 0) / (event.state!.name === 'WaitPush' ? 5 : 1);
    } else if (event.type === 'StateExited')
      add = type === 'Map' ? 2 : 1; // exited (+ map succeeded)
    else if (event.type === 'StateRetried') add = 3;
    else if (event.type === 'MapIterationStarted' || event.type === 'MapIterationSucceeded') add = 1;
    history += add;
    if (type !== undefined || event.type.startsWith('MapIteration')) {
      const key = event.type.startsWith('MapIteration') ? 'MapIteration' : type!;
      byType[key] = (byType[key] ?? 0) + add;
    }
  }
  return { history, transitions, waitedMinutes: Math.round(waited / 6) / 10, polls, byType };
}

const three = await simulate(3);
const fortyEight = await simulate(48);
const fortyEightRack3 = await simulate(48, 3);
console.log(
  JSON.stringify({
    bench: 'aws-history',
    timings: { restartS: RESTART_S, catchUpS: CATCH_UP_S, nlbHealthS: NLB_HEALTH_S, commandS: COMMAND_S },
    apply3: three,
    apply48: fortyEight,
    apply48Rack3: fortyEightRack3,
    limit: HISTORY_LIMIT,
    margin48: Math.round((HISTORY_LIMIT / fortyEight.history) * 100) / 100,
  }),
);
