import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretUnavailable } from './errors.ts';
import { AwsSecretResolver } from './secrets.ts';
import { createFakeAws } from './testing/fake-aws.ts';

function setup() {
  const aws = createFakeAws({
    secrets: { 'kafka/admin': 's3cret', 'kafka/json': JSON.stringify({ username: 'admin', password: 'pw' }) },
    parameters: { '/kafka/password': { value: 'from-ssm', type: 'SecureString' } },
  });
  const resolver = new AwsSecretResolver({
    secretsManager: aws.clients.secretsManager,
    ssm: aws.clients.ssm,
    env: { KAFKA_PASSWORD: 'from-env' },
  });
  return { aws, resolver };
}

describe('AwsSecretResolver', () => {
  it('resolves env, Secrets Manager (whole and JSON key) and decrypted SSM references', async () => {
    const { aws, resolver } = setup();
    expect(await resolver.resolve('env:KAFKA_PASSWORD')).toBe('from-env');
    expect(await resolver.resolve('aws-secretsmanager:kafka/admin')).toBe('s3cret');
    expect(await resolver.resolve('aws-secretsmanager:kafka/json#password')).toBe('pw');
    expect(await resolver.resolve('aws-ssm:/kafka/password')).toBe('from-ssm');
    expect(aws.calls('ssm', 'GetParameter')[0]?.input).toEqual({ Name: '/kafka/password', WithDecryption: true });
  });

  it('fetches each reference once per resolver', async () => {
    const { aws, resolver } = setup();
    await Promise.all([
      resolver.resolve('aws-secretsmanager:kafka/admin'),
      resolver.resolve('aws-secretsmanager:kafka/admin'),
    ]);
    await resolver.resolve('aws-secretsmanager:kafka/admin');
    expect(aws.calls('secretsManager', 'GetSecretValue')).toHaveLength(1);
  });

  it('reads file references without the trailing newline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bl-secret-'));
    try {
      await writeFile(join(dir, 'pw'), 'file-secret\n');
      expect(await setup().resolver.resolve(`file:${join(dir, 'pw')}`)).toBe('file-secret');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['env:MISSING', 'MISSING is not set'],
    ['aws-secretsmanager:nope', 'no such secret'],
    ['aws-secretsmanager:kafka/json#missing', 'no string key "missing"'],
    ['aws-secretsmanager:kafka/admin#password', 'not JSON'],
    ['aws-ssm:/nope', 'no such parameter'],
    ['gcp-secretmanager:projects/x/secrets/y', 'not available on AWS'],
  ])('explains why %s cannot be resolved', async (reference, reason) => {
    const error = await setup()
      .resolver.resolve(reference)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailable);
    expect((error as Error).message).toContain(reason);
  });

  it('tries again after a failure instead of caching it', async () => {
    const { aws, resolver } = setup();
    aws.throttle('secretsManager', 'GetSecretValue', 1);
    await expect(resolver.resolve('aws-secretsmanager:kafka/admin')).rejects.toThrow(/throttled/);
    expect(await resolver.resolve('aws-secretsmanager:kafka/admin')).toBe('s3cret');
  });
});
