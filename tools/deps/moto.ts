import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Dependency } from './registry.ts';

/*
 * moto (PyPI), an independent AWS API emulator, in server mode: the second AWS the AWS adapters are checked
 * against (test/aws/moto/). Installed into a virtualenv under the cache, with every Python package pinned by
 * `moto-constraints.txt` (moto's own pin plus its whole dependency closure, as `pip freeze` listed it), so a fresh
 * machine gets exactly the tested set. Idempotent: the stamp file records what was installed.
 */

export const MOTO_VERSION = '5.2.5';
const CONSTRAINTS = new URL('./moto-constraints.txt', import.meta.url);
const execFileAsync = promisify(execFile);

export function motoVenv(cacheDir: string): string {
  return join(cacheDir, `moto-${MOTO_VERSION}`);
}

/** The `moto_server` executable of the cached virtualenv. */
export function motoServerBin(cacheDir: string): string {
  return join(motoVenv(cacheDir), 'bin', 'moto_server');
}

export const moto: Dependency = {
  name: `moto ${MOTO_VERSION}`,
  async ensure(cacheDir) {
    const venv = motoVenv(cacheDir);
    const stamp = join(venv, '.brokerlink-installed');
    const constraints = await readFile(CONSTRAINTS, 'utf8');
    if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === constraints && existsSync(motoServerBin(cacheDir))) {
      return;
    }
    await rm(venv, { recursive: true, force: true });
    const run = (command: string, args: string[]) =>
      execFileAsync(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
    await run('python3', ['-m', 'venv', venv]);
    const pip = join(venv, 'bin', 'pip');
    await run(pip, [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-input',
      '--constraint',
      CONSTRAINTS.pathname,
      `moto[server]==${MOTO_VERSION}`,
    ]);
    await writeFile(stamp, constraints);
  },
};
