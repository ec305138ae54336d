/**
 * End to end on the Alibaba bed (./bed.ts): the deployed FDL, the Function Compute handlers, the Alibaba adapters
 * through the real SDK clients against the signed fakes, Cloud Assistant running the real writer and restart
 * script with bash on real files, test brokers behind the fake NLB's data plane.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { onInstanceStateChange, onSpecObjectEvent } from '../../functions/alicloud/triggers.ts';
import { FlowExecutionFailed } from '../../shared/providers/alicloud/cloudflow/errors.ts';
import { OssSpecStore } from '../../shared/providers/alicloud/oss-lock.ts';
import { CONSUMER_ACCOUNT } from '../../shared/providers/alicloud/testing/spec.ts';
import type { ProvisionReport } from '../../shared/steps/report.ts';
import { restartCounts } from '../e2e/helpers.ts';
import { type Bed, BUCKET, startBed } from './bed.ts';

type Provisioned = { report: ProvisionReport; verification: { ok: boolean; checks: unknown[] } };

let bed: Bed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

const apply = (b: Bed, extra: Record<string, unknown> = {}) =>
  b.execute('provision', { cluster: 'orders', mode: 'apply', trigger: 'manual', waitForLock: false, ...extra });

async function applied(b: Bed): Promise<Provisioned> {
  const out = await apply(b);
  if (out instanceof Error) throw out;
  return out as Provisioned;
}

/** The cluster lock is free: another execution can take it (and gives it back). */
async function lockIsFree(b: Bed): Promise<boolean> {
  const lock = b.deps().lock;
  const taken = await lock.acquire('orders', 'probe-execution', 60);
  if (taken.acquired) await lock.release('orders', 'probe-execution');
  return taken.acquired;
}
const serverGroupsByPort = (b: Bed) =>
  Object.fromEntries(
    [...b.fake.nlb.listeners.values()].map((l) => [
      l.port,
      b.fake.nlb.serverGroups
        .get(l.serverGroupId)!
        .servers.map((s) => s.serverId)
        .sort(),
    ]),
  );
const ossEvent = (key: string, id: string) => ({
  id,
  source: 'acs.oss',
  type: 'oss:ObjectCreated:PutObject',
  data: { oss: { bucket: { name: BUCKET }, object: { key } } },
});

