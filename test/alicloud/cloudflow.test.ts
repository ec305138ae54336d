/**
 * The deployed CloudFlow file statemachines/provision.fdl.yaml, executed by the FDL interpreter with its Task states
 * bound to brokerlink's Function Compute handlers (functions/alicloud/task-handler.ts, invoked as FC invokes an
 * event function), on the local provider's lab: real test brokers, real server.properties edited by the real writer
 * with bash, the real restart script. Includes the late-unique-name scenario of the Alibaba runbook.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../demo/lab.ts';
import { taskFunctions } from '../../functions/alicloud/task-handler.ts';
import { runFlow } from '../../shared/providers/alicloud/cloudflow/interpreter.ts';
import type { ProvisionReport } from '../../shared/steps/report.ts';
import { restartCounts } from '../e2e/helpers.ts';

const FLOW = new URL('../../statemachines/provision.fdl.yaml', import.meta.url);

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

let executions = 0;
async function execute(l: Lab, mode = 'apply') {
  executions += 1;
  // One set of dependencies per execution, as one warm FC instance would hold (local command handles live in it).
  const deps = l.deps();
  return (await runFlow(
    await readFile(FLOW, 'utf8'),
    { cluster: l.spec().cluster, mode },
    {
      functions: taskFunctions(() => deps),
      executionName: `exec-${executions}`,
      waitMs: 20,
    },
  )) as { report: ProvisionReport; verification: { ok: boolean } };
}

describe('provision.fdl.yaml on the local provider', () => {
  it('exposes three brokers: mappings, EXTERNAL listeners, one restart each, verified, lock released', async () => {
    lab = await startLab({ drift: 'report' });
    const out = await execute(lab);
    expect(out.verification.ok).toBe(true);
    expect(restartCounts(lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(await readFile(lab.propertiesFile(2), 'utf8')).toMatch(/EXTERNAL:\/\//);
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
});
