import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretManagerClient, createStorageClient } from '../clients.ts';
import { FAKE_TOKEN } from './fake-compute.ts';
import { FakeSecretManager } from './fake-secret-manager.ts';
import { crc32cBase64, FakeStorage } from './fake-storage.ts';

/* The Cloud Storage and Secret Manager fakes through the real Node clients. */

const storageFake = new FakeStorage({ buckets: ['brokerlink-state'], token: FAKE_TOKEN, host: '127.0.2.11' });
const secretsFake = new FakeSecretManager({ project: 'kafka-prod-1', token: FAKE_TOKEN, host: '127.0.2.11' });
let storage: ReturnType<typeof createStorageClient>;
let secrets: ReturnType<typeof createSecretManagerClient>;

beforeAll(async () => {
  await storageFake.start();
  const { port } = await secretsFake.start();
  storage = createStorageClient({
    endpoint: { host: '127.0.2.11', port: storageFake.server.port, token: FAKE_TOKEN },
    projectId: 'kafka-prod-1',
  });
  secrets = createSecretManagerClient({ endpoint: { host: '127.0.2.11', port, token: FAKE_TOKEN } });
});

afterAll(async () => {
  await secrets.close();
  await storageFake.stop();
  await secretsFake.stop();
});

describe('fake Cloud Storage', () => {
  it('computes CRC-32C as Cloud Storage reports it (RFC 3720 check value)', () => {
    expect(Buffer.from(crc32cBase64(Buffer.from('123456789')), 'base64').toString('hex')).toBe('e3069283');
  });

  it('stores, reads and deletes with generations, and the client accepts its hashes', async () => {
    const file = storage.bucket('brokerlink-state').file('specs/orders.yaml');
    await file.save('cluster: orders\n', {
      resumable: false,
      contentType: 'application/yaml',
      preconditionOpts: { ifGenerationMatch: 0 },
    });
    const [metadata] = await file.getMetadata();
    const [content] = await file.download();
    expect(content.toString()).toBe('cluster: orders\n');
    await expect(
      file.save('other\n', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
    ).rejects.toMatchObject({ code: 412 });
    await file.save('cluster: orders # v2\n', {
      resumable: false,
      preconditionOpts: { ifGenerationMatch: Number(metadata.generation) },
    });
    await expect(file.delete({ ifGenerationMatch: Number(metadata.generation) })).rejects.toMatchObject({ code: 412 });
    const [now] = await file.getMetadata();
    await file.delete({ ifGenerationMatch: Number(now.generation) });
    await expect(file.getMetadata()).rejects.toMatchObject({ code: 404 });
  });

  it('lets exactly one of five racing creators win an ifGenerationMatch=0 write', async () => {
    const file = (n: number) =>
      storage
        .bucket('brokerlink-state')
        .file('locks/orders.json')
        .save(`{"owner":"c${n}"}`, { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(file));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(
      [412, 412, 412, 412],
    );
  });

  it('answers 404 for an unknown bucket', async () => {
    await expect(storage.bucket('nope').file('x').download()).rejects.toMatchObject({ code: 404 });
  });
});

describe('fake Secret Manager', () => {
  it('returns the latest enabled version and refuses disabled or missing ones', async () => {
    secretsFake.addVersion('kafka-sasl', 'old');
    secretsFake.addVersion('kafka-sasl', 'new');
    secretsFake.addVersion('kafka-sasl', 'disabled', false);
    const [latest] = await secrets.accessSecretVersion({
      name: 'projects/kafka-prod-1/secrets/kafka-sasl/versions/latest',
    });
    expect(latest.payload?.data?.toString()).toBe('new');
    expect(latest.name).toBe('projects/kafka-prod-1/secrets/kafka-sasl/versions/2');
    await expect(
      secrets.accessSecretVersion({ name: 'projects/kafka-prod-1/secrets/kafka-sasl/versions/3' }),
    ).rejects.toMatchObject({ httpStatusCode: 400, message: expect.stringContaining('DISABLED') });
    await expect(
      secrets.accessSecretVersion({ name: 'projects/kafka-prod-1/secrets/missing/versions/latest' }),
    ).rejects.toMatchObject({ code: 5 });
    await expect(
      secrets.accessSecretVersion({ name: 'projects/other-project/secrets/kafka-sasl/versions/latest' }),
    ).rejects.toMatchObject({ code: 7 });
  });
});
