/*
 * GcsPortLedger beyond the port contract: the object it keeps, racing writers (generation preconditions: no change
 * is lost), and a ledger object that is not one (named, nothing written). Real @google-cloud/storage client against
 * the fake Cloud Storage JSON API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerChange } from '../../ports.ts';
import { GcpLedgerContended, GcpLedgerCorrupt } from './errors.ts';
import { GcsPortLedger, ledgerObjectName } from './ledger.ts';
import { type FakeGcp, gcpSpec, STATE_BUCKET, startFakeGcp } from './testing/world.ts';

const HOST = '127.0.2.62';
let gcp: FakeGcp;
let ledger: GcsPortLedger;
const spec = gcpSpec();
const assign = (port: number, brokerId: number): LedgerChange => ({
  kind: 'assign',
  exposure: 'EXTERNAL',
  role: 'broker',
  port,
  brokerId,
});

beforeEach(async () => {
  gcp = await startFakeGcp({ host: HOST });
  ledger = new GcsPortLedger({ bucket: gcp.bucket });
});
afterEach(async () => {
  await gcp.close();
});

describe('GcsPortLedger', () => {
  it('keeps one JSON object per cluster in the state bucket, and writes nothing for a change already recorded', async () => {
    await ledger.record(spec, assign(9094, 2));
    await ledger.record(spec, assign(9093, 1));
    const object = gcp.storage.read(STATE_BUCKET, ledgerObjectName('orders'))!;
    expect(ledgerObjectName('orders')).toBe('ledger/orders.json');
    expect(JSON.parse(object.data.toString())).toEqual({
      version: 1,
      cluster: 'orders',
      entries: [
        { exposure: 'EXTERNAL', role: 'broker', port: 9093, brokerId: 1 },
        { exposure: 'EXTERNAL', role: 'broker', port: 9094, brokerId: 2 },
      ],
    });
    const generation = object.generation;
    await ledger.record(spec, assign(9093, 1));
    await ledger.record(spec, { kind: 'release', exposure: 'EXTERNAL', port: 9200 });
    expect(gcp.storage.read(STATE_BUCKET, ledgerObjectName('orders'))!.generation).toBe(generation);
  });

  it('loses no change when five writers race (each re-reads after a failed precondition)', async () => {
    await Promise.all([1, 2, 3, 4, 5].map((n) => ledger.record(spec, assign(9092 + n, n))));
    expect((await ledger.read(spec)).map((e) => [e.port, e.brokerId])).toEqual([
      [9093, 1],
      [9094, 2],
      [9095, 3],
      [9096, 4],
      [9097, 5],
    ]);
  });

  it('gives up with a retryable error when the object keeps changing under every conditional write', async () => {
    const few = new GcsPortLedger({ bucket: gcp.bucket, attempts: 2 });
    let writes = 0;
    gcp.storage.server.onRequest = (request) => {
      // Someone else rewrites the object right before each of our uploads.
      if (request.method === 'POST' && request.path.startsWith('/upload/')) {
        writes += 1;
        gcp.storage.put(
          STATE_BUCKET,
          ledgerObjectName('orders'),
          JSON.stringify({ version: 1, cluster: 'orders', entries: [] }),
        );
      }
    };
    const error = await few.record(spec, assign(9093, 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GcpLedgerContended);
    expect((error as GcpLedgerContended).disposition).toBe('retry');
    expect(writes).toBe(2);
  });

  it('reads a ledger edited by hand sorted by port, and refuses one that is not a ledger, naming the field', async () => {
    const put = (value: unknown) =>
      gcp.storage.put(
        STATE_BUCKET,
        ledgerObjectName('orders'),
        typeof value === 'string' ? value : JSON.stringify(value),
      );
    put({
      version: 1,
      cluster: 'orders',
      entries: [
        { exposure: 'EXTERNAL', role: 'broker', port: 9095, brokerId: 3, retiredAt: '2026-05-01T00:00:00.000Z' },
        { exposure: 'EXTERNAL', role: 'broker', port: 9093, brokerId: 1 },
      ],
    });
    expect((await ledger.read(spec)).map((e) => e.port)).toEqual([9093, 9095]);
    put({ version: 1, cluster: 'orders', entries: [{ exposure: 'EXTERNAL', role: 'broker', port: 70000 }] });
    await expect(ledger.read(spec)).rejects.toThrow(/entries\[0\]\.port/);
    put('{"version": 1, "clu');
    await expect(ledger.read(spec)).rejects.toBeInstanceOf(GcpLedgerCorrupt);
    put({ version: 1, cluster: 'payments', entries: [] });
    await expect(ledger.record(spec, assign(9093, 1))).rejects.toThrow(/ledger of cluster "payments"/);
    expect(JSON.parse(gcp.storage.read(STATE_BUCKET, ledgerObjectName('orders'))!.data.toString()).cluster).toBe(
      'payments',
    );
  });
});
