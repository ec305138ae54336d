/**
 * Benchmark: time to list bootstrap metadata through the LB, brokerlink's probe vs Debian `kcat -L`
 * (librdkafka), on the same setup: 3 testkit brokers behind the loopback port forwarder, one topic with 6
 * partitions. Both ask the bootstrap LB port for all-topics Metadata and stop there.
 *
 * Three figures, medians over N runs:
 *  - probeInProcessMs: createProbe → metadata({ topics: null }) → close, in this process (what the verify step does);
 *  - probeProcessMs:   the same in a fresh Node 22 process (apples to apples with kcat, which pays process start);
 *  - kcatMs:           `kcat -L -b 127.0.0.1:<bootstrap> -m 5` wall time.
 * Ratios are kcat / probe. Installs nothing: run `apt-get install -y kcat` first if kcat is missing.
 *
 *   npx node bench/verify-vs-kcat.ts [runs=21]
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createProbe } from '../shared/kafka/probe/probe.ts';
import { startLbCluster } from '../shared/kafka/verify/testing/lb-cluster.ts';

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 21);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return Math.round(m * 10) / 10;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

let kcatVersion: string;
try {
  const lines = (await run('kcat', ['-V'])).stdout.split('\n');
  kcatVersion = (lines.find((l) => l.startsWith('Version')) ?? lines[0]!).replace(/ builtin\.features=.*$/, '').trim();
} catch (error) {
  console.error('kcat is not installed: apt-get install -y kcat');
  throw error;
}

const lb = await startLbCluster({ brokerIds: [1, 2, 3] });
try {
  lb.cluster.createTopic('orders', 6, { replicationFactor: 3 });
  const port = lb.bootstrapPort;
  const probeModule = fileURLToPath(new URL('../shared/kafka/probe/probe.ts', import.meta.url));
  const childScript = `
    const { createProbe } = await import(${JSON.stringify(probeModule)});
    const probe = createProbe({ host: '127.0.0.1', port: ${port}, timeoutMs: 5000 });
    const m = await probe.metadata({ topics: null });
    await probe.close();
    if (m.brokers.length !== 3) process.exit(2);
  `;
  const inProcess = async () => {
    const probe = createProbe({ host: '127.0.0.1', port, timeoutMs: 5_000 });
    const m = await probe.metadata({ topics: null });
    await probe.close();
    if (m.brokers.length !== 3 || m.topics.length !== 1) throw new Error('probe listed unexpected metadata');
  };
  const inChild = () => run(process.execPath, ['--input-type=module', '-e', childScript]);
  const kcat = async () => {
    const { stdout } = await run('kcat', ['-L', '-b', `127.0.0.1:${port}`, '-m', '5']);
    if (!/3 brokers:/.test(stdout) || !/topic "orders" with 6 partitions/.test(stdout)) {
      throw new Error(`kcat listed unexpected metadata:\n${stdout}`);
    }
  };
  // Warm-up (file cache, JIT), not counted.
  await inProcess();
  await inChild();
  await kcat();
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await timed(inProcess));
    b.push(await timed(inChild));
    c.push(await timed(kcat));
  }
  const probeInProcessMs = median(a);
  const probeProcessMs = median(b);
  const kcatMs = median(c);
  console.log(
    JSON.stringify({
      bench: 'verify-vs-kcat',
      runs,
      brokers: 3,
      probeInProcessMs,
      probeProcessMs,
      kcatMs,
      kcatOverProbeInProcess: Math.round((kcatMs / probeInProcessMs) * 100) / 100,
      kcatOverProbeProcess: Math.round((kcatMs / probeProcessMs) * 100) / 100,
      kcat: kcatVersion,
      node: process.version,
    }),
  );
} finally {
  await lb.close();
}
