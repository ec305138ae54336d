import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../deploy/gcp/functions.ts';
import { tasks } from '../../shared/steps/tasks.ts';
import { TRIGGER_ENTRY_POINTS } from './register.ts';

/*
 * The entry module as Cloud Functions loads it: the functions framework's own loader resolves the source folder
 * (package.json `main`) and imports it; every entry point deploy/gcp deploys must then be registered. Without its
 * configuration a function answers FunctionConfigInvalid naming the variable, and changes nothing.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOST = '127.0.2.90';
const saved = { ...process.env };

beforeAll(() => {
  for (const key of ['BROKERLINK_BUCKET', 'BROKERLINK_PROJECT', 'BROKERLINK_REGION']) delete process.env[key];
});
afterAll(() => {
  process.env = saved;
});

describe('functions/gcp entry module', () => {
  it('is what the functions framework loads from the source folder, with every deployed entry point registered', async () => {
    // The framework's loader itself (not exported: its file, as `functions-framework --source` runs it); the CLI
    // cannot be run here because it listens on every interface.
    const require = createRequire(import.meta.url);
    const loader = require(`${ROOT}node_modules/@google-cloud/functions-framework/build/src/loader.js`) as {
      getUserFunction(source: string, target: string, signature: string): Promise<{ userFunction: unknown } | null>;
    };
    for (const fn of FUNCTIONS) {
      const signature = fn.trigger.kind === 'http' ? 'http' : 'cloudevent';
      const loaded = await loader.getUserFunction(ROOT, fn.entryPoint, signature);
      expect(loaded, fn.entryPoint).not.toBeNull();
      expect(typeof loaded!.userFunction, fn.entryPoint).toBe('function');
    }
    const deployed = FUNCTIONS.map((fn) => fn.entryPoint).sort();
    expect(deployed).toEqual([...Object.keys(tasks), ...TRIGGER_ENTRY_POINTS].sort());
  });

  it('answers a task without its configuration with FunctionConfigInvalid naming the variables', async () => {
    await import('./index.ts');
    const server = getTestServer('acquireLock');
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://${HOST}:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ cluster: 'orders', owner: 'exec-1' }),
      });
      expect(answer.status).toBe(422);
      const body = (await answer.json()) as { error: { name: string; message: string } };
      expect(body.error.name).toBe('FunctionConfigInvalid');
      expect(body.error.message).toMatch(/BROKERLINK_BUCKET: must be set/);
      expect(body.error.message).toMatch(/BROKERLINK_PROJECT/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
