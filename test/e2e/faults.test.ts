/**
 * Fault injection at every step boundary of a full apply on the local provider (see demo/lab.ts for the bed).
 *
 * A reference apply counts the task invocations of the provision state machine (T of them). Then, for every
 * k in 1..T, a fresh cluster runs the same apply in which the k-th task invocation does its work and then throws
 * (the execution is aborted right after step k, the worst moment: the side effect happened but the orchestrator
 * never learned of it). A plain re-run must then converge to exactly the reference's final state: same ledger
 * (no duplicate mapping, no port moved), same server.properties, verification passing, lock released.
 *
 * Seam: the state machine runner binds each Task to `tasks[<name>]` (shared/steps/tasks.ts) when an execution
 * starts; this file wraps those entries for its own executions only (keyed by the deps object they receive).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, type LabOptions, startLab } from '../../demo/lab.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { tasks } from '../../shared/steps/tasks.ts';
import { apply, assertNoDuplicates, ledgerView, lockFileExists, propertiesView } from './helpers.ts';

class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

type TaskFn = (input: unknown, deps: StepDeps) => Promise<unknown>;
const table = tasks as unknown as Record<string, TaskFn>;
const originals: Record<string, TaskFn> = { ...table };
const injections = new WeakMap<StepDeps, { at: number; count: number; names: string[] }>();

beforeAll(() => {
  for (const [name, original] of Object.entries(originals)) {
    table[name] = async (input, deps) => {
      const result = await original(input, deps);
      const plan = injections.get(deps);
      if (plan !== undefined) {
        plan.count += 1;
        plan.names.push(name);
        if (plan.count === plan.at) throw new InjectedFault(`injected after task invocation ${plan.count} (${name})`);
      }
      return result;
    };
  }
});
afterAll(() => {
  Object.assign(table, originals);
});

const OPTIONS: LabOptions = { drift: 'report', waitMs: 10, rollout: { healthyChecks: 1 } };

interface FinalState {
  ledger: string[];
  properties: Record<number, string>;
}

async function finalState(lab: Lab): Promise<FinalState> {
  return { ledger: await ledgerView(lab), properties: await propertiesView(lab) };
}

async function mapLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

describe('fault injection at every step boundary of provision apply', () => {
  it('converges after an abort following any task invocation: same ledger, no duplicate, no port moved', async () => {
    // Reference: an uninterrupted apply, counting task invocations.
    const reference = await startLab(OPTIONS);
    let total: number;
    let names: string[];
    let expected: FinalState;
    try {
      const deps = reference.deps();
      const counter = { at: 0, count: 0, names: [] as string[] };
      injections.set(deps, counter);
      const out = await apply(reference, { deps });
      expect(out.verification.ok).toBe(true);
      total = counter.count;
      names = counter.names;
      expected = await finalState(reference);
    } finally {
      await reference.close();
    }
    expect(total).toBeGreaterThanOrEqual(20);
    expect(new Set(names)).toEqual(new Set(Object.keys(originals).filter((n) => n !== 'reportDrift')));

    const problems: string[] = [];
    const covered: number[] = [];
    const notReached: number[] = [];
    const injectedAfter: string[] = [];
    await mapLimit(
      Array.from({ length: total }, (_, i) => i + 1),
      3,
      async (k) => {
        const lab = await startLab(OPTIONS);
        try {
          const deps = lab.deps();
          const injection = { at: k, count: 0, names: [] as string[] };
          injections.set(deps, injection);
          const run = await apply(lab, { deps }).then(
            () => undefined,
            (error: unknown) => error as { error?: string; detail?: string },
          );
          if (run === undefined) {
            // Polling loops (waiting for a command, for health) may take fewer rounds than in the reference run.
            if (injection.count >= k) problems.push(`k=${k}: the fault was injected but the execution succeeded`);
            else notReached.push(k);
            return;
          }
          injectedAfter.push(injection.names[k - 1]!);
          if (run.error !== 'InjectedFault')
            problems.push(`k=${k}: the aborted run failed with ${run.error}: ${run.detail}`);

          const out = await apply(lab);
          const state = await finalState(lab);
          if (!out.verification.ok) problems.push(`k=${k} (${names[k - 1]}): verification failed after the re-run`);
          if (JSON.stringify(state.ledger) !== JSON.stringify(expected.ledger)) {
            problems.push(`k=${k} (${names[k - 1]}): ledger ${JSON.stringify(state.ledger)}`);
          }
          if (JSON.stringify(state.properties) !== JSON.stringify(expected.properties)) {
            problems.push(`k=${k} (${names[k - 1]}): server.properties differ from the reference`);
          }
          await assertNoDuplicates(lab).catch((error: Error) => problems.push(`k=${k}: ${error.message}`));
          if (lockFileExists(lab)) problems.push(`k=${k}: the lock is still held after the re-run`);
          // a third run has nothing left to do
          const again = await apply(lab);
          if (
            again.report.changes.lbActions +
              again.report.changes.restarted.length +
              again.report.changes.configsWritten.length >
            0
          ) {
            problems.push(`k=${k}: a third run still changed something: ${JSON.stringify(again.report.changes)}`);
          }
          covered.push(k);
        } catch (error) {
          problems.push(`k=${k} (${names[k - 1]}): ${(error as Error).message}`);
        } finally {
          await lab.close();
        }
      },
    );

    expect(problems).toEqual([]);
    // Only trailing polls can be missing from a run that needed fewer polling rounds; every task was aborted after.
    expect(notReached.length).toBeLessThanOrEqual(Math.floor(total / 4));
    expect(covered.length + notReached.length).toBe(total);
    expect(new Set(injectedAfter)).toEqual(new Set(names));
    console.info(
      `fault injection: ${covered.length} of ${total} injection points covered (${notReached.length} not reached: fewer polling rounds); tasks ${[...new Set(names)].join(', ')}`,
    );
  }, 240_000);
});
