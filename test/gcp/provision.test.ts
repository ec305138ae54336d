/**
 * End to end on the Google Cloud bed (test/gcp/bed.ts): the deployed Workflows files run by the interpreter, the
 * Cloud Functions served by the functions framework over HTTP, the GCP adapters over the real clients against the
 * fake Compute and Cloud Storage, the real metadata agent on every VM, test brokers behind the PSC stand-in. The
 * assertions are those of the local end-to-end suite (test/e2e/provision.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/model/plan.ts';
import { readListenerConfig } from '../../shared/properties/listeners.ts';
import type { ExecutionResult } from '../../testkit/workflows/interpreter.ts';
import { CLUSTER, GcpBed } from './bed.ts';

const BASE = 100;
let bed: GcpBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

function externalOf(text: string) {
  const config = readListenerConfig(text);
  return {
    bind: config.listeners.endpoints.find((endpoint) => endpoint.name === 'EXTERNAL'),
    advertised: config.advertisedListeners.endpoints.find((endpoint) => endpoint.name === 'EXTERNAL'),
  };
}

interface ProvisionOutput {
  report: { changes: { lbActions: number; configsWritten: number[]; restarted: number[] } };
  verification: { ok: boolean };
}

function succeeded(run: ExecutionResult): ProvisionOutput {
  if (run.state !== 'SUCCEEDED') throw new Error(`the execution failed: ${JSON.stringify(run.error)}`);
  return run.result as unknown as ProvisionOutput;
}

function failed(run: ExecutionResult): { name: string; message: string } {
  if (run.state !== 'FAILED') throw new Error('the execution succeeded, but it was expected to fail');
  return run.error as unknown as { name: string; message: string };
}

/** Broker id → client port, from the ledger (non-retired broker entries). */
async function brokerPorts(b: GcpBed): Promise<Map<number, number>> {
  return new Map((await b.ledger()).filter((e) => e.retiredAt === undefined).map((e) => [e.brokerId!, e.port]));
}

/** No client port mapped twice, and at most one endpoint per broker VM. */
function assertNoDuplicates(b: GcpBed): void {
  const endpoints = b.endpoints();
  const ports = endpoints.map((e) => e.split('→')[0]);
  const vms = endpoints.map((e) => e.split('→')[1]);
  expect(new Set(ports).size).toBe(ports.length);
  expect(new Set(vms).size).toBe(vms.length);
}

