import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gcpSpec } from '../plan/testing/fixtures.ts';
import { parseSpec } from '../spec/validate.ts';
import { localSpec } from '../steps/testing/spec.ts';
import { awsSpec, awsSpecInput } from './aws/testing/specs.ts';
import { GcpProviderNotConfigured } from './gcp/errors.ts';
import { createProviderAdapters, hasAdapters } from './registry.ts';

describe('provider registry', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-registry-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('builds the local provider’s adapters for a local spec, spec store included', async () => {
    const spec = localSpec({ provider: { local: { host: '127.0.0.1', stateFile: join(dir, 'lb.json') } } });
    const adapters = await createProviderAdapters(spec);
    expect(await adapters.ledger.read(spec)).toEqual([]);
    await adapters.specs.save('orders', 'cluster: orders\n');
    expect(await adapters.specs.load('orders')).toBe('cluster: orders\n');
    expect(adapters.specStoreLocation('orders')).toBe(`the local spec directory next to ${join(dir, 'lb.json')}`);
    expect(await adapters.lock.acquire('orders', 'me', 60)).toMatchObject({ acquired: true });
  });

  it('builds the AWS adapters in the spec’s region and names the Parameter Store parameter', async () => {
    const adapters = await createProviderAdapters(awsSpec());
    expect(adapters.specStoreLocation('orders')).toBe('Parameter Store /brokerlink/orders/spec (us-west-2)');
    expect(typeof adapters.loadBalancer.start).toBe('function');
  });

  it('builds the GCP adapters over the deployment’s state bucket, and refuses to guess the bucket', async () => {
    const adapters = await createProviderAdapters(gcpSpec(), { gcp: { env: { BROKERLINK_BUCKET: 'p-brokerlink' } } });
    expect(adapters.specStoreLocation('orders')).toBe('gs://p-brokerlink/specs/orders.yaml');
    expect(typeof adapters.loadBalancer.poll).toBe('function');
    await expect(createProviderAdapters(gcpSpec(), { gcp: { env: {} } })).rejects.toBeInstanceOf(
      GcpProviderNotConfigured,
    );
    await expect(createProviderAdapters(gcpSpec(), { gcp: { env: {} } })).rejects.toThrow(/BROKERLINK_BUCKET/);
  });

  it('can observe and change every provider the spec accepts (each has its adapters)', () => {
    const alicloud = parseSpec({
      ...awsSpecInput(),
      provider: {
        alicloud: {
          region: 'ap-northeast-1',
          loadBalancerId: 'nlb-abc123',
          vpcId: 'vpc-abc123',
          consumerCidrs: ['10.1.0.0/16'],
        },
      },
    });
    expect(hasAdapters(alicloud)).toBe(true);
    expect(hasAdapters(gcpSpec())).toBe(true);
    expect(hasAdapters(awsSpec())).toBe(true);
  });
});
