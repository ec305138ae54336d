/**
 * End to end on the Google Cloud bed (test/gcp/bed.ts): the drift check (a NEG endpoint detached by hand, a broker's
 * file edited) found, reported and repaired through the Executions API; an invalid spec, bad Eventarc events and bad
 * console input refused with a clear error and nothing changed. The assertions are those of the local end-to-end
 * suite (test/e2e/provision.test.ts, drift check and bad input).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ExecutionResult } from '../../testkit/workflows/interpreter.ts';
import { CLUSTER, GcpBed } from './bed.ts';

const BASE = 160;
let bed: GcpBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

interface DriftOutput {
  drift: number;
  details: string[];
  repairStarted: boolean;
}

function succeeded<T>(run: ExecutionResult): T {
  if (run.state !== 'SUCCEEDED') throw new Error(`the execution failed: ${JSON.stringify(run.error)}`);
  return run.result as unknown as T;
}

function failed(run: ExecutionResult): { name: string; message: string } {
  if (run.state !== 'FAILED') throw new Error('the execution succeeded, but it was expected to fail');
  return run.error as unknown as { name: string; message: string };
}

async function applied(options: { drift: 'report' | 'repair' }): Promise<GcpBed> {
  const b = await GcpBed.start({ base: BASE, drift: options.drift });
  succeeded(await b.run('provision', { cluster: CLUSTER, mode: 'apply' }));
  return b;
}

describe('drift check on Google Cloud', () => {
  it('reports an endpoint detached by hand without changing anything (drift.action report)', async () => {
    bed = await applied({ drift: 'report' });
    await bed.detachByHand(9094); // broker 2's port mapping
    const state = await bed.snapshot({ commands: false });

    const out = succeeded<DriftOutput>(await bed.run('drift-check', { cluster: CLUSTER }));

    expect(out.drift).toBe(1);
    expect(out.details[0]).toContain('register broker 2');
    expect(out.repairStarted).toBe(false);
    expect(bed.started).toEqual([]);
    expect(bed.logs.filter((line) => line.includes('"brokerlink drift"'))).toHaveLength(1);
    expect(await bed.snapshot({ commands: false })).toEqual(state);
    expect(bed.endpoints()).not.toContain('9094→broker-orders-2:39092');
  }, 120_000);

  it('repairs an endpoint detached by hand and a broker whose advertised listener was changed (drift.action repair)', async () => {
    bed = await applied({ drift: 'repair' });
    const endpoints = bed.endpoints();
    const ledger = bed.gcp.storage.read('brokerlink-state', 'ledger/orders.json')!;
    await bed.detachByHand(9094);
    const file = await bed.fileText(3);
    await bed.writeFileText(3, file.replace(/EXTERNAL:\/\/b3\.[^,\n]+/, 'EXTERNAL://kafka-3.old.internal:9092'));
    await bed.restartByHand(3);

    const out = succeeded<DriftOutput>(await bed.run('drift-check', { cluster: CLUSTER }));

    expect(out.drift).toBe(2);
    expect(out.repairStarted).toBe(true);
    expect(out.details.join('\n')).toMatch(/register broker 2/);
    expect(out.details.join('\n')).toMatch(/broker 3: .*kafka-3\.old\.internal:9092/);
    expect(bed.started.map((run) => run.execution.argument)).toEqual([
      { cluster: CLUSTER, mode: 'apply', trigger: 'drift-repair' },
    ]);
    const [repair] = await bed.settleStarted();
    expect(succeeded<{ verification: { ok: boolean } }>(repair!).verification.ok).toBe(true);
    expect(bed.endpoints()).toEqual(endpoints);
    // The ledger did not move: re-attaching an endpoint changes no port's owner.
    expect(bed.gcp.storage.read('brokerlink-state', 'ledger/orders.json')!.generation).toBe(ledger.generation);
    expect(await bed.fileText(3)).toContain('EXTERNAL://b3.abc.us-west1.gcp.3199745.tidbcloud.com:9095');
    expect(bed.restarts()).toEqual({ 1: 1, 2: 1, 3: 3 });
    const after = succeeded<DriftOutput>(await bed.run('drift-check', { cluster: CLUSTER }));
    expect(after.drift).toBe(0);
  }, 120_000);
});

describe('bad input on Google Cloud changes nothing', () => {
  it('refuses an invalid spec, bad Eventarc events and bad console input with a clear error; the fake state stays byte-identical', async () => {
    bed = await applied({ drift: 'report' });
    const restarts = bed.restarts();

    // An invalid spec in the bucket (a typo): SpecInvalid naming the field, nothing changed.
    const spec = bed.specInput();
    bed.storeSpec(stringify({ ...spec, exposures: [{ ...spec.exposures[0], bootstapPort: 9092 }] }));
    const state = await bed.snapshot();
    const invalid = failed(await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }));
    expect(invalid.name).toBe('SpecInvalid');
    expect(invalid.message).toContain('bootstapPort');
    expect(await bed.snapshot()).toEqual(state);

    // Bad console input (gcloud workflows run brokerlink-provision --data …): refused naming the field.
    const badMode = failed(await bed.run('provision', { cluster: CLUSTER, mode: 'aply' }));
    expect(badMode).toMatchObject({ name: 'StepInputInvalid' });
    expect(badMode.message).toMatch(/"mode" must be "plan", "apply" or "verify"/);
    const badCluster = failed(await bed.run('provision', { cluster: 'Orders; rm -rf /', mode: 'apply' }));
    expect(badCluster.name).toBe('StepInputInvalid');
    expect(badCluster.message).toMatch(/cluster: must be 1-24 characters/);
    const noCluster = failed(await bed.run('drift-check', { clusterName: CLUSTER }));
    expect(noCluster.name).toBe('StepInputInvalid');
    expect(noCluster.message).toMatch(/cluster/);
    expect(await bed.snapshot()).toEqual(state);

    // Bad events: a hostile instance name, a foreign event type, a broken body — each refused, nothing started.
    const hostile = bed.insertEvent({ name: 'broker-orders-9', zone: 'us-west1-a' });
    (hostile.data as { protoPayload: { resourceName: string } }).protoPayload.resourceName =
      'projects/kafka-prod-1/zones/us-west1-a/instances/x;reboot';
    const storageEvent = {
      ...bed.insertEvent({ name: 'broker-orders-1', zone: 'us-west1-b' }),
      type: 'google.cloud.storage.object.v1.finalized',
    };
    for (const event of [hostile, storageEvent]) {
      const answer = await bed.deliver('brokerlink-on-instance-inserted', event);
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }
    const broken = await bed.deliver('brokerlink-on-instance-inserted', {
      ...bed.insertEvent({ name: 'b', zone: 'us-west1-a' }),
      data: 'not json',
    });
    expect(broken.status).toBeGreaterThanOrEqual(400);
    // An instance of no brokerlink cluster: accepted, ignored (logged), nothing started.
    bed.gcp.state.addInstance({ name: 'web-1', zone: 'us-west1-a', networkIP: '127.0.2.199', labels: { team: 'web' } });
    expect(
      (await bed.deliver('brokerlink-on-instance-inserted', bed.insertEvent({ name: 'web-1', zone: 'us-west1-a' })))
        .status,
    ).toBe(204);
    bed.gcp.state.instances.delete('web-1');
    expect(bed.started).toEqual([]);
    expect(bed.logs.some((line) => line.includes('resourceName'))).toBe(true);
    expect(await bed.snapshot()).toEqual(state);
    expect(bed.restarts()).toEqual(restarts);
    expect(bed.lockObject()).toBeUndefined();
  }, 120_000);
});
