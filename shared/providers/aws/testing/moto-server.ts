/*
 * Test support: moto (https://github.com/getmoto/moto, PyPI `moto[server]`), an independent AWS API emulator, in
 * server mode on a loopback address: the second AWS the adapters are checked against, besides the fake model of
 * this folder. Installed by tools/deps/moto.ts into the cache (`npm test` runs it first). A server binds a free
 * port (port 0, read back from moto's start line) on 127.0.4.x (the AWS/moto block of the team's loopback plan),
 * is bounded in time (killed after `lifetimeMs` whatever happens) and stops with `close()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { motoServerBin } from '../../../../tools/deps/moto.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const CACHE_DIR = process.env['BROKERLINK_CACHE_DIR'] ?? join(REPO, '.cache');

export interface MotoServer {
  /** `http://127.0.4.x:<port>` */
  endpoint: string;
  /** Forgets every resource (moto's reset API), so a test starts from an empty account. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export function motoInstalled(): boolean {
  return existsSync(motoServerBin(CACHE_DIR));
}

export async function startMoto(options: { host?: string; lifetimeMs?: number; startTimeoutMs?: number } = {}) {
  const bin = motoServerBin(CACHE_DIR);
  if (!existsSync(bin)) {
    throw new Error(`moto is not installed at ${bin}: run \`npx node tools/deps/fetch.ts\` (npm test does it first)`);
  }
  const host = options.host ?? `127.0.4.${10 + Math.floor(Math.random() * 200)}`;
  const child: ChildProcess = spawn(bin, ['-H', host, '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', LANG: 'C.UTF-8' },
  });
  const lifetime = setTimeout(() => child.kill('SIGKILL'), options.lifetimeMs ?? 600_000);
  lifetime.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    clearTimeout(lifetime);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let output = '';
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`moto_server did not start within ${options.startTimeoutMs ?? 30_000} ms: ${output}`)),
        options.startTimeoutMs ?? 30_000,
      );
      const scan = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Running on (http:\/\/[0-9.]+:\d+)/.exec(output);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout?.on('data', scan);
      child.stderr?.on('data', scan);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`moto_server exited (${code}) before it started: ${output}`));
      });
    });
    const server: MotoServer = {
      endpoint,
      reset: async () => {
        const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
        if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
      },
      close: stop,
    };
    return server;
  } catch (error) {
    await stop();
    throw error;
  }
}
