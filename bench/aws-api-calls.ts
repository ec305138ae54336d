/**
 * Benchmark: AWS API calls of one scheduled drift check (drift-check state machine: discover + plan, no drift) for
 * a cluster of 48 brokers already applied, with the Lambda default target observation (`ledger`: the NLB mapping
 * tags plus the bootstrap group's health, a few groups audited per run) and the naive per-target-group
 * observation (`describe`: DescribeTargetHealth for every mapping). Runs on the test bed of test/aws/bed.ts (the
 * stateful fake of EC2/ELBv2/SSM, 48 Kafka-protocol test brokers). Prints one JSON line (target: ≤ 12 calls).
 *
 *   npx node bench/aws-api-calls.ts
 */
import { AwsBed, CLUSTER } from '../test/aws/bed.ts';

const BROKERS = 48;

async function driftCheckCalls(mode: 'ledger' | 'describe') {
  const bed = await AwsBed.start({ brokers: BROKERS, targets: { mode } });
  try {
    await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    bed.aws.resetCalls();
    const { output } = await bed.run('drift-check', { cluster: CLUSTER });
    const drift = (output as { drift: number }).drift;
    const byOperation: Record<string, number> = {};
    for (const call of bed.aws.calls()) {
      const key = `${call.service}:${call.operation}`;
      byOperation[key] = (byOperation[key] ?? 0) + 1;
    }
    return { drift, calls: bed.aws.calls().length, byOperation };
  } finally {
    await bed.close();
  }
}

const ledger = await driftCheckCalls('ledger');
const naive = await driftCheckCalls('describe');
console.log(
  JSON.stringify({
    bench: 'aws-api-calls',
    brokers: BROKERS,
    driftFound: ledger.drift,
    calls: ledger.calls,
    naiveCalls: naive.calls,
    target: 12,
    ok: ledger.calls <= 12 && ledger.drift === 0,
    byOperation: ledger.byOperation,
    naiveByOperation: naive.byOperation,
    note: 'one drift-check execution; the EC2 AZ-id map is cached per container (DescribeAvailabilityZones only on a cold container)',
  }),
);
