import { describe, expect, it } from 'vitest';
import { applyAction, observeJoined } from '../testing/drive.ts';
import { createAwsAdapters, createAwsClients } from './index.ts';
import { brokerInstances, createFakeAws } from './testing/fake-aws.ts';
import { awsSpec } from './testing/specs.ts';

describe('createAwsClients', () => {
  it('creates clients with adaptive retries and 8 attempts by default', async () => {
    const clients = createAwsClients({ region: 'us-west-2' });
    for (const client of Object.values(clients)) {
      const strategy = (await client.config.retryStrategy()) as unknown as { mode: string };
      expect(await client.config.maxAttempts()).toBe(8);
      expect(strategy.mode).toBe('adaptive');
      expect(await client.config.region()).toBe('us-west-2');
    }
  });

  it('takes the retry settings it is given', async () => {
    const clients = createAwsClients({ region: 'eu-west-1', maxAttempts: 3, retryMode: 'standard' });
    const strategy = (await clients.elbv2.config.retryStrategy()) as unknown as { mode: string };
    expect(await clients.elbv2.config.maxAttempts()).toBe(3);
    expect(strategy.mode).toBe('standard');
  });
});

describe('createAwsAdapters', () => {
  it('wires every port to the injected clients: discover, map, observe, lock, store the spec', async () => {
    const aws = createFakeAws({ instances: brokerInstances(3), securityGroupIds: ['sg-0abc12345'] });
    const adapters = createAwsAdapters(aws.clients, { targets: { mode: 'ledger', auditPerObserve: 1 } });
    const spec = awsSpec();
    const brokers = await adapters.discovery.discoverBrokers(spec);
    for (const [index, broker] of brokers.entries()) {
      await applyAction(adapters, spec, {
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093 + index,
        brokerId: broker.id,
        targets: [{ brokerId: broker.id, instanceId: broker.instanceId!, host: broker.host, port: 39092 }],
      });
    }
    const observed = await observeJoined(adapters, spec);
    expect(observed.mappings.map((m) => [m.port, m.brokerId, m.targets.map((t) => t.id)])).toEqual(
      brokers.map((b, index) => [9093 + index, b.id, [b.instanceId]]),
    );
    expect(await adapters.lock.acquire('orders', 'exec-1', 60)).toMatchObject({ acquired: true });
    await adapters.specs.save('orders', 'cluster: orders\n');
    expect(await adapters.specs.load('orders')).toBe('cluster: orders\n');
    await adapters.lock.release('orders', 'exec-1');
    expect(await adapters.lock.acquire('orders', 'exec-2', 60)).toMatchObject({ acquired: true });
  });
});
