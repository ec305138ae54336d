/**
 * Rolling-restart overhead: N test brokers that take R ms to come back after a restart, one full apply through
 * the real provision state machine (demo/lab.ts). The roll (RollingRestart Map, from entering it to leaving it)
 * is compared with its lower bound N × R. Target: ≤ 1.10 ×.
 *
 *   npx node bench/roll-overhead.ts            # N=5, R=2000 ms, Wait states 50 ms, 2 healthy checks
 *   BENCH_N=5 BENCH_R_MS=3000 BENCH_WAIT_MS=100 BENCH_HEALTHY_CHECKS=3 npx node bench/roll-overhead.ts
 *
 * Prints one JSON line. Wait states are scaled down (waitMs) as everywhere locally; in the cloud they are 3-10 s.
 */
import { startLab } from '../demo/lab.ts';

const n = Number(process.env['BENCH_N'] ?? 5);
const restartMs = Number(process.env['BENCH_R_MS'] ?? 2000);
const waitMs = Number(process.env['BENCH_WAIT_MS'] ?? 50);
const healthyChecks = Number(process.env['BENCH_HEALTHY_CHECKS'] ?? 2);

const lab = await startLab({
  brokerIds: Array.from({ length: n }, (_, i) => i + 1),
  restartDelayMs: restartMs,
  waitMs,
  rollout: { healthyChecks, healthTimeoutSeconds: Math.max(10, Math.ceil((restartMs * 3) / 1000)) },
  topic: { name: 'orders', partitions: 2 * n, replicationFactor: 3, minInsyncReplicas: 2 },
});
let code = 0;
try {
  let rollStart = 0;
  let rollEnd = 0;
  const perBroker: Record<number, number> = {};
  const itemStart = new Map<number, number>();
  const started = performance.now();
  const out = (await lab.run('provision', undefined, {
    onEvent: (event) => {
      if (event.type === 'StateEntered' && event.state.name === 'RollingRestart') rollStart = event.timestamp;
      if (event.type === 'StateExited' && event.state.name === 'RollingRestart') rollEnd = event.timestamp;
      if (event.type === 'StateEntered' && event.state.name === 'CheckCanRoll') {
        for (const id of (event.state.input as { brokerIds?: number[] }).brokerIds ?? []) {
          if (!itemStart.has(id)) itemStart.set(id, event.timestamp);
        }
      }
      if (event.type === 'StateExited' && event.state.name === 'BatchRolled') {
        for (const id of (event.state.input as { brokerIds?: number[] }).brokerIds ?? []) {
          perBroker[id] = event.timestamp - itemStart.get(id)!;
        }
      }
    },
  })) as { report: { changes: { restarted: number[] } }; verification: { ok: boolean } };
  const applyMs = performance.now() - started;
  const rollMs = rollEnd - rollStart;
  const lowerBoundMs = n * restartMs;
  const ratio = rollMs / lowerBoundMs;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'roll-overhead',
      brokers: n,
      restartDelayMs: restartMs,
      waitMs,
      healthyChecks,
      restarted: out.report.changes.restarted.length,
      verified: out.verification.ok,
      rollMs: Math.round(rollMs),
      lowerBoundMs,
      ratio: Number(ratio.toFixed(3)),
      target: 1.1,
      meetsTarget: ratio <= 1.1,
      overheadPerBrokerMs: Math.round((rollMs - lowerBoundMs) / n),
      perBrokerMs: perBroker,
      applyMs: Math.round(applyMs),
    })}\n`,
  );
} catch (error) {
  process.stderr.write(`roll-overhead failed: ${(error as Error).stack}\n`);
  code = 1;
} finally {
  await lab.close();
}
process.exit(code);
