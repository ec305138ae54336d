import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../ports.ts';
import { createAlicloudClients } from './clients.ts';
import { cloudFlowExecutionStatus } from './execution-status.ts';
import { OssClusterLock, OssSpecStore } from './oss-lock.ts';
import { createOssClient, ossObjectStore } from './oss-store.ts';
import { startFakeAlibaba } from './testing/fake-alibaba.ts';
import { type CloudFlowState, cloudFlowService } from './testing/fake-cloudflow.ts';
import { type FakeOss, startFakeOss } from './testing/fake-oss.ts';
import { FAKE_ACCESS_KEY_ID, FAKE_ACCESS_KEY_SECRET } from './testing/rpc-server.ts';

/* The cluster lock and the spec store on OSS, through the real ali-oss client against the signed fake. */

let oss: FakeOss;
let now = Date.parse('2026-12-01T00:00:00Z');
const clock: Clock = { now: () => new Date(now) };
const store = (secret = FAKE_ACCESS_KEY_SECRET) =>
  ossObjectStore(
    createOssClient({
      region: 'ap-southeast-1',
      bucket: 'brokerlink-state',
      endpoint: oss.endpoint,
      credentials: { accessKeyId: FAKE_ACCESS_KEY_ID, accessKeySecret: secret },
    }),
  );

beforeAll(async () => {
  oss = await startFakeOss({ buckets: ['brokerlink-state'] });
});
afterAll(async () => {
  await oss.close();
});
beforeEach(() => {
  oss.buckets.get('brokerlink-state')!.clear();
});

describe('OssClusterLock', () => {
  it('lets exactly one of five racing contenders win, and the others see the winner', async () => {
    const locks = Array.from({ length: 5 }, () => new OssClusterLock({ store: store(), clock }));
    const results = await Promise.all(locks.map((lock, n) => lock.acquire('orders', `exec-${n}`, 600)));
    const winners = results.filter((result) => result.acquired);
    expect(winners).toHaveLength(1);
    const winner = (winners[0] as { owner: string }).owner;
    for (const result of results) if (!result.acquired) expect(result.holder).toBe(winner);
  });

  it('lets exactly one of five win again once the lease has expired, and a late release frees nothing', async () => {
    const first = new OssClusterLock({ store: store(), clock });
    expect((await first.acquire('orders', 'exec-old', 60)).acquired).toBe(true);
    now += 61_000;
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, n) =>
        new OssClusterLock({ store: store(), clock }).acquire('orders', `exec-${n}`, 600),
      ),
    );
    expect(results.filter((result) => result.acquired)).toHaveLength(1);
    const holder = results.find((result) => result.acquired) as { owner: string };
    await first.release('orders', 'exec-old');
    expect(await first.acquire('orders', 'exec-other', 600)).toMatchObject({ acquired: false, holder: holder.owner });
  });

  it('is free again after its holder releases it; releasing a lock one does not hold is a no-op', async () => {
    const lock = new OssClusterLock({ store: store(), clock });
    await lock.acquire('orders', 'a', 600);
    await lock.release('orders', 'b');
    expect(await lock.acquire('orders', 'b', 600)).toMatchObject({ acquired: false, holder: 'a' });
    await lock.release('orders', 'a');
    expect(await lock.acquire('orders', 'b', 600)).toMatchObject({ acquired: true, owner: 'b' });
    expect(await lock.acquire('orders', 'b', 600)).toMatchObject({ acquired: true, owner: 'b' });
    expect([...oss.buckets.get('brokerlink-state')!.keys()].length).toBeLessThanOrEqual(2);
  });

  it('fails with the OSS error when the signature is wrong (nothing written)', async () => {
    const lock = new OssClusterLock({ store: store('wrong-secret'), clock });
    await expect(lock.acquire('orders', 'a', 600)).rejects.toMatchObject({ name: 'AlicloudCallFailed' });
    expect(oss.buckets.get('brokerlink-state')!.size).toBe(0);
  });
});

describe('OssClusterLock with the holder’s CloudFlow execution (DescribeExecution on the fake fnf API)', () => {
  const flows: CloudFlowState = { flows: new Set(['brokerlink-provision']), executions: [] };
  let stop: () => Promise<void> = async () => undefined;
  let lock: () => OssClusterLock;
  beforeAll(async () => {
    const alibaba = await startFakeAlibaba({ extraServices: [cloudFlowService(flows)] });
    stop = () => alibaba.close();
    const executionStatus = cloudFlowExecutionStatus(createAlicloudClients(alibaba.clientOptions).cloudFlow);
    lock = () => new OssClusterLock({ store: store(), clock, executionStatus });
  });
  afterAll(async () => {
    await stop();
  });
  const execution = (name: string, status: 'Running' | 'Succeeded' | 'Failed') =>
    flows.executions.push({
      flowName: 'brokerlink-provision',
      name,
      input: {},
      status,
      startedTime: new Date(now).toISOString(),
    });

  it('keeps the lock of a running execution, and takes over at once from one that ended without releasing', async () => {
    execution('exec-running', 'Running');
    expect((await lock().acquire('orders', 'exec-running', 3600)).acquired).toBe(true);
    expect(await lock().status('orders')).toMatchObject({ state: 'running', expired: false });
    expect(await lock().acquire('orders', 'exec-next', 3600)).toMatchObject({
      acquired: false,
      holder: 'exec-running',
      status: { state: 'running', detail: 'CloudFlow execution exec-running is Running' },
    });
    flows.executions.find((e) => e.name === 'exec-running')!.status = 'Failed';
    const taken = await lock().acquire('orders', 'exec-next', 3600);
    expect(taken).toMatchObject({
      acquired: true,
      owner: 'exec-next',
      tookOver: { holder: { owner: 'exec-running' }, state: 'gone', expired: false },
    });
    expect(await lock().clear('orders', { force: false })).toMatchObject({ cleared: false });
  });

  it('waits for the lease of a holder CloudFlow does not know (a CLI run, another account): unknown, not gone', async () => {
    expect((await lock().acquire('orders', 'local-provision-1', 60)).acquired).toBe(true);
    expect(await lock().acquire('orders', 'exec-next', 60)).toMatchObject({
      acquired: false,
      status: { state: 'unknown', expired: false },
    });
    now += 61_000;
    expect(await lock().acquire('orders', 'exec-next', 60)).toMatchObject({
      acquired: true,
      tookOver: { state: 'unknown', expired: true },
    });
  });
});

describe('OssSpecStore', () => {
  it('stores and loads the spec text, and names the object when none is stored', async () => {
    const specs = new OssSpecStore({ store: store() });
    await expect(specs.load('orders')).rejects.toMatchObject({ name: 'AlicloudSpecNotStored' });
    await specs.save('orders', 'cluster: orders\n');
    expect(await specs.load('orders')).toBe('cluster: orders\n');
    expect(oss.buckets.get('brokerlink-state')!.has('brokerlink/specs/orders.yaml')).toBe(true);
  });
});
