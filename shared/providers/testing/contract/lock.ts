/*
 * The ClusterLock port's contract (shared/ports.ts): one execution per cluster at a time; an expired lock may be
 * taken over; only its owner releases it; every acquisition has a new generation (the fencing token mutating steps
 * check), a renewal keeps it; `holder`/`status` say who holds it and since when; `clear` removes a lock whose lease
 * is over, and any lock with `force`. `advance` moves the subject's clock (the adapter is built with it).
 *
 *   describeClusterLockContract('local (lock file)', async () => ({ lock, advance }));
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterLock } from '../../../ports.ts';

export interface ClusterLockSubject {
  lock: ClusterLock;
  /** Moves the adapter's clock on. */
  advance(seconds: number): void;
  close?(): Promise<void>;
}

export function describeClusterLockContract(adapter: string, makeSubject: () => Promise<ClusterLockSubject>) {
  describe(`ClusterLock contract: ${adapter}`, () => {
    let subject: ClusterLockSubject;
    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject.close?.();
    });

    it('gives the lock to exactly one of five racing contenders, and names it to the others', async () => {
      const owners = ['exec-1', 'exec-2', 'exec-3', 'exec-4', 'exec-5'];
      const results = await Promise.all(owners.map((owner) => subject.lock.acquire('orders', owner, 600)));
      const winners = results.filter((result) => result.acquired);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.acquired ? winners[0]!.owner : '';
      for (const result of results) {
        if (!result.acquired) expect(result.holder).toBe(winner);
      }
      expect(await subject.lock.acquire('orders', 'exec-6', 600)).toMatchObject({ acquired: false, holder: winner });
    });

    it('says until when it is held, and lets the holder renew it', async () => {
      const first = await subject.lock.acquire('orders', 'exec-a', 600);
      expect(first.acquired).toBe(true);
      subject.advance(300);
      const renewed = await subject.lock.acquire('orders', 'exec-a', 600);
      expect(renewed).toMatchObject({ acquired: true, owner: 'exec-a' });
      expect(Date.parse(renewed.expiresAt)).toBe(Date.parse(first.expiresAt) + 300_000);
    });

    it('lets another owner take over once the lock expired, and the old owner’s release then frees nothing', async () => {
      await subject.lock.acquire('orders', 'exec-a', 60);
      subject.advance(30);
      expect((await subject.lock.acquire('orders', 'exec-b', 60)).acquired).toBe(false);
      subject.advance(31);
      expect(await subject.lock.acquire('orders', 'exec-b', 60)).toMatchObject({ acquired: true, owner: 'exec-b' });
      await subject.lock.release('orders', 'exec-a');
      expect(await subject.lock.acquire('orders', 'exec-c', 60)).toMatchObject({ acquired: false, holder: 'exec-b' });
    });

    it('is released only by its owner; releasing a lock nobody holds is a no-op', async () => {
      await subject.lock.release('orders', 'nobody');
      await subject.lock.acquire('orders', 'exec-a', 600);
      await subject.lock.release('orders', 'exec-b');
      expect((await subject.lock.acquire('orders', 'exec-b', 600)).acquired).toBe(false);
      await subject.lock.release('orders', 'exec-a');
      expect(await subject.lock.acquire('orders', 'exec-b', 600)).toMatchObject({ acquired: true, owner: 'exec-b' });
    });

    it('keeps clusters apart', async () => {
      expect((await subject.lock.acquire('orders', 'exec-a', 600)).acquired).toBe(true);
      expect((await subject.lock.acquire('payments', 'exec-b', 600)).acquired).toBe(true);
    });

    it('gives each acquisition a new generation and keeps it on renewal: the fence a lost holder fails', async () => {
      const first = await subject.lock.acquire('orders', 'exec-a', 60);
      if (!first.acquired) throw new Error('expected the lock');
      const renewed = await subject.lock.acquire('orders', 'exec-a', 60);
      expect(renewed).toMatchObject({ acquired: true, generation: first.generation });
      expect(await subject.lock.holder('orders')).toMatchObject({ owner: 'exec-a', generation: first.generation });
      subject.advance(61);
      const taken = await subject.lock.acquire('orders', 'exec-b', 60);
      expect(taken).toMatchObject({
        acquired: true,
        owner: 'exec-b',
        tookOver: { holder: { owner: 'exec-a' }, expired: true },
      });
      if (!taken.acquired) throw new Error('expected the takeover');
      expect(taken.generation).toBeGreaterThan(first.generation);
      const now = await subject.lock.holder('orders');
      expect(now?.owner === 'exec-a' && now.generation === first.generation).toBe(false);
    });

    it('says who holds it, since when, and refuses the next owner with that status', async () => {
      expect(await subject.lock.status('orders')).toBeUndefined();
      await subject.lock.acquire('orders', 'exec-a', 600);
      const status = await subject.lock.status('orders');
      expect(status).toMatchObject({ holder: { owner: 'exec-a' }, expired: false });
      expect(['running', 'gone', 'unknown']).toContain(status?.state);
      expect(status?.holder.acquiredAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(await subject.lock.acquire('orders', 'exec-b', 600)).toMatchObject({
        acquired: false,
        holder: 'exec-a',
        status: { holder: { owner: 'exec-a' } },
      });
    });

    it('clears a lock whose lease is over, and a live one only with force', async () => {
      await subject.lock.acquire('orders', 'exec-a', 60);
      const held = await subject.lock.clear('orders', { force: false });
      if (held.status?.state !== 'gone') expect(held).toMatchObject({ cleared: false });
      subject.advance(61);
      expect(await subject.lock.clear('orders', { force: false })).toMatchObject({ cleared: true });
      expect(await subject.lock.holder('orders')).toBeUndefined();
      await subject.lock.acquire('orders', 'exec-b', 600);
      expect(await subject.lock.clear('orders', { force: true })).toMatchObject({
        cleared: true,
        status: { holder: { owner: 'exec-b' } },
      });
      expect(await subject.lock.clear('orders', { force: true })).toEqual({ cleared: false });
      expect(await subject.lock.acquire('orders', 'exec-c', 600)).toMatchObject({ acquired: true, owner: 'exec-c' });
    });
  });
}
