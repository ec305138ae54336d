import { afterEach, describe, expect, it } from 'vitest';
import type { LbAction, PlanTarget } from '../../model/plan.ts';
import { driven } from '../testing/drive.ts';
import { createAlicloudClients } from './clients.ts';
import { AlibabaLoadBalancer } from './load-balancer.ts';
import { FAKE_VPC_ID, type FakeAlibaba, startFakeAlibaba } from './testing/fake-alibaba.ts';
import type { FakeInstance } from './testing/fake-ecs.ts';
import { alicloudSpec } from './testing/spec.ts';

const instance = (n: number): FakeInstance => ({
  instanceId: `i-t4nbroker${n}`,
  privateIp: `10.0.${n}.11`,
  zoneId: 'ap-southeast-1a',
  vpcId: FAKE_VPC_ID,
  vSwitchId: 'vsw-t4nbrokera',
  status: 'Running',
  tags: { 'brokerlink:cluster': 'orders', 'kafka-node-id': String(n) },
});
const target = (n: number): PlanTarget => ({
  brokerId: n,
  instanceId: `i-t4nbroker${n}`,
  host: `10.0.${n}.11`,
  port: 39092,
});

let fake: FakeAlibaba | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function nlb(jobPolls = 2) {
  fake = await startFakeAlibaba({ instances: [1, 2, 3, 4].map(instance), jobPolls });
  const clients = createAlicloudClients(fake.clientOptions);
  const loadBalancer = new AlibabaLoadBalancer({
    nlb: clients.nlb,
    ecs: clients.ecs,
    privateLink: clients.privateLink,
  });
  // As the applyLoadBalancer step drives it: start, poll to the end, start again on continue, record the ledger.
  return Object.assign(driven({ loadBalancer, ledger: loadBalancer.ledger }, { pollDelayMs: 1 }), {
    start: loadBalancer.start.bind(loadBalancer),
    poll: loadBalancer.poll.bind(loadBalancer),
    consumerRoutes: loadBalancer.consumerRoutes.bind(loadBalancer),
  });
}

const spec = alicloudSpec();
const createBootstrap: LbAction = {
  kind: 'createMapping',
  exposure: 'EXTERNAL',
  role: 'bootstrap',
  port: 9092,
  targets: [1, 2, 3].map(target),
};
const createBroker = (n: number, port = 9092 + n): LbAction => ({
  kind: 'createMapping',
  exposure: 'EXTERNAL',
  role: 'broker',
  port,
  brokerId: n,
  targets: [target(n)],
});

