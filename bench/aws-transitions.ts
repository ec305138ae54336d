/**
 * Benchmark: Step Functions state transitions (StateEntered events; Standard workflows are billed per transition) of
 * one provision apply from scratch, for 3 and 48 brokers, and of one no-drift drift check. Runs the real state machine
 * files in-process (aws-local-stepfunctions) on the test bed of test/aws/bed.ts. Poll counts depend on how fast
 * commands and brokers come back: the fake SSM answers "not visible yet" once and "in progress" once per command,
 * brokers rejoin at once, and the spec asks for 2 consecutive healthy checks. Prints one JSON line.
 *
 *   npx node bench/aws-transitions.ts
 */
import { AwsBed, CLUSTER } from '../test/aws/bed.ts';

const WAIT_MS = 150;

async function transitions(brokers: number) {
  const bed = await AwsBed.start({ brokers });
  try {
    // Wait states pause WAIT_MS (not the definitions' 3-10 s): long enough for a fake SSM command (a real shell) to
    // finish between polls, as the cloud's seconds are for a real one.
    const apply = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }, { waitMs: WAIT_MS });
    const drift = await bed.run('drift-check', { cluster: CLUSTER }, { waitMs: WAIT_MS });
    const entered = (events: { type: string }[]) => events.filter((event) => event.type === 'StateEntered').length;
    const perState: Record<string, number> = {};
    for (const event of apply.events as { type: string; state?: { name?: string } }[]) {
      if (event.type !== 'StateEntered') continue;
      const name = event.state?.name ?? '?';
      perState[name] = (perState[name] ?? 0) + 1;
    }
    return { apply: entered(apply.events), driftCheck: entered(drift.events), perState };
  } finally {
    await bed.close();
  }
}

const three = await transitions(3);
const fortyEight = await transitions(48);
console.log(
  JSON.stringify({
    bench: 'aws-transitions',
    apply3: three.apply,
    apply48: fortyEight.apply,
    perBroker48: Math.round((fortyEight.apply / 48) * 10) / 10,
    driftCheck3: three.driftCheck,
    driftCheck48: fortyEight.driftCheck,
    waitMs: WAIT_MS,
    perState48: fortyEight.perState,
  }),
);