describe('Alibaba bed: apply', () => {
  it('exposes three brokers: NLB listeners and server groups, endpoint service whitelisted, one restart each, verified through the NLB', async () => {
    bed = await startBed();
    const out = await applied(bed);
    expect(out.verification.ok).toBe(true);
    expect(out.verification.checks.length).toBeGreaterThan(0);
    expect(restartCounts(bed.lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
    const ports = bed.lab.ports;
    expect(serverGroupsByPort(bed)).toEqual({
      [ports.bootstrap]: ['i-t4nbed1', 'i-t4nbed2', 'i-t4nbed3'],
      [ports.from]: ['i-t4nbed1'],
      [ports.from + 1]: ['i-t4nbed2'],
      [ports.from + 2]: ['i-t4nbed3'],
    });
    const service = [...bed.fake.privateLink.services.values()][0]!;
    expect(service.users).toEqual([CONSUMER_ACCOUNT]);
    expect(out.report.endpointService?.serviceName).toBe(service.serviceName);
    expect(await readFile(bed.lab.propertiesFile(2), 'utf8')).toContain(
      `EXTERNAL://b2.dvs6nl5jgveztmla3pxkxgh76i.alicloud.plc.tidbcloud.com:${ports.from + 1}`,
    );
    expect(await lockIsFree(bed)).toBe(true);
    // A second apply changes nothing: no NLB change, no push, no restart.
    const changesBefore = bed.nlbChanges().length;
    const again = await applied(bed);
    expect(again.report.changes).toEqual({ lbActions: 0, configsWritten: [], restarted: [] });
    expect(bed.nlbChanges().length).toBe(changesBefore);
    expect(restartCounts(bed.lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
  });

  it('enrols a 4th broker from its ecs:Instance:StateChange event: its own port, the bootstrap group, one restart (its own)', async () => {
    bed = await startBed();
    await applied(bed);
    await bed.addInstance(4);
    const result = await onInstanceStateChange(
      {
        id: 'evt-broker4-running',
        source: 'acs.ecs',
        type: 'ecs:Instance:StateChange',
        data: { resourceId: 'i-t4nbed4', resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
      },
      bed.triggerDeps(),
    );
    expect(result).toMatchObject({ started: true, name: 'instance-orders-evt-broker4-running' });
    const [execution] = await bed.started();
    const out = (await execution!.result) as Provisioned;
    expect(out).not.toBeInstanceOf(Error);
    expect(out.verification.ok).toBe(true);
    const ports = bed.lab.ports;
    expect(serverGroupsByPort(bed)[ports.bootstrap]).toEqual(['i-t4nbed1', 'i-t4nbed2', 'i-t4nbed3', 'i-t4nbed4']);
    expect(serverGroupsByPort(bed)[ports.from + 3]).toEqual(['i-t4nbed4']);
    expect(restartCounts(bed.lab)).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1 });
  });
});

describe('Alibaba bed: the unique name comes late (the runbook restarts twice; brokerlink once)', () => {
  it('while unique_name is unknown: NLB and endpoint service done, no broker touched; when it arrives (spec change event): one push and one restart per broker', async () => {
    bed = await startBed({ uniqueName: null });
    const before = await Promise.all([1, 2, 3].map((id) => readFile(bed!.lab.propertiesFile(id), 'utf8')));

    const waiting = (await applied(bed)).report;
    expect(waiting.pending.join(' ')).toMatch(/<unique_name> of exposure EXTERNAL is not known yet/);
    expect(waiting.endpointService?.serviceName).toMatch(/^com\.aliyuncs\.privatelink\./);
    expect(Object.keys(serverGroupsByPort(bed))).toHaveLength(4);
    expect(waiting.changes.configsWritten).toEqual([]);
    expect(restartCounts(bed.lab)).toEqual({ 1: 0, 2: 0, 3: 0 });
    expect(await Promise.all([1, 2, 3].map((id) => readFile(bed!.lab.propertiesFile(id), 'utf8')))).toEqual(before);

    // The consumer (TiDB Cloud) attaches its domains and tells the unique name; the operator pushes the spec.
    const spec = bed.spec();
    spec.exposures[0]!.placeholders = { unique_name: 'dvs6nl5jgveztmla3pxkxgh76i' };
    await bed.pushSpec(spec);
    const started = await onSpecObjectEvent(ossEvent('brokerlink/specs/orders.yaml', 'oss-evt-1'), bed.triggerDeps());
    expect(started).toMatchObject({ started: true });
    const [execution] = await bed.started();
    const done = (await execution!.result) as Provisioned;
    expect(done).not.toBeInstanceOf(Error);
    expect(done.verification.ok).toBe(true);
    expect(done.report.pending).toEqual([]);
    expect([...done.report.changes.configsWritten].sort()).toEqual([1, 2, 3]);
    // exactly one restart per broker in the whole story
    expect(restartCounts(bed.lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
  });
});

describe('Alibaba bed: drift', () => {
  it('finds a broker removed from its server group by hand, and repairs it (drift check → provision) without a restart', async () => {
    bed = await startBed({ drift: 'repair' });
    await applied(bed);
    const ports = bed.lab.ports;
    const listener = [...bed.fake.nlb.listeners.values()].find((l) => l.port === ports.from + 1)!;
    bed.fake.nlb.serverGroups.get(listener.serverGroupId)!.servers = [];

    const check = (await bed.execute('drift-check', { cluster: 'orders' })) as {
      drift: number;
      repairStarted: boolean;
    };
    expect(check).toMatchObject({ repairStarted: true });
    expect(check.drift).toBeGreaterThan(0);
    const [repair] = await bed.started();
    expect(repair).toMatchObject({
      flowName: 'brokerlink-provision',
      input: { mode: 'apply', trigger: 'drift-repair' },
    });
    const repaired = (await repair!.result) as Provisioned;
    expect(repaired).not.toBeInstanceOf(Error);
    expect(repaired.verification.ok).toBe(true);
    expect(serverGroupsByPort(bed)[ports.from + 1]).toEqual(['i-t4nbed2']);
    expect(restartCounts(bed.lab)).toEqual({ 1: 1, 2: 1, 3: 1 });

    const clean = (await bed.execute('drift-check', { cluster: 'orders' })) as { drift: number };
    expect(clean).toMatchObject({ drift: 0, repairStarted: false });
  });
});

describe('Alibaba bed: safety', () => {
  it('a stopped broker keeps its port and server, is reported down, and is not pushed to or restarted', async () => {
    bed = await startBed();
    await applied(bed);
    const before = serverGroupsByPort(bed);
    await bed.lab.brokers.get(2)!.broker.close();
    bed.fake.ecs.instances.get('i-t4nbed2')!.status = 'Stopped';
    const callsBefore = bed.fake.gateway.calls.length;
    const changesBefore = bed.nlbChanges().length;
    const out = (await bed.execute('provision', { cluster: 'orders', mode: 'plan', trigger: 'manual' })) as {
      plan: {
        brokers: { id: number; configChange: string; restart: boolean; reasons: string[] }[];
        actions: unknown[];
        exposures: { brokers: { id: number; port: number }[] }[];
      };
    };
    expect(out.plan.brokers.find((broker) => broker.id === 2)).toMatchObject({
      configChange: 'down',
      restart: false,
      reasons: [expect.stringContaining('broker 2 is down (instance stopped)')],
    });
    expect(out.plan.actions).toEqual([]);
    expect(out.plan.exposures[0]!.brokers.find((broker) => broker.id === 2)?.port).toBe(bed.lab.ports.from + 1);
    expect(bed.nlbChanges().length).toBe(changesBefore);
    expect(bed.fake.gateway.calls.slice(callsBefore).filter((call) => call.action === 'RunCommand')).toEqual([]);
    expect(serverGroupsByPort(bed)).toEqual(before);
    expect(restartCounts(bed.lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
  });

  it('stops the roll at a broker that never becomes healthy: BrokerNotReady, later brokers untouched, lock released', async () => {
    bed = await startBed({ rollout: { healthTimeoutSeconds: 10, healthyChecks: 1 } });
    const b = bed;
    let first: number | undefined;
    // The first broker restarted comes back unhealthy and stays so.
    const watch = setInterval(() => {
      for (const broker of b.lab.brokers.values()) {
        if (first === undefined && broker.restarts > 0) {
          first = broker.id;
          b.lab.cluster.neverHealthy(broker.id);
        }
      }
    }, 1);
    const error = await apply(b);
    clearInterval(watch);
    expect(error).toBeInstanceOf(FlowExecutionFailed);
    expect((error as FlowExecutionFailed).code).toBe('BrokerNotReady');
    const counts = restartCounts(b.lab);
    expect(Object.values(counts).reduce((a, c) => a + c, 0)).toBe(1);
    expect(counts[first!]).toBe(1);
    expect(await lockIsFree(b)).toBe(true);
  });

  it('an invalid spec changes nothing: the spec event starts no execution, and the stored spec is refused by any execution', async () => {
    bed = await startBed();
    const changes = bed.nlbChanges().length;
    const bad = { ...bed.spec(), exposures: [{ ...bed.spec().exposures[0]!, brokerPorts: { from: 9140, to: 9093 } }] };
    await new OssSpecStore({ store: bed.state }).save('orders', stringify(bad));
    const result = await onSpecObjectEvent(ossEvent('brokerlink/specs/orders.yaml', 'oss-evt-bad'), bed.triggerDeps());
    expect(result).toMatchObject({ started: false, reason: 'spec invalid' });
    expect(await bed.started()).toEqual([]);
    // a manual execution on the invalid spec fails before any change, and names the field
    const error = await apply(bed);
    expect(error).toMatchObject({ code: 'SpecInvalid' });
    expect((error as FlowExecutionFailed).failInput).toMatchObject({
      error: { Detail: expect.stringMatching(/brokerPorts/) },
    });
    expect(bed.nlbChanges().length).toBe(changes);
    expect(restartCounts(bed.lab)).toEqual({ 1: 0, 2: 0, 3: 0 });
    expect(await lockIsFree(bed)).toBe(true);
  });

  it.each([
    ['an unknown mode', { cluster: 'orders', mode: 'destroy' }, 'StepInputInvalid'],
    ['no cluster', { mode: 'apply' }, 'StepInputInvalid'],
    ['a cluster with no stored spec', { cluster: 'payments', mode: 'apply' }, 'AlicloudSpecNotStored'],
  ])('bad console input (%s): a clear error, nothing changed', async (_, input, code) => {
    bed = await startBed();
    const error = await bed.execute('provision', input);
    expect(error).toBeInstanceOf(FlowExecutionFailed);
    expect((error as FlowExecutionFailed).code).toBe(code);
    expect(bed.nlbChanges()).toEqual([]);
    expect(restartCounts(bed.lab)).toEqual({ 1: 0, 2: 0, 3: 0 });
  });
});
