/**
 * Benchmark: Alibaba Cloud API calls of one scheduled drift check (the drift-check FDL: discover + plan, no drift)
 * for a cluster of 48 brokers already applied, on the Alibaba bed of test/alicloud/bed.ts (the real SDK clients
 * against the signed fake gateway and fake OSS; 48 Kafka-protocol test brokers). Counts every OpenAPI call by
 * product and action, and every OSS request. Prints one JSON line.
 *
 *   npx node bench/alicloud-api-calls.ts
 */
import { startBed } from '../test/alicloud/bed.ts';

const BROKERS = 48;
const ids = Array.from({ length: BROKERS }, (_, i) => i + 1);
const bed = await startBed({ brokerIds: ids, brokerPortCount: BROKERS });
try {
  const started = Date.now();
  const applied = await bed.execute('provision', {
    cluster: 'orders',
    mode: 'apply',
    trigger: 'manual',
    waitForLock: false,
  });
  if (applied instanceof Error) throw applied;
  const applyMs = Date.now() - started;
  const calls = bed.fake.gateway.calls as unknown[];
  calls.splice(0, calls.length);
  bed.oss.calls.splice(0, bed.oss.calls.length);
  const check = (await bed.execute('drift-check', { cluster: 'orders' })) as { drift: number };
  const byOperation: Record<string, number> = {};
  for (const call of bed.fake.gateway.calls) {
    const key = `${call.product}:${call.action}`;
    byOperation[key] = (byOperation[key] ?? 0) + 1;
  }
  for (const call of bed.oss.calls) {
    const key = `oss:${call.method}`;
    byOperation[key] = (byOperation[key] ?? 0) + 1;
  }
  const total = Object.values(byOperation).reduce((a, b) => a + b, 0);
  console.log(
    JSON.stringify({
      bench: 'alicloud-api-calls',
      brokers: BROKERS,
      driftFound: check.drift,
      calls: total,
      ok: check.drift === 0,
      byOperation,
      applyMs,
      note: 'one drift-check execution: ledger = ListServerGroups (tags), one region-wide ListServerGroupServers (100 servers a page; per group past n/4 pages), one ListListeners, the security group rules, discovery, the spec from OSS',
    }),
  );
} finally {
  await bed.close();
}
