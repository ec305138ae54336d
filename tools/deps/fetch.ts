import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dependencies } from './registry.ts';

/*
 * Ensures every test dependency of tools/deps/registry.ts is in the cache (`.cache/` at the project root, or
 * BROKERLINK_CACHE_DIR). Run by `npm test` before vitest; safe to run again at any time.
 */

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = process.env.BROKERLINK_CACHE_DIR ?? join(projectRoot, '.cache');

async function main(): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  for (const dependency of dependencies) {
    const started = Date.now();
    try {
      await dependency.ensure(cacheDir);
    } catch (error) {
      process.stderr.write(`tools/deps: could not fetch ${dependency.name}: ${(error as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`tools/deps: ${dependency.name} ready (${seconds} s)\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
