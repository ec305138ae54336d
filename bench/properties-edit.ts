/**
 * Benchmark: adding an EXTERNAL exposure to a 2,000-line server.properties with applyListenerExposures (parse,
 * conflict checks, edit, re-parse verification, unified diff). Also times a no-op re-apply (the drift-check path)
 * and planWrite from a writer read (base64 + sha256 around the edit). Prints one JSON line (target: edit median ≤ 5 ms).
 *
 *   npx node bench/properties-edit.ts [runs=300]
 */
import { planWrite, sha256Hex } from '../shared/broker-writer/protocol.ts';
import { applyListenerExposures } from '../shared/properties/index.ts';

const runs = Number(process.argv[2] ?? 300);

/** A realistic but large file: the seed's KRaft keys in the middle of comment blocks, blank lines and settings. */
function bigFile(lines: number): string {
  const out: string[] = [];
  let i = 0;
  while (out.length < lines - 12) {
    out.push(`# Section ${i}: tuning notes for subsystem ${i}, see the runbook (line ${out.length + 1})`);
    out.push(`subsystem${i}.buffer.bytes=${1024 * (i + 1)}`);
    out.push(`subsystem${i}.threads = ${(i % 16) + 1}`);
    out.push(`subsystem${i}.hosts=a.example.com:1,\\`);
    out.push(`    b.example.com:2`);
    out.push('');
    if (i === 150) {
      out.push(
        'process.roles=broker,controller',
        'node.id=1',
        'controller.quorum.voters=1@10.0.0.11:29092,2@10.0.0.12:29092,3@10.0.0.13:29092',
        'listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092',
        'inter.broker.listener.name=INTERNAL',
        'advertised.listeners=INTERNAL://10.0.0.11:9092',
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
      );
    }
    i++;
  }
  while (out.length < lines) out.push(`log.dirs=/var/lib/kafka/data-${out.length}`);
  return out.join('\n') + '\n';
}

const text = bigFile(2000);
const exposures = [
  {
    name: 'EXTERNAL',
    bindHost: '0.0.0.0',
    bindPort: 39092,
    advertisedHost: 'b1.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com',
    advertisedPort: 9093,
    securityProtocol: 'PLAINTEXT' as const,
  },
];

function stats(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { medianMs: round(at(0.5)), p95Ms: round(at(0.95)), maxMs: round(sorted[sorted.length - 1]!) };
}

function time(fn: () => void): number[] {
  for (let i = 0; i < 20; i++) fn(); // warm-up, not counted
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times;
}

const edited = applyListenerExposures(text, exposures);
if (!edited.changed) throw new Error('benchmark input is miswired: nothing to change');
const bytes = Buffer.from(text, 'latin1');
const read = {
  result: 'read' as const,
  sha256: sha256Hex(bytes),
  contentBase64: bytes.toString('base64'),
  mode: '644',
  owner: 'kafka:kafka',
};

const edit = stats(time(() => applyListenerExposures(text, exposures)));
const noop = stats(time(() => applyListenerExposures(edited.text, exposures)));
const plan = stats(
  time(() => planWrite(read, exposures, { path: '/opt/kafka/config/server.properties', expectedNodeId: 1 })),
);

console.log(
  JSON.stringify({
    bench: 'properties-edit',
    lines: text.split('\n').length - 1,
    bytes: bytes.length,
    runs,
    ...edit,
    noop,
    planWrite: plan,
    targetMs: 5,
    withinTarget: edit.medianMs <= 5,
    node: process.version,
  }),
);
