/**
 * GcsClusterLock beyond the port contract (contract.test.ts): the live-holder check through the Executions API
 * (the real @google-cloud/workflows client against the fake), and the fencing token across renewals, which
 * rewrite the object (a new object generation) but keep the token.
 */
import type { ExecutionsClient } from '@google-cloud/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionsClient } from './clients.ts';
import { workflowExecutionState } from './execution-state.ts';
import { GcsClusterLock } from './lock.ts';
import { FAKE_TOKEN } from './testing/fake-compute.ts';
import { FakeWorkflowExecutions } from './testing/fake-workflow-executions.ts';
import { type FakeGcp, startFakeGcp } from './testing/world.ts';

const HOST = '127.0.2.95';
let gcp: FakeGcp;
let executions: FakeWorkflowExecutions;
let client: ExecutionsClient;
let now = Date.parse('2026-06-01T10:00:00Z');

beforeAll(async () => {
  gcp = await startFakeGcp({ host: HOST });
  executions = new FakeWorkflowExecutions({ token: FAKE_TOKEN, host: HOST, workflows: ['brokerlink-provision'] });
  const exec = await executions.start();
  client = createExecutionsClient({ endpoint: { host: HOST, port: exec.port, token: FAKE_TOKEN } });
});
afterAll(async () => {
  await client?.close();
  await executions?.stop();
  await gcp?.close();
});

function lockWithLookup(): GcsClusterLock {
  return new GcsClusterLock({
    bucket: gcp.bucket,
    clock: { now: () => new Date(now) },
    executionState: workflowExecutionState(client, { project: 'kafka-prod-1', location: 'us-west1' }),
  });
}

/** An execution of brokerlink-provision in the fake; its id is what the workflow passes as the lock owner. */
async function execution(): Promise<{ id: string; end: (state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED') => void }> {
  const [created] = await client.createExecution({
    parent: 'projects/kafka-prod-1/locations/us-west1/workflows/brokerlink-provision',
    execution: { argument: JSON.stringify({ cluster: 'orders', mode: 'apply' }) },
  });
  const record = executions.executions.find((e) => e.name === created.name)!;
  return {
    id: created.name!.split('/').pop()!,
    end: (state) => {
      record.state = state;
    },
  };
}

describe('GcsClusterLock and the holder’s Workflows execution', () => {
  it('refuses while the holder’s execution is ACTIVE, and takes over at once when it was cancelled', async () => {
    const lock = lockWithLookup();
    const holder = await execution();
    const first = await lock.acquire('orders', holder.id, 3600);
    expect(first.acquired).toBe(true);

    const refused = await lock.acquire('orders', 'local:provision:next', 3600);
    expect(refused).toMatchObject({ acquired: false, holder: holder.id, status: { state: 'running', expired: false } });
    expect(refused.acquired === false && refused.status.detail).toBe(`execution ${holder.id} is ACTIVE`);

    holder.end('CANCELLED'); // gcloud workflows executions cancel: no release step ran
    const taken = await lock.acquire('orders', 'local:provision:next', 3600);
    expect(taken).toMatchObject({
      acquired: true,
      tookOver: { holder: { owner: holder.id }, state: 'gone', expired: false },
    });
    if (!first.acquired || !taken.acquired) throw new Error('expected both acquisitions');
    expect(taken.generation).toBeGreaterThan(first.generation);
    await lock.release('orders', 'local:provision:next');
  });

  it('clears a lock whose execution no longer exists without force; an owner that is no execution id stays unknown', async () => {
    const lock = lockWithLookup();
    await lock.acquire('orders', '0b5cf8f2-6a43-4a8e-9d7e-3c2f1f0e9a11', 3600); // deleted or never existed
    expect(await lock.status('orders')).toMatchObject({
      state: 'gone',
      detail: expect.stringContaining('DOES_NOT_EXIST'),
    });
    expect(await lock.clear('orders', { force: false })).toMatchObject({ cleared: true });

    await lock.acquire('orders', 'local:provision:cli-run', 3600);
    expect(await lock.status('orders')).toMatchObject({ state: 'unknown' });
    expect(await lock.clear('orders', { force: false })).toMatchObject({ cleared: false });
    expect(await lock.clear('orders', { force: true })).toMatchObject({ cleared: true });
  });

  it('keeps the fencing token across renewals although each renewal writes a new object generation', async () => {
    const lock = lockWithLookup();
    const holder = await execution();
    const first = await lock.acquire('orders', holder.id, 60);
    const objectBefore = gcp.storage.read('brokerlink-state', 'locks/orders.json')!.generation;
    now += 30_000;
    const renewed = await lock.acquire('orders', holder.id, 60);
    expect(gcp.storage.read('brokerlink-state', 'locks/orders.json')!.generation).not.toBe(objectBefore);
    if (!first.acquired || !renewed.acquired) throw new Error('expected the lock');
    expect(renewed.generation).toBe(first.generation);
    expect((await lock.holder('orders'))?.generation).toBe(first.generation);
    await lock.release('orders', holder.id);
    expect(await lock.holder('orders')).toBeUndefined();
  });
});
