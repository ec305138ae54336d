/**
 * The generated CloudFlow file statemachines/provision.fdl.yaml, as deployed (ARNs filled in), executed by the FDL
 * interpreter with its Task states bound to brokerlink's Function Compute handlers (functions/alicloud, invoked as
 * Function Compute invokes an event function), on the local provider's lab: real test brokers, real
 * server.properties edited by the real writer with bash, the real restart script. The Alibaba bed
 * (test/alicloud/bed.test.ts) runs the same file over the Alibaba adapters.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../demo/lab.ts';
import { taskFunctions } from '../../functions/alicloud/task-handler.ts';
import { renderDeployedFlow } from '../../shared/flow/fdl/generate.ts';
import { FlowExecutionFailed } from '../../shared/providers/alicloud/cloudflow/errors.ts';
import { runFlow } from '../../shared/providers/alicloud/cloudflow/interpreter.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import type { ProvisionReport } from '../../shared/steps/report.ts';
import { lockFileExists, restartCounts } from '../e2e/helpers.ts';

const FLOW = new URL('../../statemachines/provision.fdl.yaml', import.meta.url);
const deployed = async () =>
  renderDeployedFlow(await readFile(FLOW, 'utf8'), { region: 'cn-hangzhou', accountId: '1234567890123456' });

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

let executions = 0;
async function execute(l: Lab, input: Record<string, unknown> = {}, deps: StepDeps = l.deps()) {
  executions += 1;
  return (await runFlow(
    await deployed(),
    { cluster: l.spec().cluster, mode: 'apply', trigger: 'manual', waitForLock: false, ...input },
    // One set of dependencies per execution, as one warm FC instance would hold (local command handles live in it).
    { functions: taskFunctions(() => deps), executionName: `exec-${executions}`, waitMs: 20 },
  )) as { report: ProvisionReport; verification: { ok: boolean } };
}

describe('provision.fdl.yaml on the local provider', () => {
  it('exposes three brokers: mappings, EXTERNAL listeners, one restart each, verified, lock released', async () => {
    lab = await startLab({ drift: 'report' });
    const out = await execute(lab);
    expect(out.verification.ok).toBe(true);
    expect(restartCounts(lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(await readFile(lab.propertiesFile(2), 'utf8')).toMatch(/EXTERNAL:\/\//);
    expect(lockFileExists(lab)).toBe(false);
    // a second run changes nothing
    const again = await execute(lab);
    expect(again.report.changes).toEqual({ lbActions: 0, configsWritten: [], restarted: [] });
    expect(restartCounts(lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
  });

  it('with the unique name unknown: LB work done, no broker touched, the wait reported; when it arrives, one push and one roll', async () => {
    lab = await startLab({ drift: 'report' });
    await lab.updateSpec((spec) => {
      const exposure = spec.exposures[0]!;
      exposure.advertisedListenerPattern = '<broker_id>.<unique_name>.alicloud.plc.tidbcloud.com:<port>';
      exposure.placeholders = { unique_name: null };
    });
    const before = await Promise.all([1, 2, 3].map((id) => readFile(lab!.propertiesFile(id), 'utf8')));

    const waiting = await execute(lab);
    expect(waiting.report.pending.join(' ')).toMatch(/<unique_name> of exposure EXTERNAL is not known yet/);
    expect(waiting.report.changes.lbActions).toBeGreaterThan(0);
    expect(waiting.report.changes.configsWritten).toEqual([]);
    expect(restartCounts(lab)).toEqual({ 1: 0, 2: 0, 3: 0 });
    expect(await Promise.all([1, 2, 3].map((id) => readFile(lab!.propertiesFile(id), 'utf8')))).toEqual(before);
    expect((await lab.readState()).mappings.length).toBe(4);

    await lab.updateSpec((spec) => {
      spec.exposures[0]!.placeholders = { unique_name: 'dvs6nl5jgveztmla3pxkxgh76i' };
    });
    const done = await execute(lab);
    expect(done.verification.ok).toBe(true);
    expect(done.report.pending).toEqual([]);
    expect([...done.report.changes.configsWritten].sort()).toEqual([1, 2, 3]);
    expect(restartCounts(lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(await readFile(lab.propertiesFile(1), 'utf8')).toContain(
      'b1.dvs6nl5jgveztmla3pxkxgh76i.alicloud.plc.tidbcloud.com',
    );
  });

  it('stops the roll at a broker that never becomes healthy: fails with BrokerNotReady, later brokers untouched, lock released', async () => {
    lab = await startLab({ drift: 'report', rollout: { healthTimeoutSeconds: 10, healthyChecks: 1 } });
    const l = lab;
    const order: number[] = [];
    const deps = l.deps();
    const watched: StepDeps = {
      ...deps,
      commands: {
        start: async (target, command) => {
          if (command.kind === 'restart') {
            order.push(target.brokerId);
            // the first broker to restart comes back unhealthy and stays so
            if (order.length === 1) l.cluster.neverHealthy(target.brokerId);
          }
          return deps.commands.start(target, command);
        },
        poll: (handle) => deps.commands.poll(handle),
      },
    };
    const error = await execute(l, {}, watched).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowExecutionFailed);
    const failed = error as FlowExecutionFailed;
    // The execution fails with the real error's name (CloudFlow's Fail Code), its cause in the Fail state's input.
    expect(failed.code).toBe('BrokerNotReady');
    expect((failed.failInput as { error: { Detail: string } }).error.Detail).toContain(`broker ${order[0]}`);
    expect(order).toHaveLength(1);
    const counts = restartCounts(l);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
    expect(counts[order[0]!]).toBe(1);
    expect(lockFileExists(l)).toBe(false);
  });

  it('an event-started apply (waitForLock) queues behind the execution holding the lock; a manual apply fails with LockHeld', async () => {
    lab = await startLab({ drift: 'report' });
    const l = lab;
    const cluster = l.spec().cluster;
    expect((await l.deps().lock.acquire(cluster, 'another-execution', 600)).acquired).toBe(true);

    const manual = await execute(l).catch((e: unknown) => e);
    expect(manual).toMatchObject({ code: 'LockHeld' });
    expect(restartCounts(l)).toEqual({ 1: 0, 2: 0, 3: 0 });

    let waits = 0;
    const deps = l.deps();
    const queued = runFlow(
      await deployed(),
      { cluster, mode: 'apply', trigger: 'instance-running', waitForLock: true },
      {
        functions: taskFunctions(() => deps),
        executionName: 'exec-queued',
        waitMs: 20,
        onState: ({ state }) => {
          if (state === 'WaitForLock') waits += 1;
          // The other execution finishes after a few of our waits.
          if (state === 'WaitForLock' && waits === 3) void l.deps().lock.release(cluster, 'another-execution');
        },
      },
    ) as Promise<{ verification: { ok: boolean } }>;
    const out = await queued;
    expect(waits).toBeGreaterThanOrEqual(3);
    expect(out.verification.ok).toBe(true);
    expect(restartCounts(l)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(lockFileExists(l)).toBe(false);
  });
});
