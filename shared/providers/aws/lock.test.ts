import { describe, expect, it } from 'vitest';
import { AwsThrottled, LockRecordCorrupt } from './errors.ts';
import { SsmClusterLock } from './lock.ts';
import { createFakeAws } from './testing/fake-aws.ts';

function setup(executions?: Map<string, string>) {
  const aws = createFakeAws();
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => new Date(now) };
  const lock = new SsmClusterLock({
    ssm: aws.clients.ssm,
    clock,
    ...(executions === undefined ? {} : { executionStatus: async (arn: string) => executions.get(arn) }),
  });
  return {
    aws,
    lock,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    generations: () =>
      [...aws.state.parameters.keys()].filter((name) => name.startsWith('/brokerlink/orders/lock/')).sort(),
  };
}

describe('SsmClusterLock', () => {
  it('creates the first generation with Overwrite=false and reports the expiry', async () => {
    const { aws, lock } = setup();
    expect(await lock.acquire('orders', 'exec-a', 600)).toEqual({
      acquired: true,
      owner: 'exec-a',
      expiresAt: '2026-01-01T00:10:00.000Z',
      generation: 1,
    });
    const [put] = aws.calls('ssm', 'PutParameter');
    expect(put?.input).toMatchObject({ Name: '/brokerlink/orders/lock/0000000001', Overwrite: false, Type: 'String' });
    expect(JSON.parse(String(put?.input['Value']))).toMatchObject({ owner: 'exec-a', released: false });
  });

  it('turns a second owner away while the lease runs, naming the holder', async () => {
    const { lock } = setup();
    await lock.acquire('orders', 'exec-a', 600);
    expect(await lock.acquire('orders', 'exec-b', 600)).toEqual({
      acquired: false,
      holder: 'exec-a',
      expiresAt: '2026-01-01T00:10:00.000Z',
      status: {
        holder: {
          owner: 'exec-a',
          acquiredAt: '2026-01-01T00:00:00.000Z',
          expiresAt: '2026-01-01T00:10:00.000Z',
          generation: 1,
        },
        state: 'unknown',
        expired: false,
        detail: 'exec-a is not a Step Functions execution',
      },
    });
  });

  it('lets the holder renew its lease', async () => {
    const { lock, advance, generations } = setup();
    await lock.acquire('orders', 'exec-a', 600);
    advance(300);
    expect(await lock.acquire('orders', 'exec-a', 600)).toMatchObject({
      acquired: true,
      expiresAt: '2026-01-01T00:15:00.000Z',
    });
    advance(500);
    expect(await lock.acquire('orders', 'exec-b', 600)).toMatchObject({ acquired: false, holder: 'exec-a' });
    expect(generations()).toHaveLength(1);
  });

  it('is free again after release, and release by a non-holder changes nothing', async () => {
    const { lock } = setup();
    await lock.acquire('orders', 'exec-a', 600);
    await lock.release('orders', 'exec-b');
    expect(await lock.acquire('orders', 'exec-b', 600)).toMatchObject({ acquired: false });
    await lock.release('orders', 'exec-a');
    await lock.release('orders', 'exec-a');
    expect(await lock.acquire('orders', 'exec-b', 600)).toMatchObject({ acquired: true, owner: 'exec-b' });
  });

  it('takes over an expired lease, and the late release of the old holder does not free it', async () => {
    const { lock, advance, generations } = setup();
    await lock.acquire('orders', 'exec-a', 60);
    advance(61);
    expect(await lock.acquire('orders', 'exec-b', 60)).toMatchObject({ acquired: true, owner: 'exec-b' });
    await lock.release('orders', 'exec-a');
    expect(await lock.acquire('orders', 'exec-c', 60)).toMatchObject({ acquired: false, holder: 'exec-b' });
    expect(generations()).toEqual(['/brokerlink/orders/lock/0000000002']);
  });

  it('lets exactly one of many simultaneous contenders take an expired lease', async () => {
    const { aws, lock, advance } = setup();
    await lock.acquire('orders', 'exec-old', 60);
    advance(120);
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => lock.acquire('orders', `exec-${id}`, 60)));
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.acquired ? winners[0]!.owner : '';
    for (const loser of results.filter((r) => !r.acquired)) expect(loser).toMatchObject({ holder: winner });
    // They really raced: the losers' creates of the same generation were refused by Parameter Store.
    expect(aws.calls('ssm', 'PutParameter').filter((c) => c.error === 'ParameterAlreadyExists')).toHaveLength(4);
  });

  it('backs off when a newer generation appeared while it was creating its own (a contender slower than a TTL)', async () => {
    const { aws, lock, advance } = setup();
    await lock.acquire('orders', 'exec-old', 60);
    advance(120);
    aws.afterNext('ssm', 'PutParameter', (state) => {
      state.parameters.set('/brokerlink/orders/lock/0000000003', {
        name: '/brokerlink/orders/lock/0000000003',
        value: JSON.stringify({ owner: 'exec-fast', expiresAt: '2026-01-01T01:00:00.000Z', released: false }),
        type: 'String',
        version: 1,
        tier: 'Standard',
        lastModified: new Date(),
      });
    });
    expect(await lock.acquire('orders', 'exec-slow', 60)).toMatchObject({ acquired: false, holder: 'exec-fast' });
    const mine = JSON.parse(aws.state.parameters.get('/brokerlink/orders/lock/0000000002')!.value);
    expect(mine).toMatchObject({ owner: 'exec-slow', released: true });
  });

  it('keeps only the current generation after many acquire/release cycles', async () => {
    const { lock, generations } = setup();
    for (let i = 0; i < 25; i++) {
      await lock.acquire('orders', `exec-${i}`, 60);
      await lock.release('orders', `exec-${i}`);
    }
    expect(generations()).toEqual(['/brokerlink/orders/lock/0000000025']);
  });

  it('names a lock parameter that does not hold a lock record', async () => {
    const aws = createFakeAws({ parameters: { '/brokerlink/orders/lock/0000000001': 'not json' } });
    const lock = new SsmClusterLock({ ssm: aws.clients.ssm });
    await expect(lock.acquire('orders', 'exec-a', 60)).rejects.toBeInstanceOf(LockRecordCorrupt);
  });

  it('maps throttling left after the SDK retries to AwsThrottled', async () => {
    const { aws, lock } = setup();
    aws.throttle('ssm', 'GetParametersByPath', 1);
    await expect(lock.acquire('orders', 'exec-a', 60)).rejects.toBeInstanceOf(AwsThrottled);
  });

  describe('live holders (the owner is an execution whose status is read)', () => {
    const A = 'arn:aws:states:us-west-2:123456789012:execution:brokerlink-provision-dev:run-a';
    const B = 'arn:aws:states:us-west-2:123456789012:execution:brokerlink-provision-dev:run-b';

    it('keeps the lock of a RUNNING execution and says so', async () => {
      const executions = new Map([[A, 'RUNNING']]);
      const { lock } = setup(executions);
      await lock.acquire('orders', A, 3600);
      expect(await lock.acquire('orders', B, 3600)).toMatchObject({
        acquired: false,
        status: { state: 'running', detail: `execution ${A} is RUNNING`, holder: { generation: 1 } },
      });
    });

    it('takes over at once from an execution that ended without releasing (FAILED, ABORTED, TIMED_OUT)', async () => {
      for (const ended of ['FAILED', 'ABORTED', 'TIMED_OUT']) {
        const executions = new Map([[A, 'RUNNING']]);
        const { lock, generations } = setup(executions);
        await lock.acquire('orders', A, 3600);
        executions.set(A, ended);
        expect(await lock.acquire('orders', B, 3600)).toMatchObject({
          acquired: true,
          owner: B,
          generation: 2,
          tookOver: { state: 'gone', detail: `execution ${A} is ${ended}`, holder: { owner: A, generation: 1 } },
        });
        expect(generations()).toEqual(['/brokerlink/orders/lock/0000000002']);
        // the old holder's late release does not free the new holder's lock
        await lock.release('orders', A);
        expect(await lock.status('orders')).toMatchObject({ holder: { owner: B, generation: 2 } });
      }
    });

    it('waits for the lease when the status cannot be read', async () => {
      const { lock } = setup(new Map());
      await lock.acquire('orders', A, 3600);
      expect(await lock.acquire('orders', B, 3600)).toMatchObject({
        acquired: false,
        status: { state: 'unknown', detail: `execution ${A} (its status cannot be read)` },
      });
    });

    it('clears a lock for unlock: a gone or expired holder without --force, a running one only with it', async () => {
      const executions = new Map([[A, 'RUNNING']]);
      const { lock } = setup(executions);
      await lock.acquire('orders', A, 3600);
      expect(await lock.clear('orders', { force: false })).toMatchObject({
        cleared: false,
        status: { state: 'running' },
      });
      expect(await lock.clear('orders', { force: true })).toMatchObject({
        cleared: true,
        status: { holder: { owner: A } },
      });
      expect(await lock.status('orders')).toBeUndefined();
      await lock.acquire('orders', B, 3600);
      executions.set(B, 'SUCCEEDED');
      expect(await lock.clear('orders', { force: false })).toMatchObject({ cleared: true, status: { state: 'gone' } });
      expect(await lock.clear('orders', { force: false })).toEqual({ cleared: false });
    });
  });
});
