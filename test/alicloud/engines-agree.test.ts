/**
 * The two engines' files mean the same flow: statemachines/provision.asl.yaml (run by aws-local-stepfunctions, as
 * the local provider runs it) and statemachines/provision.fdl.yaml (run by the CloudFlow interpreter), both
 * generated from the flow contract, call the same tasks in the same order — each call's broker, LB phase, mode and
 * cluster compared — on two labs that start alike (their ports differ, so whole inputs cannot be compared). Poll
 * loops may poll a different number of times (timing), so consecutive repeats of a call count once.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../demo/lab.ts';
import { createTaskHandler } from '../../functions/alicloud/task-handler.ts';
import { renderDeployedFlow } from '../../shared/flow/fdl/generate.ts';
import { runFlow } from '../../shared/providers/alicloud/cloudflow/interpreter.ts';
import { isTaskName, tasks } from '../../shared/steps/tasks.ts';

const labs: Lab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((lab) => lab.close()));
});

/** A task call as both engines make it, without what differs from run to run. */
function shapeOf(task: string, input: unknown): string {
  const volatile = new Set([
    'handle',
    'since',
    'owner',
    'started',
    'gate',
    'health',
    'restart',
    'push',
    'operation',
    'generatedAt',
    'observedAt',
  ]);
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !volatile.has(key))
        .map(([key, inner]) => [key, strip(inner)]),
    );
  };
  const body = strip(input) as Record<string, unknown>;
  return `${task} ${JSON.stringify({ brokerId: body.brokerId, brokerIds: body.brokerIds, phase: body.phase, mode: body.mode, cluster: body.cluster })}`;
}

/**
 * Consecutive repeats count once; the config pushes run up to 5 at a time (a Map in both engines), so their polls
 * interleave as timing has it: the push section compares as the set of brokers pushed to.
 */
function collapse(calls: string[]): string[] {
  const push = (call: string) => call.startsWith('advanceConfigPush ');
  const first = calls.findIndex(push);
  const last = calls.findLastIndex(push);
  const section = first < 0 ? [] : [...new Set(calls.slice(first, last + 1).filter(push))].sort();
  const rest = first < 0 ? calls : [...calls.slice(0, first), ...section, ...calls.slice(last + 1)];
  return rest.filter((call, i) => call !== rest[i - 1]);
}

/** Two labs that start alike: one runs the ASL, the other the FDL; returns both engines' calls. */
async function bothEngines(start: () => Promise<Lab>): Promise<{ asl: string[]; fdl: string[] }> {
  const aslLab = await start();
  labs.push(aslLab);
  const fdlLab = await start();
  labs.push(fdlLab);

  const asl: string[] = [];
  await aslLab.run('provision', undefined, {
    wrapTask: (task, run) => async (input) => {
      asl.push(shapeOf(task, input));
      return run(input);
    },
  });

  const fdl: string[] = [];
  const deps = fdlLab.deps();
  const functions = Object.fromEntries(
    Object.keys(tasks)
      .filter(isTaskName)
      .map((task) => {
        const handler = createTaskHandler(task, () => deps);
        return [
          `brokerlink-${task}`,
          async (event: Buffer, context: Parameters<typeof handler>[1]) => {
            fdl.push(shapeOf(task, JSON.parse(event.toString('utf8'))));
            return handler(event, context);
          },
        ];
      }),
  );
  const text = renderDeployedFlow(
    await readFile(new URL('../../statemachines/provision.fdl.yaml', import.meta.url), 'utf8'),
    {
      region: 'cn-hangzhou',
      accountId: '1234567890123456',
    },
  );
  await runFlow(
    text,
    { cluster: fdlLab.spec().cluster, mode: 'apply' },
    { functions, executionName: 'agree', waitMs: 20 },
  );

  return { asl, fdl };
}

/** One combined voter and four broker-only nodes in racks a (2, 4) and b (3, 5); replicas never share a rack. */
async function rackLab(): Promise<Lab> {
  const lab = await startLab({
    brokerIds: [1],
    racks: { 1: 'a', 2: 'a', 3: 'b', 4: 'a', 5: 'b' },
    topic: false,
    drift: 'report',
    rollout: { batch: 'rack' },
  });
  for (const id of [2, 3, 4, 5]) await lab.addBroker(id);
  lab.cluster.createTopic(
    'orders',
    [
      [2, 3],
      [4, 5],
      [2, 5],
      [4, 3],
    ],
    { minInsyncReplicas: 1 },
  );
  return lab;
}

describe('the Step Functions and CloudFlow files generated from one contract', () => {
  it('call the same tasks in the same order, for the same brokers and phases, in an apply of three brokers', async () => {
    const { asl, fdl } = await bothEngines(() => startLab({ drift: 'report' }));
    expect(collapse(fdl)).toEqual(collapse(asl));
    expect(collapse(asl).length).toBeGreaterThan(15);
  });

  it('roll the same rack batches, each restarted and checked together (rollout.batch rack)', async () => {
    const { asl, fdl } = await bothEngines(rackLab);
    expect(collapse(fdl)).toEqual(collapse(asl));
    const restarts = collapse(asl).filter((call) => call.startsWith('advanceRestart '));
    expect(restarts.map((call) => JSON.parse(call.slice('advanceRestart '.length)).brokerIds)).toEqual([
      [2, 4],
      [3, 5],
      [1],
    ]);
  });
});
