/**
 * End to end on the Google Cloud bed (test/gcp/bed.ts): the deployed Workflows files run by the interpreter, the
 * Cloud Functions served by the functions framework over HTTP, the GCP adapters over the real clients against the
 * fake Compute and Cloud Storage, the real metadata agent on every VM, test brokers behind the PSC stand-in. The
 * assertions are those of the local end-to-end suite (test/e2e/provision.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readListenerConfig } from '../../shared/properties/listeners.ts';
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

describe('provision on Google Cloud (deployed Workflows file, functions over HTTP, fake Compute/Storage)', () => {
  it('exposes three seed-configured brokers: NEG endpoints, EXTERNAL listeners, one restart each, verified through PSC', async () => {
    bed = await GcpBed.start({ base: BASE });
    const before = await bed.fileText(1);
    expect(before).not.toContain('EXTERNAL');

    const run = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });

    expect(run.error).toBeNull();
    expect(run.state).toBe('SUCCEEDED');
    const out = run.result as unknown as ProvisionOutput;
    expect(out.verification.ok).toBe(true);
    // 3 broker port mappings (no bootstrap fan-out and no consumer ports to open on PSC).
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
      expect(bed.vms.get(id)!.kafka.ports['EXTERNAL']).toBe(39092);
    }
    expect(bed.gcp.state.serviceAttachments.get('bl-orders-psc')).toMatchObject({
      connectionPreference: 'ACCEPT_MANUAL',
    });
    expect(bed.lockObject()).toBeUndefined();
    expect(bed.calls.every((call) => call.authorized)).toBe(true);
  }, 120_000);
});
