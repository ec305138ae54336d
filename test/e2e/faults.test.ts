/**
 * Fault injection at every step boundary of a full apply on the local provider (see demo/lab.ts for the bed).
 *
 * A reference apply counts the task invocations of the provision state machine (T of them). Then, for every
 * k in 1..T, a fresh cluster runs the same apply in which the k-th task invocation does its work and then throws
 * (the execution is aborted right after step k, the worst moment: the side effect happened but the orchestrator
 * never learned of it). A plain re-run must then converge to exactly the reference's final state: same ledger
 * (no duplicate mapping, no port moved), same server.properties, verification passing, lock released.
 *
 * Seam: the state machine runner's `wrapTask` option (shared/orchestration/local-state-machine.ts) wraps every
 * task binding of one execution.
 */
import { describe, expect, it } from 'vitest';
import { type Lab, type LabOptions, startLab } from '../../demo/lab.ts';
import { tasks } from '../../shared/steps/tasks.ts';
import { mapLimit } from '../../shared/util/map-limit.ts';
import { apply, assertNoDuplicates, ledgerView, lockFileExists, propertiesView } from './helpers.ts';

class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

/**
 * An injection point is one task invocation named `<task>#<broker or ->#<n>`: the n-th call of that task (for that
 * broker). Unlike a global index, it does not shift when a polling loop takes more or fewer rounds elsewhere.
 */
interface Injection {
  at: string | null;
  seen: Map<string, number>;
  keys: string[];
  fired: boolean;
}

function keyOf(name: string, input: unknown, seen: Map<string, number>): string {
  const brokerId = (input as { brokerId?: unknown } | null)?.brokerId;
  const base = `${name}#${typeof brokerId === 'number' ? brokerId : '-'}`;
  const n = (seen.get(base) ?? 0) + 1;
  seen.set(base, n);
  return `${base}#${n}`;
}

/** The runner's task seam: each task runs, is recorded, and throws right after its work at the chosen point. */
function injector(injection: Injection): NonNullable<Parameters<Lab['run']>[2]>['wrapTask'] {
  return (name, run) => async (input) => {
    const result = await run(input);
    const key = keyOf(name, input, injection.seen);
    injection.keys.push(key);
    if (key === injection.at) {
      injection.fired = true;
      throw new InjectedFault(`injected after task invocation ${key}`);
    }
    return result;
  };
}

/** Polling tasks may run a different number of rounds from run to run; their later rounds may not recur. */
const POLLING = new Set(['advanceConfigPush', 'checkCanRoll', 'advanceRestart', 'checkHealthy']);

const OPTIONS: LabOptions = { drift: 'report', waitMs: 10, rollout: { healthyChecks: 1 } };

interface FinalState {
  ledger: string[];
  properties: Record<number, string>;
}

async function finalState(lab: Lab): Promise<FinalState> {
  return { ledger: await ledgerView(lab), properties: await propertiesView(lab) };
}

describe('fault injection at every step boundary of provision apply', () => {
  it('converges after an abort following any task invocation: same ledger, no duplicate, no port moved', async () => {
    // Reference: an uninterrupted apply, recording its task invocations.
    const reference = await startLab(OPTIONS);
    let points: string[];
    let expected: FinalState;
    try {
      const recorder: Injection = { at: null, seen: new Map(), keys: [], fired: false };
      const out = await apply(reference, { wrapTask: injector(recorder) });
      expect(out.verification.ok).toBe(true);
      points = recorder.keys;
      expected = await finalState(reference);
    } finally {
      await reference.close();
    }
    expect(points.length).toBeGreaterThanOrEqual(20);
    const taskNames = new Set(points.map((p) => p.split('#')[0]));
    expect(taskNames).toEqual(new Set(Object.keys(tasks).filter((n) => n !== 'reportDrift')));

    const problems: string[] = [];
    const covered: string[] = [];
    const notReached: string[] = [];
    await mapLimit(points, 3, async (point) => {
      const lab = await startLab(OPTIONS);
      try {
        const injection: Injection = { at: point, seen: new Map(), keys: [], fired: false };
        const run = await apply(lab, { wrapTask: injector(injection) }).then(
          () => undefined,
          (error: unknown) => error as { error?: string; detail?: string },
        );
        if (!injection.fired) {
          if (run !== undefined)
            problems.push(`${point}: the run failed without the fault: ${run.error}: ${run.detail}`);
          else notReached.push(point);
          return;
        }
        if (run === undefined) {
          problems.push(`${point}: the fault was injected but the execution succeeded`);
          return;
        }
        if (run.error !== 'InjectedFault')
          problems.push(`${point}: the aborted run failed with ${run.error}: ${run.detail}`);

        const out = await apply(lab);
        const state = await finalState(lab);
        if (!out.verification.ok) problems.push(`${point}: verification failed after the re-run`);
        if (JSON.stringify(state.ledger) !== JSON.stringify(expected.ledger)) {
          problems.push(`${point}: ledger ${JSON.stringify(state.ledger)}`);
        }
        if (JSON.stringify(state.properties) !== JSON.stringify(expected.properties)) {
          problems.push(`${point}: server.properties differ from the reference`);
        }
        await assertNoDuplicates(lab).catch((error: Error) => problems.push(`${point}: ${error.message}`));
        if (lockFileExists(lab)) problems.push(`${point}: the lock is still held after the re-run`);
        // a third run has nothing left to do
        const again = await apply(lab);
        const { lbActions, restarted, configsWritten } = again.report.changes;
        if (lbActions + restarted.length + configsWritten.length > 0) {
          problems.push(`${point}: a third run still changed something: ${JSON.stringify(again.report.changes)}`);
        }
        covered.push(point);
      } catch (error) {
        problems.push(`${point}: ${(error as Error).message}`);
      } finally {
        await lab.close();
      }
    });

    expect(problems).toEqual([]);
    expect(covered.length + notReached.length).toBe(points.length);
    // Only a polling task's later rounds may fail to recur; every first invocation of every task was aborted after.
    for (const point of notReached) {
      const [task, , n] = point.split('#');
      expect(POLLING.has(task!) && Number(n) > 1, `${point} should have been reached`).toBe(true);
    }
    console.info(
      `fault injection: ${covered.length} of ${points.length} injection points covered (${notReached.length} later polling rounds not reached); tasks ${[...taskNames].join(', ')}`,
    );
  }, 240_000);
});