describe('provision on Google Cloud (deployed Workflows file, functions over HTTP, fake Compute/Storage)', () => {
  it('exposes three seed-configured brokers: NEG endpoints, EXTERNAL listeners, one restart each, verified through PSC; a re-run changes nothing', async () => {
    bed = await GcpBed.start({ base: BASE });
    expect(await bed.fileText(1)).not.toContain('EXTERNAL');

    const out = succeeded(await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }));

    expect(out.verification.ok).toBe(true);
    // 3 broker port mappings (no bootstrap fan-out, and no consumer ports to open on PSC).
    expect(out.report.changes.lbActions).toBe(3);
    expect([...out.report.changes.configsWritten].sort()).toEqual([1, 2, 3]);
    expect([...out.report.changes.restarted].sort()).toEqual([1, 2, 3]);
    expect(bed.restarts()).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(bed.endpoints()).toEqual([
      '9093→broker-orders-1:39092',
      '9094→broker-orders-2:39092',
      '9095→broker-orders-3:39092',
    ]);
    expect(await bed.ledger()).toEqual([
      { exposure: 'EXTERNAL', role: 'broker', port: 9093, brokerId: 1 },
      { exposure: 'EXTERNAL', role: 'broker', port: 9094, brokerId: 2 },
      { exposure: 'EXTERNAL', role: 'broker', port: 9095, brokerId: 3 },
    ]);
    for (const id of [1, 2, 3]) {
      const external = externalOf(await bed.fileText(id));
      expect(external.bind).toMatchObject({ host: '0.0.0.0', port: 39092 });
      expect(external.advertised).toMatchObject({
        host: `b${id}.abc.us-west1.gcp.3199745.tidbcloud.com`,
        port: 9092 + id,
      });
      // the running broker re-read its file at the restart: it serves EXTERNAL on its own host
      expect(bed.vms.get(id)!.kafka.ports['EXTERNAL']).toBe(39092);
    }
    expect(bed.gcp.state.serviceAttachments.get('bl-orders-psc')).toMatchObject({
      connectionPreference: 'ACCEPT_MANUAL',
      consumerAcceptLists: [{ projectIdOrNum: 'tidbcloud-prod-000', connectionLimit: 10 }],
    });
    expect(bed.lockObject()).toBeUndefined();
    expect(bed.calls.length).toBeGreaterThan(20);
    expect(bed.calls.every((call) => call.authorized)).toBe(true);

    // A re-run: zero LB changes, zero writes, zero restarts, the fake state as it was (but for the command
    // channel's own key: the re-run reads every file through it).
    const state = await bed.snapshot({ commands: false });
    const again = succeeded(await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }));
    expect(again.verification.ok).toBe(true);
    expect(again.report.changes).toEqual({ lbActions: 0, configsWritten: [], restarted: [] });
    expect(bed.restarts()).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(await bed.snapshot({ commands: false })).toEqual(state);
  }, 120_000);

  it('enrols a 4th broker from its instance-insert Eventarc event: only it is configured and restarted, the others keep their ports', async () => {
    bed = await GcpBed.start({ base: BASE });
    succeeded(await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }));
    const ports = await brokerPorts(bed);
    const files = { 1: await bed.fileText(1), 2: await bed.fileText(2), 3: await bed.fileText(3) };

    const vm = await bed.addVm(4); // gcloud compute instances create … --labels brokerlink-cluster=orders,kafka-node-id=4
    const answer = await bed.deliver('brokerlink-on-instance-inserted', bed.insertEvent(vm));
    expect(answer.status).toBe(204);
    const [enrolment, ...more] = await bed.settleStarted();

    expect(more).toEqual([]);
    expect(bed.started[0]!.execution.argument).toEqual({
      cluster: CLUSTER,
      mode: 'apply',
      trigger: 'instance-running',
      waitForLock: true,
    });
    const out = succeeded(enrolment!);
    expect(out.verification.ok).toBe(true);
    expect(out.report.changes.configsWritten).toEqual([4]);
    expect(out.report.changes.restarted).toEqual([4]);
    expect(bed.restarts()).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1 });
    const after = await brokerPorts(bed);
    for (const id of [1, 2, 3]) expect(after.get(id)).toBe(ports.get(id));
    expect(after.get(4)).toBe(9096);
    expect(bed.endpoints()).toContain('9096→broker-orders-4:39092');
    for (const id of [1, 2, 3] as const) expect(await bed.fileText(id)).toBe(files[id]);
    expect(externalOf(await bed.fileText(4)).advertised).toMatchObject({ port: 9096 });
    assertNoDuplicates(bed);

    // The same event delivered again (Eventarc delivers at least once) starts nothing more.
    expect((await bed.deliver('brokerlink-on-instance-inserted', bed.insertEvent(vm))).status).toBe(204);
    expect(bed.started).toHaveLength(1);
  }, 120_000);

  it('stops the roll when a restarted broker never becomes healthy: BrokerNotReady, later brokers untouched, lock released', async () => {
    bed = await GcpBed.start({ base: BASE, rollout: { healthTimeoutSeconds: 30 } });
    const planned = await bed.run('provision', { cluster: CLUSTER, mode: 'plan' });
    const order = (succeeded(planned) as unknown as { plan: Plan }).plan.restartOrder;
    expect(order).toHaveLength(3);
    bed.cluster.neverHealthy(order[0]!);

    const error = failed(await bed.run('provision', { cluster: CLUSTER, mode: 'apply' }));

    expect(error.name).toBe('BrokerNotReady');
    expect(error.message).toContain(`broker ${order[0]}`);
    expect(bed.restarts()).toEqual({ [order[0]!]: 1, [order[1]!]: 0, [order[2]!]: 0 });
    for (const id of order.slice(1)) expect(bed.vms.get(id)!.kafka.ports['EXTERNAL']).toBeUndefined();
    expect(bed.lockObject()).toBeUndefined();
  }, 120_000);
});
