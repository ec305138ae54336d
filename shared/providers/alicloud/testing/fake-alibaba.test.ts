import * as ecsNs from '@alicloud/ecs20140526';
import * as openApiNs from '@alicloud/openapi-core';
import { commonJs } from '../commonjs.ts';

const ecs = commonJs(ecsNs);
const openApiModule = commonJs(openApiNs);

import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AlicloudClients, createAlicloudClients } from '../clients.ts';
import { ALGORITHM, signatureOf } from './acs3-signature.ts';
import { FAKE_NLB_ID, FAKE_REGION, FAKE_VPC_ID, type FakeAlibaba, startFakeAlibaba } from './fake-alibaba.ts';
import { FAKE_ACCESS_KEY_ID, FAKE_ACCESS_KEY_SECRET } from './rpc-server.ts';

/* The fake Alibaba endpoints answer the real SDK clients, verify their signatures and enforce documented rules. */

const RegionId = FAKE_REGION;
let fake: FakeAlibaba;
let clients: AlicloudClients;

beforeEach(async () => {
  fake = await startFakeAlibaba({
    instances: [1, 2, 3].map((n) => ({
      instanceId: `i-t4nbroker${n}`,
      privateIp: `10.0.${n}.11`,
      zoneId: `ap-southeast-1${'abc'[n - 1]}`,
      vpcId: FAKE_VPC_ID,
      vSwitchId: `vsw-${n}`,
      status: 'Running' as const,
      tags: { 'brokerlink:cluster': n < 3 ? 'orders' : 'other', 'kafka-node-id': String(n) },
    })),
  });
  clients = createAlicloudClients(fake.clientOptions);
});
afterEach(async () => {
  await fake.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as { code?: string }).code);
  }
  return 'no error';
}

