/**
 * Benchmark: start-up time and peak memory of the `brokerlink` CLI per command, as a fresh process on this Node
 * (bin/brokerlink.js, what `npx brokerlink` runs). For each command: `<command> --help` (the entry point alone),
 * and the command's own start-up — run on a spec file that does not exist, so it loads everything the command imports
 * and stops at the first file read — plus real offline runs of validate, plan --observed and render-config.
 * Prints one JSON line per case (median wall time over the runs, peak RSS; targets: --help ≤ 150 ms and ≤ 80 MB,
 * validate ≤ 300 ms).
 *
 *   npx node bench/cli-startup.ts [runs=5]
 * `BENCH_BIN=<path to a brokerlink.js>` times another checkout (how the "before" figures were taken).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = process.env.BENCH_BIN ?? join(root, 'bin', 'brokerlink.js');
const hook = join(root, 'bench', '_exit-usage.mjs');
const spec = join(root, 'docs', 'examples', 'aws-orders.yaml');
const observed = join(root, 'docs', 'examples', 'aws-orders.observed.json');
const missing = join(tmpdir(), 'brokerlink-bench-no-such-spec.yaml');
const work = mkdtempSync(join(tmpdir(), 'bl-bench-cli-'));

const cases: { name: string; argv: string[]; exit: number; bare?: true }[] = [
  { name: 'node -e 0 (Node alone, for scale)', argv: ['-e', '0'], exit: 0, bare: true },
  { name: '--help', argv: ['--help'], exit: 0 },
  ...['validate', 'plan', 'render-config', 'apply', 'verify', 'drift', 'push-spec', 'testbroker', 'local-lb'].map(
    (command) => ({ name: `${command} --help`, argv: [command, '--help'], exit: 0 }),
  ),
  ...['validate', 'plan', 'apply', 'verify', 'drift', 'push-spec'].map((command) => ({
    name: `${command} (load, no spec file)`,
    argv: [command, missing],
    exit: 3,
  })),
  { name: 'validate aws-orders.yaml', argv: ['validate', spec], exit: 0 },
  { name: 'plan --observed', argv: ['plan', spec, '--observed', observed], exit: 0 },
  { name: 'render-config --observed', argv: ['render-config', spec, '--broker', '2', '--observed', observed], exit: 0 },
];

const TARGETS: Record<string, { ms: number; rssMiB?: number }> = {
  '--help': { ms: 150, rssMiB: 80 },
  'validate aws-orders.yaml': { ms: 300 },
};

try {
  for (const c of cases) {
    const times: number[] = [];
    const cpu: number[] = [];
    let rss = 0;
    for (let i = 0; i < runs; i++) {
      const usageFile = join(work, `usage-${i}.json`);
      const started = performance.now();
      const result = spawnSync(process.execPath, ['--import', hook, ...(c.bare ? [] : [bin]), ...c.argv], {
        env: { ...process.env, BROKERLINK_EXIT_USAGE: usageFile },
        encoding: 'utf8',
      });
      times.push(performance.now() - started);
      if (result.status !== c.exit) {
        throw new Error(`${c.name}: exit ${result.status}, expected ${c.exit}: ${result.stderr.slice(0, 300)}`);
      }
      const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRssKiB: number; cpuMs: number };
      rss = Math.max(rss, usage.maxRssKiB);
      cpu.push(usage.cpuMs);
    }
    const median = (values: number[]) => Math.round(values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
    const medianMs = median(times);
    const maxRssMiB = Math.round(rss / 1024);
    const target = TARGETS[c.name];
    console.log(
      JSON.stringify({
        bench: 'cli-startup',
        case: c.name,
        runs,
        medianMs,
        medianCpuMs: median(cpu),
        maxRssMiB,
        ...(target
          ? {
              targetMs: target.ms,
              ...(target.rssMiB ? { targetRssMiB: target.rssMiB } : {}),
              withinTarget: medianMs <= target.ms && (target.rssMiB === undefined || maxRssMiB <= target.rssMiB),
            }
          : {}),
        node: process.version,
      }),
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
