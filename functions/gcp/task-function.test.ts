import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageClient } from '../../shared/providers/gcp/clients.ts';
import { GcsClusterLock } from '../../shared/providers/gcp/lock.ts';
import { FAKE_TOKEN } from '../../shared/providers/gcp/testing/fake-compute.ts';
import { FakeStorage } from '../../shared/providers/gcp/testing/fake-storage.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { execute, loadWorkflow } from '../../testkit/workflows/interpreter.ts';
import { taskFunction } from './task-function.ts';

/*
 * Task functions served by the real functions framework over HTTP, called by a workflow run in the Workflows
 * interpreter (http.post with OIDC auth), with the real Cloud Storage lock adapter behind them (fake Storage).
 * What the workflow sees of an error — name and disposition in the body — drives its retry predicate.
 */

const HOST = '127.0.2.50';
const storage = new FakeStorage({ buckets: ['brokerlink-state'], token: FAKE_TOKEN, host: HOST });
let router: Server;
let base: string;
const logs: string[] = [];
const authorizations: string[] = [];

beforeAll(async () => {
  await storage.start();
  const bucket = createStorageClient({
    endpoint: { host: HOST, port: storage.server.port, token: FAKE_TOKEN },
    projectId: 'kafka-prod-1',
  }).bucket('brokerlink-state');
  const deps = { lock: new GcsClusterLock({ bucket }) } as unknown as StepDeps;
  for (const name of ['acquireLock', 'releaseLock'] as const)
    http(name, taskFunction(name, { deps: () => deps, write: (line) => logs.push(line) }));
  const servers = { acquireLock: getTestServer('acquireLock'), releaseLock: getTestServer('releaseLock') };
  // One address for all functions, as https://REGION-PROJECT.cloudfunctions.net/NAME is.
  router = createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? '');
    const name = (req.url ?? '').slice(1) as keyof typeof servers;
    const target = servers[name];
    if (!target) {
      res.writeHead(404).end();
      return;
    }
    target.emit('request', req, res);
  });
  await new Promise<void>((resolve) => router.listen(0, HOST, resolve));
  base = `http://${HOST}:${(router.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => router.close(() => resolve()));
  await storage.stop();
});

const WORKFLOW = `
main:
  params: [input]
  steps:
    - lock:
        try:
          call: http.post
          args:
            url: \${input.base + "/acquireLock"}
            auth:
              type: OIDC
            body:
              cluster: \${input.cluster}
              owner: \${input.owner}
          result: held
        retry:
          predicate: \${waits}
          max_retries: 3
          backoff:
            initial_delay: 5
            max_delay: 20
            multiplier: 2
    - work:
        switch:
          - condition: \${input.keep}
            return: \${held.body}
    - unlock:
        call: http.post
        args:
          url: \${input.base + "/releaseLock"}
          auth:
            type: OIDC
          body:
            cluster: \${input.cluster}
            owner: \${input.owner}
        result: released
    - done:
        return: \${[held.body.owner, released.body.released]}
waits:
  params: [e]
  steps:
    - decide:
        return: \${map.get(e, ["body", "error", "disposition"]) == "wait"}
`;

describe('task functions on the functions framework', () => {
  it('runs a task for a workflow: 200 with the task output, OIDC token on every call', async () => {
    const result = await execute(
      loadWorkflow(WORKFLOW),
      { base, cluster: 'orders', owner: 'exec-1', keep: false },
      { sleep: async () => {} },
    );
    expect(result).toMatchObject({ state: 'SUCCEEDED', result: ['exec-1', true] });
    expect(authorizations.every((value) => value.startsWith('Bearer '))).toBe(true);
    expect(logs.map((line) => JSON.parse(line))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          severity: 'INFO',
          message: 'done',
          task: 'acquireLock',
          executionId: 'exec-1',
          cluster: 'orders',
        }),
      ]),
    );
  });

  it('answers a held lock with its name and disposition, which the workflow waits out and then fails on', async () => {
    const holder = await execute(
      loadWorkflow(WORKFLOW),
      { base, cluster: 'payments', owner: 'exec-holder', keep: true },
      { sleep: async () => {} },
    );
    expect(holder.state).toBe('SUCCEEDED');
    const queued = await execute(
      loadWorkflow(WORKFLOW),
      { base, cluster: 'payments', owner: 'exec-2', keep: false },
      { sleep: async () => {} },
    );
    expect(queued.state).toBe('FAILED');
    expect(queued.error).toMatchObject({
      code: 429,
      body: { error: { name: 'LockHeld', disposition: 'wait' } },
      tags: ['HttpError'],
    });
    expect(queued.sleeps).toEqual([5, 10, 20]);
  });

  it('refuses bad input with 422 (not retried) and a body that is not an object with 400', async () => {
    const bad = await fetch(`${base}/acquireLock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cluster: 'orders' }),
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({
      error: { name: 'StepInputInvalid', disposition: 'fail', message: expect.stringContaining('owner') },
    });
    const notObject = await fetch(`${base}/acquireLock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[1]',
    });
    expect(notObject.status).toBe(400);
  });
});
