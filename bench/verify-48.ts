/**
 * Benchmark: verification of 48 brokers through the loopback port forwarder (1 bootstrap port + 48 broker ports,
 * 48 testkit brokers in this process). Prints one JSON line: median/min/max wall time of
 * verifyThroughLoadBalancer over N runs (target: median ≤ 1000 ms).
 *
 *   npx node bench/verify-48.ts [runs=15] [--tls]
 *
 * With --tls the EXTERNAL listeners are SSL (RSA-2048 certificate from a throwaway openssl CA) and every check
 * pays a full TLS handshake.
 */

import { startLbCluster } from '../shared/kafka/verify/testing/lb-cluster.ts';
import { verifyThroughLoadBalancer } from '../shared/kafka/verify/verify.ts';
import { makeCertificateAuthority } from '../testkit/tls/certificate-authority.ts';

const args = process.argv.slice(2);
const useTls = args.includes('--tls');
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 15);
const brokerIds = Array.from({ length: 48 }, (_, i) => i + 1);
const ca = useTls ? makeCertificateAuthority('brokerlink bench CA') : null;
const leaf = ca?.issue('kafka', ['bootstrap.example.com', ...brokerIds.map((id) => `b${id}.example.com`)]);
const lb = await startLbCluster({ brokerIds, ...(leaf ? { externalProtocol: 'SSL' as const, tls: leaf } : {}) });
try {
  const plan = lb.plan({
    timeoutMs: 5_000,
    ...(ca ? { tls: { ca: ca.caCert, serverName: 'bootstrap.example.com' } } : {}),
  });
  // One warm-up run (module JIT, first TLS-less connections), not counted.
  const warm = await verifyThroughLoadBalancer(plan);
  if (!warm.ok) throw new Error(`setup is miswired: ${JSON.stringify(warm.checks.filter((c) => c.status === 'fail'))}`);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const report = await verifyThroughLoadBalancer(plan);
    times.push(performance.now() - started);
    if (!report.ok) throw new Error('verification failed during the benchmark');
  }
  times.sort((a, b) => a - b);
  const median =
    times.length % 2 ? times[(times.length - 1) / 2]! : (times[times.length / 2 - 1]! + times[times.length / 2]!) / 2;
  console.log(
    JSON.stringify({
      bench: 'verify-48',
      brokers: brokerIds.length,
      tls: useTls,
      checksPerRun: warm.summary.total,
      concurrency: 32,
      runs,
      medianMs: Math.round(median * 10) / 10,
      minMs: Math.round(times[0]! * 10) / 10,
      maxMs: Math.round(times[times.length - 1]! * 10) / 10,
      targetMs: 1000,
      withinTarget: median <= 1000,
      node: process.version,
    }),
  );
} finally {
  await lb.close();
  ca?.dispose();
}
