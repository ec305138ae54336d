/**
 * Runs every benchmark script in bench/ (one figure each) one after another and prints their JSON lines.
 * `npm run bench` — or one script: `npx node bench/<name>.ts`. Results and commands: docs/BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((name) => name.endsWith('.ts') && name !== 'run-all.ts' && !name.startsWith('_'))
  .filter((name) => only.length === 0 || only.some((filter) => name.includes(filter)))
  .sort();

let failed = 0;
for (const script of scripts) {
  process.stderr.write(`# ${script}\n`);
  const result = spawnSync(process.execPath, [`${dir}${script}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`# ${script} exited with ${result.status}\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
