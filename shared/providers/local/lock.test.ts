import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../ports.ts';
import { LocalProviderUnsupported, LockFileInvalid } from './errors.ts';
import { clusterLockFile, createLocalClusterLock } from './lock.ts';
import { processStartedAt, readLockFile } from './lock-file.ts';

let dir: string;
let stateFile: string;
let nowMs: number;
const clock: Clock = { now: () => new Date(nowMs) };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bl-local-lock-'));
  stateFile = join(dir, 'lb.json');
  nowMs = Date.parse('2026-03-01T12:00:00.000Z');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local cluster lock', () => {
  it('gives the lock to the first owner and reports the holder to the next', async () => {
    const lock = createLocalClusterLock({ stateFile, clock });
    expect(await lock.acquire('orders', 'exec-a', 60)).toEqual({
      acquired: true,
      owner: 'exec-a',
      expiresAt: '2026-03-01T12:01:00.000Z',
      generation: 1,
    });
    expect(await lock.acquire('orders', 'exec-b', 60)).toEqual({
      acquired: false,
      holder: 'exec-a',
      expiresAt: '2026-03-01T12:01:00.000Z',
      status: {
        holder: {
          owner: 'exec-a',
          acquiredAt: '2026-03-01T12:00:00.000Z',
          expiresAt: '2026-03-01T12:01:00.000Z',
          generation: 1,
          process: { host: hostname(), pid: process.pid },
        },
        state: 'running',
        expired: false,
        detail: `process ${process.pid} on ${hostname()} is running`,
      },
    });
    expect(await readLockFile(clusterLockFile(stateFile, 'orders'))).toMatchObject({ owner: 'exec-a' });
  });

  it('keeps clusters apart', async () => {
    const lock = createLocalClusterLock({ stateFile, clock });
    expect((await lock.acquire('orders', 'a', 60)).acquired).toBe(true);
    expect((await lock.acquire('payments', 'b', 60)).acquired).toBe(true);
  });

  it('lets another owner take over once the lock expired', async () => {
    const lock = createLocalClusterLock({ stateFile, clock });
    await lock.acquire('orders', 'exec-a', 60);
    nowMs += 59_000;
    expect((await lock.acquire('orders', 'exec-b', 60)).acquired).toBe(false);
    nowMs += 1_000;
    expect(await lock.acquire('orders', 'exec-b', 60)).toMatchObject({ acquired: true, owner: 'exec-b' });
    // the old owner's release must not free the new owner's lock
    await lock.release('orders', 'exec-a');
    expect(await lock.acquire('orders', 'exec-c', 60)).toMatchObject({ acquired: false, holder: 'exec-b' });
  });

  it('renews the expiry when the holder acquires again', async () => {
    const lock = createLocalClusterLock({ stateFile, clock });
    await lock.acquire('orders', 'exec-a', 60);
    nowMs += 30_000;
    expect(await lock.acquire('orders', 'exec-a', 60)).toEqual({
      acquired: true,
      owner: 'exec-a',
      expiresAt: '2026-03-01T12:01:30.000Z',
      generation: 1,
    });
  });

  it('releases only for the holder; releasing a free lock is a no-op', async () => {
    const lock = createLocalClusterLock({ stateFile, clock });
    await lock.release('orders', 'nobody');
    await lock.acquire('orders', 'exec-a', 60);
    await lock.release('orders', 'exec-b');
    expect((await lock.acquire('orders', 'exec-b', 60)).acquired).toBe(false);
    await lock.release('orders', 'exec-a');
    expect((await lock.acquire('orders', 'exec-b', 60)).acquired).toBe(true);
  });

  it('hands an expired lock to exactly one of many simultaneous contenders', async () => {
    const lock = createLocalClusterLock({ stateFile, clock });
    await lock.acquire('orders', 'old', 1);
    nowMs += 2_000;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => createLocalClusterLock({ stateFile, clock }).acquire('orders', `c${i}`, 60)),
    );
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    for (const r of results) {
      if (!r.acquired) expect(r.holder).toBe(winner.acquired ? winner.owner : '');
    }
    // no leftovers from the takeover dance
    expect((await readdir(dir)).sort()).toEqual(['lb.json.orders.lock']);
  });

  it('refuses a corrupted lock file instead of overwriting it', async () => {
    const lock = createLocalClusterLock({ stateFile, clock });
    await writeFile(clusterLockFile(stateFile, 'orders'), 'garbage');
    await expect(lock.acquire('orders', 'a', 60)).rejects.toThrow(LockFileInvalid);
  });

  it('rejects cluster names that are not safe file name parts', async () => {
    const lock = createLocalClusterLock({ stateFile, clock });
    await expect(lock.acquire('../etc', 'a', 60)).rejects.toThrow(LocalProviderUnsupported);
  });

  it('takes over at once from a holder process that was killed (SIGKILL), saying so; a new generation', async () => {
    const file = clusterLockFile(stateFile, 'orders');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const startedAt = processStartedAt(child.pid!);
      // The child's record, as a run in that process writes it (its own pid, its start time).
      await writeFile(
        file,
        `${JSON.stringify({ owner: 'exec-killed', expiresAt: '2026-03-01T18:00:00.000Z', acquiredAt: '2026-03-01T12:00:00.000Z', pid: child.pid, host: hostname(), ...(startedAt ? { pidStartedAt: startedAt } : {}), generation: 4, nonce: 'nonce-of-the-killed-run' })}\n`,
      );
      const lock = createLocalClusterLock({ stateFile, clock });
      expect(await lock.acquire('orders', 'exec-next', 60)).toMatchObject({ acquired: false, holder: 'exec-killed' });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(await lock.acquire('orders', 'exec-next', 60)).toEqual({
        acquired: true,
        owner: 'exec-next',
        expiresAt: '2026-03-01T12:01:00.000Z',
        generation: 5,
        tookOver: expect.objectContaining({
          holder: expect.objectContaining({ owner: 'exec-killed', generation: 4 }),
          state: 'gone',
          detail: `process ${child.pid} on ${hostname()} is gone`,
        }),
      });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('treats a reused pid as gone: the recorded start time is not the process now behind the pid', async () => {
    const file = clusterLockFile(stateFile, 'orders');
    const mine = processStartedAt(process.pid);
    if (mine === undefined) return; // no /proc: pid reuse cannot be told on this system
    await writeFile(
      file,
      `${JSON.stringify({ owner: 'exec-old', expiresAt: '2026-03-01T18:00:00.000Z', acquiredAt: '2026-03-01T11:00:00.000Z', pid: process.pid, host: hostname(), pidStartedAt: String(Number(mine) - 1), generation: 2, nonce: 'nonce-of-an-older-process' })}\n`,
    );
    const lock = createLocalClusterLock({ stateFile, clock });
    expect(await lock.status('orders')).toMatchObject({
      state: 'gone',
      detail: expect.stringContaining('now belongs to another process'),
    });
    expect(await lock.acquire('orders', 'exec-new', 60)).toMatchObject({ acquired: true, generation: 3 });
  });

  it('cannot check a holder on another host: it waits for the lease, and unlock needs --force', async () => {
    const file = clusterLockFile(stateFile, 'orders');
    await writeFile(
      file,
      `${JSON.stringify({ owner: 'exec-elsewhere', expiresAt: '2026-03-01T18:00:00.000Z', acquiredAt: '2026-03-01T11:00:00.000Z', pid: 4242, host: 'another-host.example', generation: 7, nonce: 'nonce-of-another-host' })}\n`,
    );
    const lock = createLocalClusterLock({ stateFile, clock });
    expect(await lock.acquire('orders', 'exec-here', 60)).toMatchObject({
      acquired: false,
      status: { state: 'unknown', detail: expect.stringContaining('another host') },
    });
    expect(await lock.clear('orders', { force: false })).toMatchObject({
      cleared: false,
      status: { state: 'unknown' },
    });
    expect(await lock.clear('orders', { force: true })).toMatchObject({
      cleared: true,
      status: { holder: { owner: 'exec-elsewhere', generation: 7 } },
    });
    expect(await lock.status('orders')).toBeUndefined();
    expect(await lock.acquire('orders', 'exec-here', 60)).toMatchObject({ acquired: true });
  });

  it('clears an expired lock without --force, and a running holder only with it', async () => {
    const lock = createLocalClusterLock({ stateFile, clock });
    await lock.acquire('orders', 'exec-a', 60);
    expect(await lock.clear('orders', { force: false })).toMatchObject({
      cleared: false,
      status: { state: 'running' },
    });
    nowMs += 61_000;
    expect(await lock.clear('orders', { force: false })).toMatchObject({ cleared: true, status: { expired: true } });
    expect(await lock.clear('orders', { force: false })).toEqual({ cleared: false });
  });
});
