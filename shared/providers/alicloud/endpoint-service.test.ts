import { afterEach, describe, expect, it } from 'vitest';
import { createAlicloudClients } from './clients.ts';
import { PrivateLinkEndpointService } from './endpoint-service.ts';
import { FAKE_NLB_ID, type FakeAlibaba, startFakeAlibaba } from './testing/fake-alibaba.ts';
import { alicloudSpec, CONSUMER_ACCOUNT } from './testing/spec.ts';

let fake: FakeAlibaba | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function endpointService() {
  fake = await startFakeAlibaba();
  const clients = createAlicloudClients(fake.clientOptions);
  return new PrivateLinkEndpointService({ privateLink: clients.privateLink, nlb: clients.nlb });
}

/** Runs ensure as the workflow does: an AlicloudEndpointServiceNotReady is retried (here at once). */
async function ensureRetried(service: PrivateLinkEndpointService, spec = alicloudSpec()) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await service.ensure(spec);
    } catch (error) {
      if ((error as Error).name !== 'AlicloudEndpointServiceNotReady' || attempt > 5) throw error;
    }
  }
}

describe('PrivateLinkEndpointService (the real OpenAPI client against the signed fake)', () => {
  it('creates the service over the NLB in the spec’s zones, whitelists the consumer once Active, and names it', async () => {
    const service = await endpointService();
    const first = await service.ensure(alicloudSpec()).catch((e: unknown) => e);
    // Alibaba creates the service asynchronously: the whitelist waits until it is Active (the workflow retries).
    expect(first).toMatchObject({ name: 'AlicloudEndpointServiceNotReady' });
    const endpoint = await ensureRetried(service);
    const stored = [...fake!.privateLink.services.values()];
    expect(stored).toHaveLength(1);
    expect(endpoint?.serviceName).toBe(stored[0]!.serviceName);
    expect(endpoint?.serviceName).toMatch(/^com\.aliyuncs\.privatelink\.ap-southeast-1\.epsrv-/);
    expect(stored[0]).toMatchObject({
      autoAccept: false,
      users: [CONSUMER_ACCOUNT],
      tags: { 'brokerlink:cluster': 'orders' },
    });
    expect(stored[0]!.resources.map((r) => [r.resourceId, r.zoneId])).toEqual([
      [FAKE_NLB_ID, 'ap-southeast-1a'],
      [FAKE_NLB_ID, 'ap-southeast-1b'],
      [FAKE_NLB_ID, 'ap-southeast-1c'],
    ]);
    // idempotent: a second run creates nothing and adds nothing
    const again = await service.ensure(alicloudSpec());
    expect(again?.serviceName).toBe(endpoint?.serviceName);
    expect(fake!.privateLink.services.size).toBe(1);
    expect(again?.notes.join(' ')).not.toMatch(/created|added/);
  });

  it('reports the consumer’s connection waiting for acceptance, with the command that accepts it', async () => {
    const service = await endpointService();
    const endpoint = await ensureRetried(service);
    const endpointId = fake!.consumerConnects(endpoint!.serviceName, CONSUMER_ACCOUNT);
    const report = await service.ensure(alicloudSpec());
    expect(report?.notes.join('\n')).toContain(
      `connection ${endpointId} from account ${CONSUMER_ACCOUNT} waits for acceptance`,
    );
    expect(report?.notes.join('\n')).toContain('EnableVpcEndpointConnection');
  });

  it('keeps auto-accept as the spec says, and leaves accounts the spec no longer lists (with a note)', async () => {
    const service = await endpointService();
    await ensureRetried(service);
    const spec = alicloudSpec();
    spec.provider.alicloud!.endpointService = { allowedAccounts: ['9999999999999999'], autoAcceptConnection: true };
    const report = await service.ensure(spec);
    const stored = [...fake!.privateLink.services.values()][0]!;
    expect(stored.autoAccept).toBe(true);
    expect(stored.users.sort()).toEqual([CONSUMER_ACCOUNT, '9999999999999999']);
    expect(report?.notes.join(' ')).toContain(`${CONSUMER_ACCOUNT} are on the whitelist but not in the spec`);
  });

  it('does nothing without endpointService in the spec', async () => {
    const service = await endpointService();
    const spec = alicloudSpec();
    delete spec.provider.alicloud!.endpointService;
    expect(await service.ensure(spec)).toBeNull();
    expect(fake!.privateLink.services.size).toBe(0);
  });
});
