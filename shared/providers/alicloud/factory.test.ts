import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProviderAdapters, hasAdapters } from '../registry.ts';
import { alicloudSpec } from './testing/spec.ts';

// Operator mode takes credentials from the environment (or the aliyun CLI's profile); nothing is called here.
beforeEach(() => {
  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'LTAI5tOperatorTest';
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'operator-test-secret';
});
afterEach(() => {
  delete process.env.BROKERLINK_STATE_BUCKET;
  delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
});

describe('the provider registry on Alibaba Cloud', () => {
  it('builds the Alibaba adapters for an alicloud spec, the spec store in the state bucket', async () => {
    expect(hasAdapters(alicloudSpec())).toBe(true);
    const adapters = await createProviderAdapters(alicloudSpec(), { alicloud: { stateBucket: 'my-brokerlink' } });
    expect(adapters.specStoreLocation('orders')).toBe(
      'OSS oss://my-brokerlink/brokerlink/specs/orders.yaml (ap-southeast-1)',
    );
    expect(typeof adapters.loadBalancer.start).toBe('function');
    expect(typeof adapters.ledger.record).toBe('function');
  });

  it('takes the bucket from BROKERLINK_STATE_BUCKET, and says what to set when there is none', async () => {
    await expect(createProviderAdapters(alicloudSpec())).rejects.toMatchObject({ name: 'AlicloudStateBucketMissing' });
    process.env.BROKERLINK_STATE_BUCKET = 'from-env';
    expect((await createProviderAdapters(alicloudSpec())).specStoreLocation('orders')).toContain('oss://from-env/');
  });
});
