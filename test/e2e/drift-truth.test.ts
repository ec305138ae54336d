/**
 * End to end on the local provider: ports recoverable from the brokers (issue 13, item 2) and drift that tells the
 * truth (item 4).
 *  - The local LB's state file (its ledger) is deleted: the repair gives every broker the port it advertises, so
 *    no consumer-visible port moves and no broker restarts.
 *  - With the ledger lost and a broker's advertised port no longer in the range, the drift check says a repair would
 *    move a port consumers use, and does not start one unless the spec says drift.allowPortMoves: true.
 *  - A stopped broker is reported as down, not as config drift, and the repair does not restart it.
 *  - A mapping of another listener on a port inside brokerlink's range is drift (a person removes it).
 *  - A repair that fails ends the drift run with the repair's own error and exit code, as `apply` would.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf } from '../../cli/errors.ts';
import { type Lab, type LabOptions, startLab } from '../../demo/lab.ts';
import { dispositionOfName, isErrorName } from '../../shared/error-catalogue.ts';
import { LocalStateInvalid } from '../../shared/providers/local/errors.ts';
import { apply, failure, lockFileExists, restartCounts } from './helpers.ts';

interface DriftOutput {
  drift: number;
  details: string[];
  repairStarted: boolean;
  held?: string[];
}

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const OPTIONS: LabOptions = { drift: 'repair', waitMs: 10, rollout: { healthyChecks: 1 } };
const drift = async (current: Lab) => (await current.run('drift-check')) as DriftOutput;

/** Port per broker of the live (not retired) broker mappings. */
async function brokerPorts(current: Lab): Promise<Map<number, number>> {
  const state = await current.readState();
  return new Map(
    state.mappings.filter((m) => m.role === 'broker' && m.retiredAt === undefined).map((m) => [m.brokerId!, m.port]),
  );
}

describe('ports recoverable from the brokers', () => {
  it('a lost ledger moves no port: the repair gives each broker the port it advertises, and restarts none', async () => {
    lab = await startLab(OPTIONS);
    expect((await apply(lab)).verification.ok).toBe(true);
    // Broker 1 leaves and broker 4 joins: the ports are no longer the lowest in node-id order, so handing them
    // out afresh would move every one of them.
    await lab.removeBroker(1);
    await lab.addBroker(4);
    expect((await apply(lab)).verification.ok).toBe(true);
    const ports = await brokerPorts(lab);
    expect([...ports.keys()].sort()).toEqual([2, 3, 4]);
    expect(ports.get(2)).toBe(lab.ports.from + 1);
    const restarts = restartCounts(lab);

    await rm(lab.stateFile);
    const report = await drift(lab);
    expect(report.repairStarted).toBe(true);
    expect(report.details.some((d) => d.includes('would move'))).toBe(false);

    expect(await brokerPorts(lab)).toEqual(ports);
    expect(restartCounts(lab)).toEqual(restarts);
    const after = await apply(lab);
    expect(after.verification.ok).toBe(true);
    expect(after.report.changes).toMatchObject({ lbActions: 0, restarted: [] });
  }, 120_000);

  it('a repair that would move a port running brokers advertise is held unless drift.allowPortMoves', async () => {
    lab = await startLab(OPTIONS);
    expect((await apply(lab)).verification.ok).toBe(true);
    const ports = await brokerPorts(lab);
    const lowest = Math.min(...ports.values());
    const highest = Math.max(...ports.values());
    const mover = [...ports].find(([, port]) => port === lowest)![0];

    // The ledger is lost and the range no longer holds the lowest advertised port.
    await rm(lab.stateFile);
    await lab.updateSpec((spec) => {
      spec.exposures[0]!.brokerPorts = { from: lowest + 1, to: lab!.ports.to };
    });
    const held = await drift(lab);
    expect(held.repairStarted).toBe(false);
    expect(held.details).toContainEqual(
      `broker ${mover} would move EXTERNAL from port ${lowest} (what consumers use now) to ${highest + 1}`,
    );
    expect(held.held).toEqual([expect.stringContaining('set drift.allowPortMoves: true')]);
    expect((await lab.readState()).mappings).toEqual([]);

    await lab.updateSpec((spec) => {
      spec.drift = { ...spec.drift, allowPortMoves: true };
    });
    expect((await drift(lab)).repairStarted).toBe(true);
    expect((await brokerPorts(lab)).get(mover)).toBe(highest + 1);
  }, 120_000);
});

describe('drift that tells the truth', () => {
  it('a stopped broker is reported as down, not as config drift, and the repair does not restart it', async () => {
    lab = await startLab(OPTIONS);
    expect((await apply(lab)).verification.ok).toBe(true);
    const stopped = lab.brokers.get(3)!;
    await stopped.broker.close();
    const restarts = restartCounts(lab);

    const report = await drift(lab);
    expect(report.drift).toBe(1);
    expect(report.details).toEqual([
      expect.stringContaining('broker 3: broker 3 is down (Kafka answers, but without it'),
    ]);
    expect(report.details.join(' ')).not.toContain('running config not observed');
    expect(report.repairStarted).toBe(false);
    expect(report.held).toEqual(['nothing here is for an apply to change: the rest needs a person']);
    expect(restartCounts(lab)).toEqual(restarts);
  }, 120_000);

  it('a mapping of another listener on a port inside brokerlink’s range is drift', async () => {
    lab = await startLab({ ...OPTIONS, drift: 'report' });
    expect((await apply(lab)).verification.ok).toBe(true);
    const free = lab.ports.to;
    const state = JSON.parse(await readFile(lab.stateFile, 'utf8')) as { mappings: unknown[]; version: number };
    state.mappings.push({ exposure: 'LEGACY', role: 'broker', port: free, brokerId: 7, targets: [] });
    state.version += 1;
    await writeFile(lab.stateFile, JSON.stringify(state));

    const report = await drift(lab);
    expect(report.drift).toBe(1);
    expect(report.details).toEqual([
      expect.stringContaining(
        `port ${free} (inside brokerPorts of EXTERNAL) has a broker mapping of listener "LEGACY", which is not in the spec`,
      ),
    ]);
  }, 120_000);

  it('a repair that fails ends the drift run with the repair’s own error and exit code, as apply would', async () => {
    lab = await startLab(OPTIONS);
    expect((await apply(lab)).verification.ok).toBe(true);
    await rm(lab.stateFile); // drift that a repair fixes: the ledger is lost
    const current = lab;
    const broken = (task: string, run: (input: unknown) => Promise<unknown>) =>
      task === 'applyLoadBalancer' // a provision task: only the repair runs it
        ? async () => {
            throw new LocalStateInvalid(current.stateFile, 'unreadable for this test');
          }
        : run;

    const failed = await failure(lab.run('drift-check', undefined, { wrapTask: broken }));
    expect(failed.error).toBe('LocalStateInvalid');
    expect(failed.detail).toContain('unreadable for this test');
    const lookup = (name: string) => (isErrorName(name) ? dispositionOfName(name) : undefined);
    expect(exitCodeOf(failed, lookup)).toBe(EXIT.failure);
    const applied = await failure(apply(lab, { wrapTask: broken }));
    expect(exitCodeOf(applied, lookup)).toBe(exitCodeOf(failed, lookup));
    expect(lockFileExists(lab)).toBe(false);
  }, 120_000);
});
