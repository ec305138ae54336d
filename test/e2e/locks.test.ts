/**
 * End to end on the local provider: live cluster locks (issue 13, item 3).
 *  - A run killed with SIGKILL leaves its lock behind; the next run sees that its holder process is gone and takes
 *    the lock over at once, saying so — instead of waiting out the 6-hour lease. `brokerlink unlock` shows the holder
 *    and clears it (a live holder only with --force).
 *  - Fencing: a run whose lock was removed under it, and taken by another run, stops at its next mutating step with
 *    LockLost: no broker is restarted twice.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { type Lab, startLab } from '../../demo/lab.ts';
import { createLocalClusterLock } from '../../shared/providers/local/lock.ts';
import { apply, failure, lockFileExists, restartCounts } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/brokerlink.js', import.meta.url));

let lab: Lab | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  vi.restoreAllMocks();
  await lab?.close();
  lab = undefined;
});

/** The lab's spec as a file the real CLI can run: the brokers' files under the lab's hosts folder. */
async function cliSpec(current: Lab): Promise<string> {
  const spec = current.spec();
  spec.provider = { local: { ...spec.provider.local!, hostsDir: current.hostsDir } };
  const file = join(current.dir, 'cli-spec.yaml');
  await writeFile(file, stringify(spec));
  return file;
}

function lockFile(current: Lab): string {
  return `${current.stateFile}.${current.spec().cluster}.lock`;
}

/** Starts `brokerlink apply` as its own process and SIGKILLs it as soon as it holds the cluster lock. */
async function applyKilledHoldingTheLock(current: Lab): Promise<number> {
  const spec = await cliSpec(current);
  const started = spawn(process.execPath, [BIN, 'apply', spec, '--wait-ms', '20'], { stdio: 'ignore' });
  child = started;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const text = await readFile(lockFile(current), 'utf8').catch(() => '');
    if (text !== '' && (JSON.parse(text) as { pid: number }).pid === started.pid) {
      started.kill('SIGKILL');
      await new Promise((resolve) => started.once('exit', resolve));
      return started.pid!;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the CLI apply never took the lock');
}

function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...argv], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

const OPTIONS = { drift: 'report' as const, waitMs: 10, rollout: { healthyChecks: 1 } };

describe('live locks, end to end', () => {
  it('the next apply takes over the lock of a run killed with SIGKILL, with a log line, and converges', async () => {
    lab = await startLab(OPTIONS);
    const killedPid = await applyKilledHoldingTheLock(lab);
    expect(lockFileExists(lab)).toBe(true);

    const warnings: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((line: unknown) => void warnings.push(String(line)));
    const out = await apply(lab);
    expect(out.verification.ok).toBe(true);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^brokerlink: took over the lock of cluster "demo" from local:provision:[0-9a-f-]+ \\(held since .+, generation 1\\): process ${killedPid} on ${hostname().replace(/[.]/g, '\\.')} is gone$`,
        ),
      ),
    ]);
    expect(lockFileExists(lab)).toBe(false);
  }, 120_000);

  it('brokerlink unlock shows the holder and clears a killed run’s lock; a live holder’s only with --force', async () => {
    lab = await startLab(OPTIONS);
    const killedPid = await applyKilledHoldingTheLock(lab);
    const spec = join(lab.dir, 'cli-spec.yaml');

    const cleared = await runCli(['unlock', spec]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toContain('cluster "demo" is locked by local:provision:');
    expect(cleared.stdout).toContain(`holder      process ${killedPid} on ${hostname()} is gone`);
    expect(cleared.stdout).toContain('cleared the lock of cluster "demo"');
    expect(lockFileExists(lab)).toBe(false);

    // A holder that runs: this test process.
    const lock = createLocalClusterLock({ stateFile: lab.stateFile });
    expect(await lock.acquire('demo', 'local:provision:still-running', 3600)).toMatchObject({ acquired: true });
    const refused = await runCli(['unlock', spec]);
    expect(refused.code).toBe(4); // another run holds the lock: exit 4, as from apply
    expect(refused.stdout).toContain(`process ${process.pid} on ${hostname()} is running`);
    expect(refused.stdout).toContain('not cleared: its holder is still running');
    expect(lockFileExists(lab)).toBe(true);

    const failed = await failure(apply(lab));
    expect(failed.error).toBe('LockHeld');
    expect(failed.detail).toMatch(
      /^cluster "demo" is locked by local:provision:still-running \(process \d+ on .+ is running; since .+, lease until .+\)\. It is still working: wait for it to finish/,
    );

    const forced = await runCli(['unlock', spec, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({
      cluster: 'demo',
      force: true,
      cleared: true,
      status: { state: 'running', holder: { owner: 'local:provision:still-running', generation: 1 } },
    });
    expect(lockFileExists(lab)).toBe(false);
    expect((await runCli(['unlock', spec])).stdout).toContain('cluster "demo" is not locked');
  }, 120_000);

  it('fencing: a run whose lock is removed and taken by another run stops with LockLost; no broker restarts twice', async () => {
    lab = await startLab(OPTIONS);
    const current = lab;
    let second: Awaited<ReturnType<typeof apply>> | undefined;
    const first = apply(current, {
      executionId: 'local:provision:first',
      wrapTask: (name, run) => async (input) => {
        if (name === 'advanceRestart' && second === undefined) {
          // The first run is about to restart its first broker. Someone removes its lock, and a second run takes the
          // lock and does the whole apply, restarting every broker once.
          const { rm } = await import('node:fs/promises');
          await rm(lockFile(current));
          second = await apply(current, { executionId: 'local:provision:second' });
        }
        return run(input);
      },
    });
    const failed = await failure(first);
    expect(failed.error).toBe('LockLost');
    expect(failed.detail).toMatch(
      /^this run \(local:provision:first, lock generation 1\) no longer holds the lock of cluster "demo": the lock was cleared \(nobody holds it now\)\. Stopped before restarting broker \d+; nothing more was changed\./,
    );
    expect(second?.verification.ok).toBe(true);
    expect(second?.report.changes.restarted.length).toBe(3);
    expect(restartCounts(current)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(lockFileExists(current)).toBe(false);
  }, 120_000);

  it('fencing: a run that meets another run holding its lock names that run', async () => {
    lab = await startLab(OPTIONS);
    const current = lab;
    const other = createLocalClusterLock({ stateFile: current.stateFile });
    let taken = false;
    const failed = await failure(
      apply(current, {
        executionId: 'local:provision:paused',
        wrapTask: (name, run) => async (input) => {
          if (name === 'applyLoadBalancer' && !taken) {
            taken = true;
            const { rm } = await import('node:fs/promises');
            await rm(lockFile(current));
            await other.acquire('demo', 'local:provision:newer', 3600);
          }
          return run(input);
        },
      }),
    );
    expect(failed.error).toBe('LockLost');
    expect(failed.detail).toContain('it is held by local:provision:newer since');
    expect(failed.detail).toContain('Stopped before changing the load balancer (targets)');
    expect((await current.readState()).mappings).toEqual([]);
    expect(Object.values(restartCounts(current))).toEqual([0, 0, 0]);
    await other.release('demo', 'local:provision:newer');
  }, 120_000);
});
