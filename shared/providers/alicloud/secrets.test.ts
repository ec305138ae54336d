import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlicloudClients } from './clients.ts';
import { AlicloudSecretResolver } from './secrets.ts';
import { type FakeAlibaba, startFakeAlibaba } from './testing/fake-alibaba.ts';

let fake: FakeAlibaba;
beforeAll(async () => {
  fake = await startFakeAlibaba({ secrets: { 'kafka-sasl-password': 's3cret' } });
});
afterAll(async () => {
  await fake.close();
});

describe('AlicloudSecretResolver', () => {
  it('resolves alicloud-kms: references through KMS GetSecretValue, once per resolver', async () => {
    const resolver = new AlicloudSecretResolver({ kms: createAlicloudClients(fake.clientOptions).kms });
    expect(await resolver.resolve('alicloud-kms:kafka-sasl-password')).toBe('s3cret');
    expect(await resolver.resolve('alicloud-kms:kafka-sasl-password')).toBe('s3cret');
    expect(fake.gateway.calls.filter((call) => call.action === 'GetSecretValue')).toHaveLength(1);
  });

  it('names the reference when the secret is missing or the scheme belongs to another cloud', async () => {
    const resolver = new AlicloudSecretResolver({ kms: createAlicloudClients(fake.clientOptions).kms, env: {} });
    await expect(resolver.resolve('alicloud-kms:nope')).rejects.toThrow(
      'secret alicloud-kms:nope is unavailable: KMS has no such secret',
    );
    await expect(resolver.resolve('aws-ssm:/x')).rejects.toThrow(/not available on Alibaba Cloud/);
    await expect(resolver.resolve('env:UNSET')).rejects.toMatchObject({
      name: 'AlicloudSecretUnavailable',
      disposition: 'fail',
    });
  });
});