describe('fake Alibaba gateway', () => {
  it('answers the generated ECS client, filtering instances by tag', async () => {
    const answer = await clients.ecs.describeInstances(
      new ecs.DescribeInstancesRequest({
        regionId: RegionId,
        tag: [new ecs.DescribeInstancesRequestTag({ key: 'brokerlink:cluster', value: 'orders' })],
      }),
    );
    expect(answer.body?.instances?.instance?.map((i) => i.instanceId)).toEqual(['i-t4nbroker1', 'i-t4nbroker2']);
    expect(fake.gateway.calls[0]).toMatchObject({ action: 'DescribeInstances', carriedIn: 'query' });
  });

  it('refuses a request signed with the wrong secret and runs nothing', async () => {
    const wrong = createAlicloudClients({
      ...fake.clientOptions,
      credentials: { accessKeyId: fake.clientOptions.credentials!.accessKeyId, accessKeySecret: 'not-the-secret' },
    });
    expect(
      await codeOf(wrong.nlb.call('CreateServerGroup', { RegionId, ServerGroupName: 'x-1', VpcId: FAKE_VPC_ID })),
    ).toBe('SignatureDoesNotMatch');
    const unknown = createAlicloudClients({
      ...fake.clientOptions,
      credentials: { accessKeyId: 'LTAInobody', accessKeySecret: 's' },
    });
    expect(await codeOf(unknown.kms.call('GetSecretValue', { SecretName: 'x' }))).toBe('InvalidAccessKeyId.NotFound');
    expect(fake.nlb.serverGroups.size).toBe(0);
  });

  it('refuses a body that differs from the signed one, and a signature over other headers', async () => {
    const body = Buffer.from('RegionId=ap-southeast-1');
    const headers: Record<string, string> = {
      host: fake.gateway.endpoint,
      'content-type': 'application/x-www-form-urlencoded',
      'x-acs-action': 'ListServerGroups',
      'x-acs-version': '2022-04-30',
      'x-acs-date': new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      'x-acs-signature-nonce': `nonce-${Math.random()}`,
      'x-acs-content-sha256': createHash('sha256').update(body).digest('hex'),
    };
    const signed = Object.keys(headers).sort();
    const sign = (h: Record<string, string>, b: Buffer) =>
      `${ALGORITHM} Credential=${FAKE_ACCESS_KEY_ID},SignedHeaders=${signed.join(';')},Signature=${signatureOf(
        { method: 'POST', path: '/', query: [], headers: h, body: b },
        signed,
        FAKE_ACCESS_KEY_SECRET,
      )}`;
    const send = async (h: Record<string, string>, b: Buffer) => {
      const response = await fetch(`http://${fake.gateway.endpoint}/`, { method: 'POST', headers: h, body: b });
      return ((await response.json()) as { Code?: string }).Code ?? 'ok';
    };
    expect(await send({ ...headers, authorization: sign(headers, body) }, body)).toBe('ok');
    const other = Buffer.from('RegionId=cn-hangzhou');
    const fresh = { ...headers, 'x-acs-signature-nonce': `nonce-${Math.random()}` };
    expect(await send({ ...fresh, authorization: sign(fresh, body) }, other)).toBe('InvalidParameter.ContentSha256');
    const rehashed = {
      ...fresh,
      'x-acs-signature-nonce': `n-${Math.random()}`,
      'x-acs-content-sha256': createHash('sha256').update(other).digest('hex'),
    };
    expect(await send({ ...rehashed, authorization: sign(fresh, body) }, other)).toBe('SignatureDoesNotMatch');
    const replay = { ...headers, authorization: sign(headers, body) };
    expect(await send(replay, body)).toBe('SignatureNonceUsed');
  });

  it('runs NLB changes as jobs: the resource is locked until GetJobStatus reports Succeeded', async () => {
    const created = await clients.nlb.call('CreateServerGroup', {
      RegionId,
      ServerGroupName: 'bl-orders-EXTERNAL-9093',
      ServerGroupType: 'Instance',
      Protocol: 'TCP',
      VpcId: FAKE_VPC_ID,
    });
    const groupId = created.ServerGroupId as string;
    const servers = {
      RegionId,
      ServerGroupId: groupId,
      Servers: [{ ServerId: 'i-t4nbroker1', ServerType: 'Ecs', Port: 39092 }],
    };
    expect(await codeOf(clients.nlb.call('AddServersToServerGroup', servers))).toBe('Conflict.Lock');
    expect((await clients.nlb.call('GetJobStatus', { JobId: created.JobId as string })).Status).toBe('Processing');
    expect((await clients.nlb.call('GetJobStatus', { JobId: created.JobId as string })).Status).toBe('Succeeded');
    const added = await clients.nlb.call('AddServersToServerGroup', servers);
    expect(added.JobId).toMatch(/^job-/);
    const listed = await clients.nlb.call('ListServerGroupServers', { RegionId, ServerGroupId: groupId });
    expect(listed.Servers).toMatchObject([
      { ServerId: 'i-t4nbroker1', ServerIp: '10.0.1.11', Port: 39092, Status: 'Adding' },
    ]);
  });

  it('answers DryRunOperation and changes nothing on a dry run', async () => {
    expect(
      await codeOf(
        clients.nlb.call('CreateServerGroup', {
          RegionId,
          ServerGroupName: 'bl-dry',
          VpcId: FAKE_VPC_ID,
          DryRun: true,
        }),
      ),
    ).toBe('DryRunOperation');
    expect(fake.nlb.serverGroups.size).toBe(0);
  });

  it('enforces the listener quota, one listener per port and 200 servers per call', async () => {
    fake.nlb.listenerQuota = 2;
    fake.nlb.jobPolls = 0;
    const group = await clients.nlb.call('CreateServerGroup', {
      RegionId,
      ServerGroupName: 'bl-q',
      VpcId: FAKE_VPC_ID,
    });
    const listener = (port: number) =>
      clients.nlb.call('CreateListener', {
        RegionId,
        LoadBalancerId: FAKE_NLB_ID,
        ListenerProtocol: 'TCP',
        ListenerPort: port,
        ServerGroupId: group.ServerGroupId as string,
      });
    await listener(9092);
    expect(await codeOf(listener(9092))).toBe('Conflict.Port');
    await listener(9093);
    expect(await codeOf(listener(9094))).toBe('QuotaExceeded.ListenersNum');
    const tooMany = Array.from({ length: 201 }, (_, n) => ({
      ServerId: `10.0.9.${n % 250}`,
      ServerType: 'Ip',
      ServerIp: '10.0.9.1',
      Port: 1000 + n,
    }));
    expect(
      await codeOf(
        clients.nlb.call('AddServersToServerGroup', {
          RegionId,
          ServerGroupId: group.ServerGroupId as string,
          Servers: tooMany,
        }),
      ),
    ).toBe('QuotaExceeded.ServersNum');
    expect(
      await codeOf(clients.nlb.call('DeleteServerGroup', { RegionId, ServerGroupId: group.ServerGroupId as string })),
    ).toBe('ResourceInUse.serverGroup');
  });

  it('refuses NLB parameters sent in the query string and PrivateLink ones sent in a body', async () => {
    const { default: OpenApi, $OpenApiUtil } = openApiModule;
    const client = new OpenApi(
      new $OpenApiUtil.Config({
        ...fake.clientOptions.credentials,
        endpoint: fake.gateway.endpoint,
        protocol: 'http',
        regionId: RegionId,
      }),
    );
    const params = (action: string, version: string) =>
      new $OpenApiUtil.Params({
        action,
        version,
        protocol: 'http',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      });
    expect(
      await codeOf(
        client.callApi(
          params('ListServerGroups', '2022-04-30'),
          new $OpenApiUtil.OpenApiRequest({ query: { RegionId } }),
          {} as never,
        ),
      ),
    ).toBe('InvalidParameter');
    expect(
      await codeOf(
        client.callApi(
          params('ListVpcEndpointServices', '2020-04-15'),
          new $OpenApiUtil.OpenApiRequest({ body: { RegionId } }),
          {} as never,
        ),
      ),
    ).toBe('InvalidParameter');
  });

  it('activates an endpoint service after a few reads and only then takes whitelist users', async () => {
    const created = await clients.privateLink.call('CreateVpcEndpointService', {
      RegionId,
      ServiceResourceType: 'nlb',
      AutoAcceptEnabled: false,
      Resource: [{ ResourceId: FAKE_NLB_ID, ResourceType: 'nlb', ZoneId: 'ap-southeast-1a' }],
    });
    expect(created.ServiceName).toBe(`com.aliyuncs.privatelink.${RegionId}.${created.ServiceId}`);
    const user = { RegionId, ServiceId: created.ServiceId as string, UserId: '1234567890123456' };
    expect(await codeOf(clients.privateLink.call('AddUserToVpcEndpointService', user))).toBe(
      'EndpointServiceOperationDenied',
    );
    await clients.privateLink.call('GetVpcEndpointServiceAttribute', {
      RegionId,
      ServiceId: created.ServiceId as string,
    });
    const read = await clients.privateLink.call('GetVpcEndpointServiceAttribute', {
      RegionId,
      ServiceId: created.ServiceId as string,
    });
    expect(read.ServiceStatus).toBe('Active');
    await clients.privateLink.call('AddUserToVpcEndpointService', user);
    expect(() => fake.consumerConnects(created.ServiceName as string, '9999999999999999')).toThrow(
      /not on the whitelist/,
    );
    fake.consumerConnects(created.ServiceName as string, '1234567890123456');
    const connections = await clients.privateLink.call('ListVpcEndpointConnections', {
      RegionId,
      ServiceId: created.ServiceId as string,
    });
    expect(connections.Connections).toMatchObject([{ ConnectionStatus: 'Pending', EndpointOwnerId: 1234567890123456 }]);
  });

  it('enforces the security-group rule quota', async () => {
    fake.ecs.ruleQuota = 1;
    const rule = (port: number) =>
      clients.ecs.authorizeSecurityGroup(
        new ecs.AuthorizeSecurityGroupRequest({
          regionId: RegionId,
          securityGroupId: 'sg-t4n0kafkabrokers',
          permissions: [
            new ecs.AuthorizeSecurityGroupRequestPermissions({
              ipProtocol: 'TCP',
              portRange: `${port}/${port}`,
              sourceCidrIp: '10.0.0.0/16',
            }),
          ],
        }),
      );
    await rule(9093);
    expect(await codeOf(rule(9093))).toBe('InvalidPermission.Duplicate');
    expect(await codeOf(rule(9094))).toBe('AuthorizationLimitExceed');
  });
});
