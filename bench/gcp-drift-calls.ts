/**
 * Benchmark: Google Cloud API calls of a real no-drift drift check — the deployed drift-check Workflows file on the
 * end-to-end bed (test/gcp/bed.ts: the real functions and adapters through the real @google-cloud clients against
 * the counting fakes, the metadata agent on every VM, test brokers). Unlike bench/gcp-api-calls.ts (the producer
 * side and discovery only), this counts everything the check does, including reading every broker's
 * server.properties through the metadata command channel. Measured with 3 and with 4 brokers (the 4th enrolled by
 * an apply); the figure for 48 brokers is extrapolated from the per-broker difference (the per-broker calls do not
 * depend on the cluster's size: one command per broker). Prints one JSON line.
 *
 *   npx node bench/gcp-drift-calls.ts
 */
import { CLUSTER, GcpBed } from '../test/gcp/bed.ts';

interface Counted {
  compute: number;
  storage: number;
  byPath: Record<string, number>;
}

async function driftCheckCalls(bed: GcpBed): Promise<Counted> {
  const computeBefore = bed.gcp.compute.server.requests.length;
  const storageBefore = bed.gcp.storage.server.requests.length;
  const result = await bed.run('drift-check', { cluster: CLUSTER });
  if (result.state !== 'SUCCEEDED' || (result.result as { drift: number }).drift !== 0)
    throw new Error(`the drift check found drift or failed: ${JSON.stringify(result.result ?? result.error)}`);
  const compute = bed.gcp.compute.server.requests.slice(computeBefore);
  const storage = bed.gcp.storage.server.requests.slice(storageBefore);
  const byPath: Record<string, number> = {};
  for (const r of [...compute, ...storage]) {
    const key = `${r.method} ${r.path
      .replace(/^\/compute\/v1\/projects\/[^/]+\//, '')
      .replace(/zones\/[^/]+\/instances\/[^/]+/, 'zones/Z/instances/I')
      .replace(/\/b\/[^/]+\/o\/.*$/, '/b/BUCKET/o/OBJECT')
      .replace(/operations\/[^/]+$/, 'operations/OP')}`;
    byPath[key] = (byPath[key] ?? 0) + 1;
  }
  return { compute: compute.length, storage: storage.length, byPath };
}

const bed = await GcpBed.start({ base: 200 });
try {
  const applied = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
  if (applied.state !== 'SUCCEEDED') throw new Error(`apply failed: ${JSON.stringify(applied.error)}`);
  const three = await driftCheckCalls(bed);
  const vm = await bed.addVm(4);
  await bed.deliver('brokerlink-on-instance-inserted', bed.insertEvent(vm));
  const [enrolled] = await bed.settleStarted();
  if (enrolled?.state !== 'SUCCEEDED') throw new Error(`enrolment failed: ${JSON.stringify(enrolled?.error)}`);
  const four = await driftCheckCalls(bed);
  const perBroker = { compute: four.compute - three.compute, storage: four.storage - three.storage };
  const fixed = { compute: three.compute - 3 * perBroker.compute, storage: three.storage - 3 * perBroker.storage };
  const at48 = { compute: fixed.compute + 48 * perBroker.compute, storage: fixed.storage + 48 * perBroker.storage };
  process.stdout.write(
    `${JSON.stringify({ figure: 'gcp-drift-check-calls', threeBrokers: three, fourBrokers: { compute: four.compute, storage: four.storage }, perBroker, fixed, extrapolated48: at48 })}\n`,
  );
} finally {
  await bed.close();
}
