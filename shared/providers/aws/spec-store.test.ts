import { describe, expect, it } from 'vitest';
import { SpecNotStored, SpecTooLarge } from './errors.ts';
import { SsmSpecStore } from './spec-store.ts';
import { createFakeAws } from './testing/fake-aws.ts';

describe('SsmSpecStore', () => {
  it('saves to /brokerlink/<cluster>/spec and loads the same text back', async () => {
    const aws = createFakeAws();
    const store = new SsmSpecStore({ ssm: aws.clients.ssm });
    await store.save('orders', 'cluster: orders\n');
    expect(await store.load('orders')).toBe('cluster: orders\n');
    expect(aws.calls('ssm', 'PutParameter')[0]?.input).toMatchObject({
      Name: '/brokerlink/orders/spec',
      Type: 'String',
      Overwrite: true,
    });
    expect(aws.state.parameters.get('/brokerlink/orders/spec')?.tier).toBe('Standard');
  });

  it('uses the Advanced tier above 4 KB and can shrink back without a tier downgrade error', async () => {
    const aws = createFakeAws();
    const store = new SsmSpecStore({ ssm: aws.clients.ssm });
    const big = `# ${'x'.repeat(5000)}\ncluster: orders\n`;
    await store.save('orders', big);
    expect(aws.calls('ssm', 'PutParameter')[0]?.input['Tier']).toBe('Advanced');
    expect(await store.load('orders')).toBe(big);
    await store.save('orders', 'cluster: orders\n');
    expect(await store.load('orders')).toBe('cluster: orders\n');
  });

  it('refuses a spec larger than 8 KB without calling AWS', async () => {
    const aws = createFakeAws();
    const store = new SsmSpecStore({ ssm: aws.clients.ssm });
    await expect(store.save('orders', 'x'.repeat(9000))).rejects.toBeInstanceOf(SpecTooLarge);
    expect(aws.calls()).toHaveLength(0);
  });

  it('says which parameter is missing when no spec is stored', async () => {
    const aws = createFakeAws();
    const error = await new SsmSpecStore({ ssm: aws.clients.ssm }).load('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecNotStored);
    expect((error as SpecNotStored).parameterName).toBe('/brokerlink/orders/spec');
  });
});
