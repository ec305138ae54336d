/**
 * The Function Compute code package as shipped: tools/alicloud/package.ts builds the zip deploy uploads; this test
 * unpacks that zip's index.js, loads it as Function Compute's nodejs20 runtime does (CommonJS require) and lets the
 * deployed FDL call its `index.handler` for every task function — the bundle's own SDK clients, Kafka client,
 * Cloud Assistant script and OSS lock, pointed at the bed's fakes through the loopback-only local endpoints.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { functionName } from '../../functions/alicloud/task-handler.ts';
import type { FcContext, FcHandler } from '../../shared/providers/alicloud/cloudflow/interpreter.ts';
import { FAKE_REGION } from '../../shared/providers/alicloud/testing/fake-alibaba.ts';
import { FAKE_ACCESS_KEY_ID, FAKE_ACCESS_KEY_SECRET } from '../../shared/providers/alicloud/testing/rpc-server.ts';
import { isTaskName, tasks } from '../../shared/steps/tasks.ts';
import { packageFunctions } from '../../tools/alicloud/package.ts';
import { restartCounts } from '../e2e/helpers.ts';
import { type Bed, BUCKET, startBed } from './bed.ts';

type PackageHandler = (event: Buffer, context: FcContext & { credentials?: unknown }) => Promise<unknown>;
const credentials = { accessKeyId: FAKE_ACCESS_KEY_ID, accessKeySecret: FAKE_ACCESS_KEY_SECRET };
const triggerContext = (name: string) => ({
  requestId: `request-${name}`,
  function: { name, handler: `index.${name}`, memory: 512, timeout: 60 },
  region: FAKE_REGION,
  accountId: '1234567890123456',
  credentials,
});
type PackageExports = { handler: PackageHandler; onSpecObjectEvent: PackageHandler };

const ENV = [
  'BROKERLINK_REGION',
  'BROKERLINK_STATE_BUCKET',
  'BROKERLINK_LOCAL_ENDPOINT',
  'BROKERLINK_LOCAL_OSS_ENDPOINT',
];
let dir: string;
let handler: PackageHandler;
let onSpecObjectEvent: PackageHandler;
let bed: Bed | undefined;
const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brokerlink-fc-package-'));
  const zipFile = join(dir, 'brokerlink-fc.zip');
  await writeFile(zipFile, (await packageFunctions()).zip);
  execFileSync('python3', [
    '-c',
    'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])',
    zipFile,
    dir,
  ]);
  const exported = createRequire(import.meta.url)(join(dir, 'index.js')) as PackageExports;
  handler = exported.handler;
  onSpecObjectEvent = exported.onSpecObjectEvent;
}, 120_000);

afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

afterAll(async () => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await rm(dir, { recursive: true, force: true });
});

/** Every task function, as Function Compute runs it: the package's index.handler with the role's credentials. */
async function packagedFunctions(endpoints: { alibaba: string; oss: string }): Promise<Record<string, FcHandler>> {
  process.env.BROKERLINK_REGION = FAKE_REGION;
  process.env.BROKERLINK_STATE_BUCKET = BUCKET;
  process.env.BROKERLINK_LOCAL_ENDPOINT = endpoints.alibaba;
  process.env.BROKERLINK_LOCAL_OSS_ENDPOINT = endpoints.oss;
  return Object.fromEntries(
    Object.keys(tasks)
      .filter(isTaskName)
      .map((task) => [
        functionName(task),
        (event: Buffer, context: FcContext) => handler(event, { ...context, credentials }),
      ]),
  );
}

describe('the Function Compute package (the zip deploy uploads) on the Alibaba bed', () => {
  it('applies three brokers through the deployed FDL: one restart each, verified, lock free; a second apply changes nothing', async () => {
    bed = await startBed({ functions: packagedFunctions });
    const apply = () =>
      bed!.execute('provision', { cluster: 'orders', mode: 'apply', trigger: 'manual', waitForLock: false });
    const out = (await apply()) as { verification: { ok: boolean; checks: unknown[] } };
    if (out instanceof Error) throw out;
    expect(out.verification.ok).toBe(true);
    expect(out.verification.checks.length).toBeGreaterThan(0);
    expect(restartCounts(bed.lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(bed.fake.nlb.listeners.size).toBe(4);
    // The package took and released the lock in the bed's OSS.
    const probe = await bed.deps().lock.acquire('orders', 'probe-execution', 60);
    expect(probe.acquired).toBe(true);
    await bed.deps().lock.release('orders', 'probe-execution');

    const changes = bed.nlbChanges().length;
    expect(await apply()).not.toBeInstanceOf(Error);
    expect(bed.nlbChanges().length).toBe(changes);
    expect(restartCounts(bed.lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
  }, 120_000);

  it('the late unique name through the package: no broker touched while it is unknown; its spec-change event (the package’s onSpecObjectEvent) brings one push and one restart per broker', async () => {
    bed = await startBed({ uniqueName: null, functions: packagedFunctions });
    const waiting = (await bed.execute('provision', {
      cluster: 'orders',
      mode: 'apply',
      trigger: 'manual',
      waitForLock: false,
    })) as { report: { pending: string[] } };
    if (waiting instanceof Error) throw waiting;
    expect(waiting.report.pending.join(' ')).toMatch(/<unique_name> of exposure EXTERNAL is not known yet/);
    expect(restartCounts(bed.lab)).toEqual({ 1: 0, 2: 0, 3: 0 });

    const spec = bed.spec();
    spec.exposures[0]!.placeholders = { unique_name: 'dvs6nl5jgveztmla3pxkxgh76i' };
    await bed.pushSpec(spec);
    const event = {
      id: 'oss-evt-package-1',
      source: 'acs.oss',
      type: 'oss:ObjectCreated:PutObject',
      data: { oss: { bucket: { name: BUCKET }, object: { key: 'brokerlink/specs/orders.yaml' } } },
    };
    expect(
      await onSpecObjectEvent(Buffer.from(JSON.stringify(event)), triggerContext('onSpecObjectEvent')),
    ).toMatchObject({ started: true });
    const [execution] = await bed.started();
    const done = (await execution!.result) as { verification: { ok: boolean }; report: { pending: string[] } };
    if (done instanceof Error) throw done;
    expect(done.verification.ok).toBe(true);
    expect(done.report.pending).toEqual([]);
    expect(restartCounts(bed.lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
  }, 120_000);
});
