/*
 * GcpLoadBalancer beyond the port contract: what a port-mapping NEG makes special — a move is detach + attach,
 * requestIds make a retried start return its first operation, a poll finds a change someone else made identical
 * to ours, the PSC producer side is ensured after the targets one operation at a time, and the refusals.
 * Real @google-cloud/compute clients against the fake Compute API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LbAction, PlanTarget } from '../../model/plan.ts';
import type { ConsumerEndpoint, LbOperation, LbProgress } from '../../ports.ts';
import { applyAction, observeJoined } from '../testing/drive.ts';
import { GcpPortMappingRefused, PscServiceMissing } from './errors.ts';
import { GcsPortLedger } from './ledger.ts';
import { GcpLoadBalancer } from './load-balancer.ts';
import { pscNames } from './psc.ts';
import { type BrokerVm, type FakeGcp, gcpSpec, startFakeGcp } from './testing/world.ts';

const HOST = '127.0.2.61';
let gcp: FakeGcp;
let lb: GcpLoadBalancer;
let ledger: GcsPortLedger;
let vms: BrokerVm[];
const spec = gcpSpec();
const neg = () => gcp.state.negs.get(pscNames('orders').neg);

beforeEach(async () => {
  gcp = await startFakeGcp({ host: HOST });
  ledger = new GcsPortLedger({ bucket: gcp.bucket });
  lb = new GcpLoadBalancer({ clients: gcp.clients, ledger });
  vms = [1, 2, 3].map((id) => gcp.addBroker('orders', id));
});
afterEach(async () => {
  await gcp.close();
});

const target = (n: number): PlanTarget => ({
  brokerId: n,
  instanceId: vms[n - 1]!.instanceId,
  host: vms[n - 1]!.ip,
  port: 39092,
});
const create = (n: number, port: number): LbAction => ({
  kind: 'createMapping',
  exposure: 'EXTERNAL',
  role: 'broker',
  port,
  brokerId: n,
  targets: [target(n)],
});
const apply = (action: LbAction) =>
  applyAction({ loadBalancer: lb, ledger }, spec, action, { between: async () => {} });
const pendingOf = (progress: LbProgress): LbOperation => {
  if (progress.state !== 'pending') throw new Error('expected an operation');
  return progress.operation;
};
async function pollToEnd(operation: LbOperation) {
  for (let i = 0; i < 20; i++) {
    const status = await lb.poll(spec, operation);
    if (status.state !== 'running') return status;
  }
  throw new Error('operation never ended');
}

describe('GcpLoadBalancer on a port-mapping NEG', () => {
  it('moves a port to another broker by detaching its endpoint and then attaching the new one', async () => {
    await apply(create(1, 9093));
    const register: LbAction = {
      kind: 'registerTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9093,
      targets: [target(2)],
    };
    const detach = pendingOf(await lb.start(spec, register, { requestKey: 'k1' }));
    expect(detach.scope).toMatchObject({ after: 'continue', intent: 'detach' });
    expect(await pollToEnd(detach)).toEqual({ state: 'continue' });
    expect(neg()!.endpoints).toEqual([]);
    const attach = pendingOf(await lb.start(spec, register, { requestKey: 'k1' }));
    expect(await pollToEnd(attach)).toEqual({ state: 'done' });
    expect(neg()!.endpoints.map((e) => [e.instance.split('/').pop(), e.port, e.clientDestinationPort])).toEqual([
      ['broker-orders-2', 39092, 9093],
    ]);
    expect(await lb.start(spec, register, { requestKey: 'k1' })).toEqual({ state: 'done' });
  });

  it('returns the first operation to a start retried with the same request key, and starts anew with another', async () => {
    await apply(create(1, 9093));
    await apply({
      kind: 'deregisterTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9093,
      targets: [{ id: vms[0]!.instanceId, port: 39092 }],
    });
    const register: LbAction = {
      kind: 'registerTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9093,
      targets: [target(1)],
    };
    const attaches = () => gcp.state.operations.size;
    const first = pendingOf(await lb.start(spec, register, { requestKey: 'orders/plan-1/registrations/0' }));
    const before = attaches();
    const retried = pendingOf(await lb.start(spec, register, { requestKey: 'orders/plan-1/registrations/0' }));
    expect(retried.id).toBe(first.id);
    expect(attaches()).toBe(before);
    expect(await pollToEnd(first)).toEqual({ state: 'done' });
    expect(neg()!.endpoints).toHaveLength(1);
    // A later plan that wants the same endpoint again (after someone detached it) is a new request, not the old one.
    await apply({
      kind: 'deregisterTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9093,
      targets: [{ id: vms[0]!.instanceId, port: 39092 }],
    });
    const again = pendingOf(await lb.start(spec, register, { requestKey: 'orders/plan-2/registrations/0' }));
    expect(again.id).not.toBe(first.id);
    expect(await pollToEnd(again)).toEqual({ state: 'done' });
    expect(neg()!.endpoints).toHaveLength(1);
  });

  it('reports done when its operation failed only because an identical change made meanwhile is in effect', async () => {
    await apply(create(1, 9093));
    const register: LbAction = {
      kind: 'registerTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9094,
      targets: [target(2)],
    };
    await ledger.record(spec, { kind: 'assign', exposure: 'EXTERNAL', role: 'broker', port: 9094, brokerId: 2 });
    const ours = pendingOf(await lb.start(spec, register, { requestKey: 'a' }));
    const theirs = pendingOf(await lb.start(spec, register, { requestKey: 'b' })); // a duplicate, e.g. by hand
    expect(await pollToEnd(theirs)).toEqual({ state: 'done' });
    expect(await pollToEnd(ours)).toEqual({ state: 'done' }); // failed at Compute: port taken — by what we wanted
    expect(neg()!.endpoints.filter((e) => e.clientDestinationPort === 9094)).toHaveLength(1);
  });

  it('fails with the Compute error when the port is taken by something else meanwhile', async () => {
    await apply(create(1, 9093));
    await ledger.record(spec, { kind: 'assign', exposure: 'EXTERNAL', role: 'broker', port: 9094, brokerId: 2 });
    const ours = pendingOf(
      await lb.start(spec, {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9094,
        targets: [target(2)],
      }),
    );
    const other = pendingOf(
      await lb.start(spec, {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9094,
        targets: [target(3)],
      }),
    );
    await pollToEnd(other);
    const status = await pollToEnd(ours);
    expect(status).toMatchObject({ state: 'failed', code: 'INVALID_USAGE' });
    expect(status.state === 'failed' && status.message).toMatch(/already mapped/);
  });

  it('observes every ledger port with one listNetworkEndpoints, and no endpoint outside the ledger', async () => {
    for (const [n, port] of [
      [1, 9093],
      [2, 9094],
      [3, 9095],
    ] as const)
      await apply(create(n, port));
    await ledger.record(spec, { kind: 'release', exposure: 'EXTERNAL', port: 9095 }); // 9095: not brokerlink's now
    const calls = gcp.compute.server.requests.length;
    const observed = await observeJoined({ loadBalancer: lb, ledger }, spec);
    expect(gcp.compute.server.requests.slice(calls).map((r) => `${r.method} ${r.path.split('/').pop()}`)).toEqual([
      'POST listNetworkEndpoints',
    ]);
    expect(observed.mappings.map((m) => [m.port, m.brokerId, m.targets])).toEqual([
      [9093, 1, [{ id: vms[0]!.instanceId, port: 39092 }]],
      [9094, 2, [{ id: vms[1]!.instanceId, port: 39092 }]],
    ]);
    expect(observed.openPorts).toEqual([]);
  });

  it('ensures the producer side after the targets, one operation per call, then names the service attachment', async () => {
    await apply(create(1, 9093));
    const created: string[] = [];
    let endpoint: ConsumerEndpoint | null = null;
    for (let round = 0; round < 10 && endpoint === null; round++) {
      const ensured = await lb.ensureConsumerEndpoint(spec);
      if (ensured !== null && 'pending' in ensured) {
        created.push(ensured.pending.scope!.what!);
        expect(JSON.parse(JSON.stringify(ensured.pending))).toEqual(ensured.pending);
        expect(await pollToEnd(ensured.pending)).toEqual({ state: 'continue' });
      } else endpoint = ensured;
    }
    expect(created).toEqual([
      'create backend service bl-orders-backend',
      'create forwarding rule bl-orders-rule',
      'create firewall rule bl-orders-allow-psc',
      'create service attachment bl-orders-psc',
    ]);
    expect(endpoint!.serviceName).toBe('projects/kafka-prod-1/regions/us-west1/serviceAttachments/bl-orders-psc');
    expect(endpoint!.notes.join('\n')).toMatch(/tidbcloud-prod-000 \(≤ 10\)/);
    expect(endpoint!.notes.join('\n')).toMatch(/no fan-out bootstrap port/);
    expect(gcp.state.firewalls.get('bl-orders-allow-psc')).toMatchObject({
      sourceRanges: ['10.128.0.0/18'],
      allowed: [{ IPProtocol: 'tcp', ports: ['39092'] }],
      targetTags: ['kafka-broker'],
    });
    // The consumer address defaults to the forwarding rule's, once there is one.
    expect(await lb.consumerAddress(spec)).toBe(gcp.state.forwardingRules.get('bl-orders-rule')!.IPAddress);
  });

  it('applies a changed accept list to the service attachment on the next apply', async () => {
    await apply(create(1, 9093));
    const started: string[] = [];
    const converge = async (s: typeof spec) => {
      for (let round = 0; round < 10; round++) {
        const ensured = await lb.ensureConsumerEndpoint(s);
        if (ensured === null || !('pending' in ensured)) return ensured;
        started.push(ensured.pending.scope!.what!);
        await pollToEnd(ensured.pending);
      }
      throw new Error('never converged');
    };
    await converge(spec);
    const wider = gcpSpec({
      provider: {
        gcp: {
          ...spec.provider.gcp!,
          privateServiceConnect: {
            natSubnetwork: 'psc-subnet',
            consumerAcceptList: [
              { project: 'tidbcloud-prod-000', connectionLimit: 10 },
              { project: 'analytics-prod-1', connectionLimit: 2 },
            ],
          },
        },
      },
    });
    started.length = 0;
    const endpoint = await converge(wider);
    expect(started).toEqual(['update service attachment bl-orders-psc']);
    expect(endpoint!.notes[0]).toMatch(/analytics-prod-1 \(≤ 2\)/);
    expect(gcp.state.serviceAttachments.get('bl-orders-psc')!.consumerAcceptLists).toEqual([
      { projectIdOrNum: 'tidbcloud-prod-000', connectionLimit: 10 },
      { projectIdOrNum: 'analytics-prod-1', connectionLimit: 2 },
    ]);
  });

  it('refuses what a port mapping cannot carry, before any Compute call', async () => {
    const calls = gcp.compute.server.requests.length;
    const refuse = async (action: LbAction, pattern: RegExp) => {
      const error = await lb.start(spec, action).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GcpPortMappingRefused);
      expect((error as Error).message).toMatch(pattern);
    };
    await refuse(
      { kind: 'createMapping', exposure: 'EXTERNAL', role: 'bootstrap', port: 9092, targets: [target(1)] },
      /no fan-out bootstrap/,
    );
    await refuse(
      { ...(create(1, 9093) as Extract<LbAction, { kind: 'createMapping' }>), targets: [target(1), target(2)] },
      /exactly one target, got 2/,
    );
    await refuse(
      {
        ...(create(1, 9093) as Extract<LbAction, { kind: 'createMapping' }>),
        targets: [{ brokerId: 1, host: '10.64.0.11', port: 39092 }],
      },
      /zone\/instance/,
    );
    expect(gcp.compute.server.requests.length).toBe(calls);
  });

  it('refuses a consumer address while there is no forwarding rule and no verifyAddress', async () => {
    await expect(lb.consumerAddress(spec)).rejects.toBeInstanceOf(PscServiceMissing);
  });
});
