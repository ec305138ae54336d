/**
 * Wall time of `npm start` (demo/main.ts as a child process, as a person runs it), over BENCH_RUNS runs (default 3).
 *
 *   npx node bench/demo-wall.ts
 *
 * Prints one JSON line: every run's wall time, the median, and whether every run exited 0 (target: < 60 s).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const repo = fileURLToPath(new URL('..', import.meta.url));

function once(): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['demo/main.ts'], {
      cwd: repo,
      stdio: 'ignore',
      env: { ...process.env, NO_COLOR: '1' },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, code });
    });
  });
}

const results: { ms: number; code: number | null }[] = [];
for (let i = 0; i < runs; i++) results.push(await once());
const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
process.stdout.write(
  `${JSON.stringify({
    bench: 'demo-wall',
    runs,
    wallMs: results.map((r) => Math.round(r.ms)),
    medianMs: Math.round(median),
    allExitedZero: results.every((r) => r.code === 0),
    target: 60_000,
    meetsTarget: median < 60_000 && results.every((r) => r.code === 0),
  })}\n`,
);
