/**
 * End to end on the local provider: instances tagged as another broker than they run (issue 13, item 1).
 *
 * The lab's command channel normally picks a broker's files by the broker id it is sent for. Here it picks them by
 * host, as a real run-command channel does: a command goes to a machine, and the machine's file is the file of the
 * broker that really runs there. Re-tagging a machine in the spec (its `brokers.static` entry, the local provider's
 * node-id tag) then makes brokerlink meet another broker's file, and it must write nothing and restart nothing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LAB_PROPERTIES_PATH, type Lab, labHost, startLab } from '../../demo/lab.ts';
import { createLocalCommandChannel } from '../../shared/providers/local/command-channel.ts';
import { apply, failure, ledgerView, lockFileExists, restartCounts } from './helpers.ts';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

/** The broker that runs on a lab host (the lab gives broker N the address 127.0.0.(10 + N)). */
function brokerOnHost(host: string): number {
  const id = Number(host.split('.').at(-1)) - 10;
  if (labHost(id) !== host) throw new Error(`${host} is no lab host`);
  return id;
}

/** Deps whose command channel reaches files by host (machine), not by the broker id the command is for. */
function byHost(current: Lab) {
  return current.deps({
    commands: createLocalCommandChannel({
      propertiesPath: LAB_PROPERTIES_PATH,
      resolvePath: (target, path) => join(current.hostsDir, String(brokerOnHost(target.host)), path),
      timeouts: { config: 15_000, restart: 30_000 },
    }),
  });
}

async function fileBytes(current: Lab, ids: readonly number[]): Promise<Record<number, string>> {
  const out: Record<number, string> = {};
  for (const id of ids) out[id] = (await readFile(current.propertiesFile(id))).toString('base64');
  return out;
}

describe('node-id guard, end to end', () => {
  it('refuses two swapped instances at plan time: no LB change, nothing written, nothing restarted', async () => {
    lab = await startLab({ drift: 'report', waitMs: 10, rollout: { healthyChecks: 1 } });
    const first = await apply(lab, { deps: byHost(lab) });
    expect(first.verification.ok).toBe(true);
    const ledger = await ledgerView(lab);
    const files = await fileBytes(lab, [1, 2, 3]);
    const restarts = restartCounts(lab);

    // The machines of brokers 1 and 3 get each other's node id.
    await lab.updateSpec((spec) => {
      spec.brokers.static = [
        { id: 1, host: labHost(3) },
        { id: 2, host: labHost(2) },
        { id: 3, host: labHost(1) },
      ];
    });
    const failed = await failure(apply(lab, { deps: byHost(lab) }));
    expect(failed.error).toBe('PlanInvalid');
    expect(failed.detail).toContain(
      `broker 1 was found at ${labHost(3)}, but broker 1 advertises INTERNAL at ${labHost(1)}, where broker 3 was found`,
    );
    expect(failed.detail).toContain('Fix brokers.static[0] in the spec (id 1');

    expect(await ledgerView(lab)).toEqual(ledger);
    expect(await fileBytes(lab, [1, 2, 3])).toEqual(files);
    expect(restartCounts(lab)).toEqual(restarts);
    expect(lockFileExists(lab)).toBe(false);
  }, 120_000);

  it('reports a re-tagged machine as the down broker it claims to be when Kafka answers: nothing written, nothing restarted', async () => {
    lab = await startLab({ drift: 'report', waitMs: 10, rollout: { healthyChecks: 1 } });
    expect((await apply(lab, { deps: byHost(lab) })).verification.ok).toBe(true);

    // Broker 1's machine is gone; the operator tags broker 3's machine as broker 1 by mistake. Kafka lists no live
    // broker 1, so the plan calls it down: it is neither pushed nor restarted, and verification names it.
    await lab.removeBroker(1);
    await lab.updateSpec((spec) => {
      spec.brokers.static = [
        { id: 1, host: labHost(3) },
        { id: 2, host: labHost(2) },
      ];
    });
    const files = await fileBytes(lab, [2, 3]);
    const restarts = restartCounts(lab);

    const failed = await failure(apply(lab, { deps: byHost(lab) }));
    expect(failed.error).toBe('VerificationFailed');
    expect(failed.detail).toMatch(/broker 1/);

    expect(await fileBytes(lab, [2, 3])).toEqual(files);
    expect(restartCounts(lab)).toEqual(restarts);
    expect(lockFileExists(lab)).toBe(false);
  }, 120_000);

  it('refuses at the push what Kafka cannot tell (Kafka unreachable at plan time): the file stays byte-identical, nothing restarted', async () => {
    lab = await startLab({ drift: 'report', waitMs: 10, rollout: { healthyChecks: 1 } });
    expect((await apply(lab, { deps: byHost(lab) })).verification.ok).toBe(true);

    await lab.removeBroker(1);
    await lab.updateSpec((spec) => {
      spec.brokers.static = [
        { id: 1, host: labHost(3) },
        { id: 2, host: labHost(2) },
      ];
    });
    const files = await fileBytes(lab, [2, 3]);
    const restarts = restartCounts(lab);

    // Nothing listens on port 1: the plan cannot ask Kafka who is live, so only the push's node-id guard can see it.
    const deps = byHost(lab);
    const blind = lab.deps({
      commands: deps.commands,
      kafka: (spec) => deps.kafka({ ...spec, kafka: { ...spec.kafka, bootstrap: ['127.0.0.1:1'] } }),
    });
    const failed = await failure(apply(lab, { deps: blind }));
    expect(failed.error).toBe('BrokerIdentityMismatch');
    expect(failed.detail).toContain(
      `${labHost(3)} was found as broker 1, but its server.properties has node.id=3: it runs broker 3. Nothing was written and no broker was restarted. Fix brokers.static[0] in the spec (id 1, host ${labHost(3)})`,
    );

    expect(await fileBytes(lab, [2, 3])).toEqual(files);
    expect(restartCounts(lab)).toEqual(restarts);
    expect(lockFileExists(lab)).toBe(false);
  }, 120_000);
});