describe('AlibabaLoadBalancer (the real OpenAPI clients against the signed fake NLB)', () => {
  it('creates a server group, its servers and the listener as jobs it starts and polls; the tags are the ledger', async () => {
    const lb = await nlb();
    // start → pending job → poll running … → continue → start again: the next piece
    const first = await lb.start(spec, createBroker(1));
    expect(first).toMatchObject({ state: 'pending', operation: { id: expect.stringMatching(/^job-/) } });
    if (first.state !== 'pending') throw new Error('expected a job');
    // the operation crosses the workflow as JSON
    const operation = JSON.parse(JSON.stringify(first.operation));
    expect(await lb.poll(spec, operation)).toEqual({ state: 'running' });
    expect(await lb.poll(spec, operation)).toEqual({ state: 'continue' });
    await lb.apply(spec, createBroker(1));
    for (const action of [
      createBootstrap,
      createBroker(2),
      createBroker(3),
      { kind: 'openPort', port: 9092, cidrs: ['10.0.0.0/16'] } as LbAction,
    ]) {
      await lb.apply(spec, action);
    }
    const observed = await lb.observe(spec);
    expect(observed.openPorts).toEqual([9092]);
    expect(observed.mappings.map(({ resourceIds: _, ...m }) => m)).toEqual([
      {
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [1, 2, 3].map((n) => ({ id: `i-t4nbroker${n}`, port: 39092 })),
      },
      ...[1, 2, 3].map((n) => ({
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9092 + n,
        brokerId: n,
        targets: [{ id: `i-t4nbroker${n}`, port: 39092 }],
      })),
    ]);
    expect([...fake!.nlb.listeners.values()].map((l) => [l.port, l.status]).sort()).toEqual([
      [9092, 'Running'],
      [9093, 'Running'],
      [9094, 'Running'],
      [9095, 'Running'],
    ]);
    // idempotent: starting an action in effect changes nothing
    const calls = fake!.gateway.calls.length;
    expect(await lb.start(spec, createBroker(2))).toEqual({ state: 'done' });
    expect(
      fake!.gateway.calls.slice(calls).filter((c) => !c.action.startsWith('List') && !c.action.startsWith('Describe')),
    ).toEqual([]);
  });

  it('registers and deregisters brokers, retires a port (no server, stamped) and revives it', async () => {
    const lb = await nlb(1);
    await lb.apply(spec, createBootstrap);
    await lb.apply(spec, createBroker(4));
    await lb.apply(spec, {
      kind: 'registerTargets',
      exposure: 'EXTERNAL',
      role: 'bootstrap',
      port: 9092,
      targets: [target(4)],
    });
    await lb.apply(spec, {
      kind: 'deregisterTargets',
      exposure: 'EXTERNAL',
      role: 'bootstrap',
      port: 9092,
      targets: [{ id: 'i-t4nbroker1', port: 39092 }],
    });
    await lb.apply(spec, {
      kind: 'retireMapping',
      exposure: 'EXTERNAL',
      port: 9096,
      brokerId: 4,
      retiredAt: '2026-12-01T00:00:00.000Z',
    });
    let observed = await lb.observe(spec);
    expect(observed.mappings.find((m) => m.port === 9092)?.targets.map((t) => t.id)).toEqual([
      'i-t4nbroker2',
      'i-t4nbroker3',
      'i-t4nbroker4',
    ]);
    expect(observed.mappings.find((m) => m.port === 9096)).toMatchObject({
      targets: [],
      retiredAt: '2026-12-01T00:00:00.000Z',
    });
    await lb.apply(spec, { kind: 'reviveMapping', exposure: 'EXTERNAL', port: 9096, brokerId: 4 });
    await lb.apply(spec, {
      kind: 'registerTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: 9096,
      targets: [target(4)],
    });
    observed = await lb.observe(spec);
    expect(observed.mappings.find((m) => m.port === 9096)).toMatchObject({
      brokerId: 4,
      targets: [{ id: 'i-t4nbroker4' }],
    });
    expect(observed.mappings.find((m) => m.port === 9096)?.retiredAt).toBeUndefined();
  });

  it('deletes a mapping: the listener first, then the server group; the port leaves the ledger', async () => {
    const lb = await nlb(1);
    await lb.apply(spec, createBroker(1));
    await lb.apply(spec, { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1 });
    expect(fake!.nlb.listeners.size).toBe(0);
    expect(fake!.nlb.serverGroups.size).toBe(0);
    expect((await lb.observe(spec)).mappings).toEqual([]);
    // deleting again is a no-op
    await lb.apply(spec, { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1 });
  });

  it('does not take over a port another listener serves, and names the listener quota when the NLB is full', async () => {
    const lb = await nlb(0);
    fake!.nlb.listeners.set('lsn-theirs', {
      listenerId: 'lsn-theirs',
      loadBalancerId: spec.provider.alicloud!.loadBalancerId,
      port: 9093,
      protocol: 'TCP',
      serverGroupId: 'sgp-theirs',
      status: 'Running',
      description: 'someone else',
      tags: {},
    });
    await expect(lb.apply(spec, createBroker(1))).rejects.toMatchObject({ name: 'AlicloudListenerPortTaken' });
    fake!.nlb.listenerQuota = 1;
    await expect(lb.apply(spec, createBroker(2))).rejects.toMatchObject({ name: 'AlicloudListenerQuotaExceeded' });
  });

  it('answers the NLB’s DNS name as the consumer address', async () => {
    const lb = await nlb();
    expect(await lb.consumerAddress(spec)).toBe(
      `${spec.provider.alicloud!.loadBalancerId}.ap-southeast-1.nlb.aliyuncsslbintl.com`,
    );
  });

  it('verifies through the DNS name alone while cross-zone load balancing is on (the NLB default)', async () => {
    const lb = await nlb();
    expect(await lb.consumerRoutes(spec)).toEqual({ bootstrap: [], byZone: {} });
  });

  it('with cross-zone load balancing off, dials each zone at its own NLB address, and refuses a zone without one', async () => {
    const lb = await nlb();
    const balancer = fake!.nlb.loadBalancers.get(spec.provider.alicloud!.loadBalancerId)!;
    balancer.crossZoneEnabled = false;
    balancer.zones.forEach((zone, n) => {
      zone.privateIPv4Address = `10.0.${n}.200`;
    });
    expect(await lb.consumerRoutes(spec)).toEqual({
      bootstrap: ['10.0.0.200', '10.0.1.200', '10.0.2.200'],
      byZone: { 'ap-southeast-1a': '10.0.0.200', 'ap-southeast-1b': '10.0.1.200', 'ap-southeast-1c': '10.0.2.200' },
    });
    delete balancer.zones[1]!.privateIPv4Address;
    await expect(lb.consumerRoutes(spec)).rejects.toMatchObject({
      name: 'AlicloudCallFailed',
      message: /zone ap-southeast-1b .* has no private IPv4 address/,
    });
  });

  it('observes every mapping’s servers with one region-wide listing, and group by group when the region holds many others', async () => {
    const lb = await nlb();
    for (const action of [createBootstrap, createBroker(1), createBroker(2), createBroker(3), createBroker(4)]) {
      await lb.apply(spec, action);
    }
    // A server someone added by hand to brokerlink's group for broker 2: the observation must show it.
    const listener = [...fake!.nlb.listeners.values()].find((l) => l.port === 9094)!;
    fake!.nlb.serverGroups.get(listener.serverGroupId)!.servers.push({
      serverId: 'i-t4nstranger',
      serverType: 'Ecs',
      serverIp: '10.0.9.9',
      port: 39092,
      weight: 100,
      status: 'Available',
    });
    const listings = async () => {
      const before = fake!.gateway.calls.length;
      const observed = await lb.observe(spec);
      const calls = fake!.gateway.calls.slice(before).filter((c) => c.action === 'ListServerGroupServers').length;
      return { calls, mappings: observed.mappings.map(({ port, targets }) => ({ port, targets })) };
    };
    const regionWide = await listings();
    expect(regionWide.calls).toBe(1);
    expect(regionWide.mappings.find((m) => m.port === 9094)?.targets).toEqual([
      { id: 'i-t4nbroker2', port: 39092 },
      { id: 'i-t4nstranger', port: 39092 },
    ]);
    // Another workload's groups fill the region with 250 servers: past the page budget, one listing per group.
    for (let g = 0; g < 5; g++) {
      fake!.nlb.serverGroups.set(`sgp-other${g}`, {
        serverGroupId: `sgp-other${g}`,
        name: `other-${g}`,
        type: 'Ip',
        protocol: 'TCP',
        vpcId: FAKE_VPC_ID,
        status: 'Available',
        servers: Array.from({ length: 50 }, (_, n) => ({
          serverId: `10.1.${g}.${n}`,
          serverType: 'Ip' as const,
          serverIp: `10.1.${g}.${n}`,
          port: 80,
          weight: 100,
          status: 'Available' as const,
        })),
        tags: {},
        healthCheck: {},
      });
    }
    const crowded = await listings();
    expect(crowded.calls).toBe(1 + 5);
    expect(crowded.mappings).toEqual(regionWide.mappings);
  });
});
