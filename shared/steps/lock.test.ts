import { describe, expect, it } from 'vitest';
import { LockHeld, LockLost } from './errors.ts';
import { acquireLock, checkFence } from './lock.ts';
import { memoryLock } from './testing/fakes.ts';

/* The lock steps over the port's in-memory model: takeover line, LockHeld wording, the fence. */

describe('acquireLock', () => {
  it('returns the fencing generation, and logs one line when it takes over from a holder that is gone', async () => {
    const lock = memoryLock();
    const lines: string[] = [];
    const first = await acquireLock({ cluster: 'orders', owner: 'run-a', ttlSeconds: 600 }, { lock }, (l) =>
      lines.push(l),
    );
    expect(first).toMatchObject({ owner: 'run-a', generation: 1 });
    expect(first.tookOver).toBeUndefined();
    lock.markGone('orders');
    const second = await acquireLock({ cluster: 'orders', owner: 'run-b', ttlSeconds: 600 }, { lock }, (l) =>
      lines.push(l),
    );
    expect(second).toMatchObject({ owner: 'run-b', generation: 2 });
    expect(lines).toEqual([
      expect.stringMatching(
        /^brokerlink: took over the lock of cluster "orders" from run-a \(held since .+, generation 1\): run-a is gone \(memory lock\)$/,
      ),
    ]);
  });

  it('refuses with LockHeld naming the holder, since when, and what to do', async () => {
    const lock = memoryLock();
    await acquireLock({ cluster: 'orders', owner: 'run-a', ttlSeconds: 600 }, { lock });
    const error = await acquireLock({ cluster: 'orders', owner: 'run-b', ttlSeconds: 600 }, { lock }).catch((e) => e);
    expect(error).toBeInstanceOf(LockHeld);
    expect(error.message).toMatch(
      /^cluster "orders" is locked by run-a \(run-a is running \(memory lock\); since .+, lease until .+\)\. It is still working/,
    );
    expect(error.context).toMatchObject({ holder: 'run-a', generation: 1, holderState: 'running' });
  });
});

describe('checkFence', () => {
  it('passes while the run holds its generation, and stops it with LockLost once another run holds the lock', async () => {
    const lock = memoryLock();
    const held = await acquireLock({ cluster: 'orders', owner: 'run-a', ttlSeconds: 600 }, { lock });
    await expect(checkFence(held, 'restarting broker 1', { lock })).resolves.toBeUndefined();
    await lock.clear('orders', { force: true });
    await expect(checkFence(held, 'restarting broker 1', { lock })).rejects.toThrow(
      /the lock was cleared \(nobody holds it now\)\. Stopped before restarting broker 1/,
    );
    await acquireLock({ cluster: 'orders', owner: 'run-b', ttlSeconds: 600 }, { lock });
    const lost = await checkFence(held, 'restarting broker 1', { lock }).catch((e) => e);
    expect(lost).toBeInstanceOf(LockLost);
    expect(lost.message).toContain('it is held by run-b since');
  });
});
