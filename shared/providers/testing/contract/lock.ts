/*
 * The ClusterLock port's contract (shared/ports.ts): one execution per cluster at a time; an expired lock may be
 * taken over; only its owner releases it. `advance` moves the subject's clock (the adapter is built with it).
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
  });
}
