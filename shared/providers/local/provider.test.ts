import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterSpecInput } from '../../spec/schema.ts';
import { clusterSpecSchema } from '../../spec/schema.ts';
import { observeJoined } from '../testing/drive.ts';
import { LocalProviderUnsupported, SecretUnavailable, SpecNotFound } from './errors.ts';
import { createLocalProvider } from './index.ts';
import { createLocalSecrets } from './secrets.ts';
import { createFileSpecStore } from './spec-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bl-local-provider-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spec(overrides: Partial<ClusterSpecInput> = {}) {
  return clusterSpecSchema.parse({
    cluster: 'orders',
    provider: { local: { host: '127.0.0.2', stateFile: join(dir, 'lb.json') } },
    brokers: {
      static: [
        { id: 2, host: '127.0.0.12', azId: 'lo-az2' },
        { id: 1, host: '127.0.0.11', az: 'lo-a' },
      ],
      propertiesPath: '/etc/kafka/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['127.0.0.11:9092'] },
    exposures: [{ brokerPort: 39092, brokerPorts: { from: 9093, to: 9099 }, advertisedListenerPattern: 'h:<port>' }],
    ...overrides,
  });
}

describe('createLocalProvider', () => {
  it('discovers the static brokers with host as instance id', async () => {
    const provider = createLocalProvider(spec());
    expect(await provider.discovery.discoverBrokers(spec())).toEqual([
      { id: 2, host: '127.0.0.12', instanceId: '127.0.0.12', azId: 'lo-az2', state: 'running' },
      { id: 1, host: '127.0.0.11', instanceId: '127.0.0.11', az: 'lo-a', state: 'running' },
    ]);
  });

  it('refuses tag discovery, which has no meaning on one machine', async () => {
    const s = spec({
      brokers: {
        discover: { tags: { 'brokerlink:cluster': 'orders' }, nodeIdTag: 'node' },
        propertiesPath: '/etc/kafka/server.properties',
        restart: { systemdUnit: 'kafka.service' },
      },
    });
    await expect(createLocalProvider(s).discovery.discoverBrokers(s)).rejects.toThrow(LocalProviderUnsupported);
  });

  it('refuses a spec for another provider', () => {
    const aws = spec({
      provider: {
        aws: {
          region: 'us-west-2',
          loadBalancerArn:
            'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/kafka/0123456789abcdef',
          vpcId: 'vpc-0abc1234',
          consumerCidrs: ['10.0.0.0/16'],
        },
      },
    });
    expect(() => createLocalProvider(aws)).toThrow(/no provider.local/);
  });

  it('gives consumers the spec’s loopback address and observes an empty ledger before anything is created', async () => {
    const provider = createLocalProvider(spec());
    expect(await provider.loadBalancer.consumerAddress(spec())).toBe('127.0.0.2');
    expect(await observeJoined(provider, spec())).toEqual({ mappings: [], openPorts: [] });
  });

  it('keeps specs next to the state file and locks per cluster there', async () => {
    const provider = createLocalProvider(spec());
    await provider.specs.save('orders', 'cluster: orders\n');
    expect(await readFile(join(dir, 'specs', 'orders.yaml'), 'utf8')).toBe('cluster: orders\n');
    expect(await provider.specs.load('orders')).toBe('cluster: orders\n');
    expect(await provider.lock.acquire('orders', 'me', 30)).toMatchObject({ acquired: true });
    expect(await readFile(join(dir, 'lb.json.orders.lock'), 'utf8')).toContain('"owner":"me"');
  });
});

describe('file spec store', () => {
  it('reports a cluster without a stored spec by name', async () => {
    await expect(createFileSpecStore(dir).load('payments')).rejects.toThrow(SpecNotFound);
  });

  it('rejects cluster names that would escape the directory', async () => {
    await expect(createFileSpecStore(dir).save('../x', 'a')).rejects.toThrow(LocalProviderUnsupported);
  });

  it('replaces a stored spec', async () => {
    const store = createFileSpecStore(join(dir, 'nested'));
    await store.save('orders', 'v1');
    await store.save('orders', 'v2');
    expect(await store.load('orders')).toBe('v2');
  });
});

describe('local secrets', () => {
  it('resolves env: references from the given environment', async () => {
    const secrets = createLocalSecrets({ env: { KAFKA_PASSWORD: 's3cret' } });
    expect(await secrets.resolve('env:KAFKA_PASSWORD')).toBe('s3cret');
    await expect(secrets.resolve('env:MISSING')).rejects.toThrow(/MISSING is not set/);
  });

  it('resolves file: references without the trailing newline', async () => {
    await writeFile(join(dir, 'ca.pem'), 'PEM DATA\n');
    const secrets = createLocalSecrets({ env: {} });
    expect(await secrets.resolve(`file:${join(dir, 'ca.pem')}`)).toBe('PEM DATA');
    await expect(secrets.resolve(`file:${join(dir, 'absent')}`)).rejects.toThrow(SecretUnavailable);
    await expect(secrets.resolve('file:relative/path')).rejects.toThrow(/absolute/);
  });

  it('refuses cloud secret stores by name', async () => {
    const secrets = createLocalSecrets({ env: {} });
    await expect(secrets.resolve('aws-secretsmanager:prod/kafka')).rejects.toThrow(/aws-secretsmanager/);
  });
});
