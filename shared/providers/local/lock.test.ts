import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../ports.ts';
import { LocalProviderUnsupported, LockFileInvalid } from './errors.ts';
import { clusterLockFile, createLocalClusterLock } from './lock.ts';
import { readLockFile } from './lock-file.ts';

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
    });
    expect(await lock.acquire('orders', 'exec-b', 60)).toEqual({
      acquired: false,
      holder: 'exec-a',
      expiresAt: '2026-03-01T12:01:00.000Z',
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
});
