/**
 * Second real client: @platformatic/kafka's low-level Connection and per-API functions against the test broker,
 * over PLAINTEXT, SSL (test CA) and SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
 */
import {
  apiVersionsV3,
  Connection,
  describeClusterV1,
  describeConfigsV4,
  describeQuorumV2,
  metadataV9,
  metadataV12,
} from '@platformatic/kafka';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, type TestCa } from '../tls/make-test-ca.ts';
import { kraftProperties, startTestCluster, type TestClusterHandle } from './fixtures.ts';

const handles: TestClusterHandle[] = [];
const conns: Connection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close().catch(() => {});
  for (const h of handles.splice(0)) await h.close();
});

async function open(port: number, options: ConstructorParameters<typeof Connection>[1] = {}): Promise<Connection> {
  const c = new Connection('brokerlink-test', { connectTimeout: 3_000, requestTimeout: 3_000, ...options });
  conns.push(c);
  await c.connect('127.0.0.1', port);
  return c;
}

describe('@platformatic/kafka against the test broker (PLAINTEXT)', () => {
  it('apiVersionsV3, metadataV12/V9, describeConfigsV4, describeClusterV1, describeQuorumV2 all parse', async () => {
    const h = await startTestCluster();
    handles.push(h);
    h.cluster.createTopic('orders', 2, { minInsyncReplicas: 2 });
    const port = h.brokers[0]!.ports['PLAINTEXT']!;
    const c = await open(port);

    const versions = await apiVersionsV3.api.async(c, 'brokerlink', '0.1.0');
    expect(versions.errorCode).toBe(0);
    expect(versions.apiKeys.find((k) => k.apiKey === 32)).toMatchObject({ minVersion: 0, maxVersion: 4 });

    const md = await metadataV12.api.async(c, null, false, false);
    expect(md.clusterId).toBe(h.cluster.clusterId);
    expect(md.brokers.map((b) => [b.nodeId, b.port])).toEqual(h.brokers.map((b) => [b.nodeId, b.ports['PLAINTEXT']]));
    expect(md.topics[0]).toMatchObject({ name: 'orders', topicId: expect.stringMatching(/^[0-9a-f-]{32,36}$/) });
    const md9 = await metadataV9.api.async(c, ['orders'], false, false);
    expect(md9.topics[0]!.partitions.map((p) => p.isrNodes.length)).toEqual([3, 3]);

    const cfg = await describeConfigsV4.api.async(
      c,
      [{ resourceType: 4, resourceName: '1', configurationKeys: ['node.id', 'listeners'] }],
      false,
      false,
    );
    expect(cfg.results[0]!.configs.map((x) => [x.name, x.value])).toEqual([
      ['listeners', 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0'],
      ['node.id', '1'],
    ]);

    const wrong = await describeConfigsV4.api
      .async(c, [{ resourceType: 4, resourceName: '2', configurationKeys: null }], false, false)
      .then(
        () => null,
        (e: { response?: { results: { errorCode: number; errorMessage: string }[] } }) => e,
      );
    expect(wrong?.response?.results[0]).toMatchObject({
      errorCode: 42,
      errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 2',
    });

    const cluster = await describeClusterV1.api.async(c, false, 1);
    expect(cluster.clusterId).toBe(h.cluster.clusterId);
    expect(cluster.brokers.map((b) => b.brokerId)).toEqual([1, 2, 3]);

    h.cluster.setActiveController(3);
    const quorum = await describeQuorumV2.api.async(c, [
      { topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] },
    ]);
    const part = quorum.topics[0]!.partitions[0]!;
    expect(part.leaderId).toBe(3);
    expect(part.currentVoters.map((v) => v.replicaId)).toEqual([1, 2, 3]);
    expect(quorum.nodes.map((n) => n.nodeId)).toEqual([1, 2, 3]);
    expect(quorum.nodes[0]!.listeners[0]).toMatchObject({
      name: 'CONTROLLER',
      host: '127.0.0.1',
      port: h.brokers[0]!.ports['CONTROLLER'],
    });
  });
});

describe('@platformatic/kafka against TLS and SASL listeners', () => {
  let ca: TestCa;
  beforeAll(() => {
    ca = makeTestCa();
  });

  const users = { alice: 'alice-secret', bob: 'bob-secret' };
  const secureProps = (id: number) =>
    kraftProperties(id)
      .replace(
        /^listeners=.*$/m,
        'listeners=SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
      )
      .replace(
        /^listener.security.protocol.map=.*$/m,
        'listener.security.protocol.map=SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
      )
      .replace(/^inter.broker.listener.name=.*$/m, 'inter.broker.listener.name=SSL');

  async function secureCluster() {
    const h = await startTestCluster({
      nodeIds: [1, 2],
      properties: secureProps,
      tls: { cert: ca.cert, key: ca.key },
      sasl: { users },
    });
    handles.push(h);
    return h;
  }

  it('serves Metadata over SSL with a certificate the test CA verifies', async () => {
    const h = await secureCluster();
    const c = await open(h.brokers[1]!.ports['SSL']!, { tls: { ca: ca.ca, servername: 'localhost' } });
    const md = await metadataV12.api.async(c, null, false, false);
    expect(md.brokers.map((b) => b.port)).toEqual(h.brokers.map((b) => b.ports['SSL']));
  });

  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`authenticates ${mechanism} over SASL_PLAINTEXT and SASL_SSL, then answers DescribeConfigs`, async () => {
      const h = await secureCluster();
      const plain = await open(h.brokers[0]!.ports['SASL_PLAINTEXT']!, {
        sasl: { mechanism, username: 'alice', password: users.alice },
      });
      const cfg = await describeConfigsV4.api.async(
        plain,
        [{ resourceType: 4, resourceName: '1', configurationKeys: ['node.id'] }],
        false,
        false,
      );
      expect(cfg.results[0]!.configs[0]!.value).toBe('1');
      const tlsConn = await open(h.brokers[1]!.ports['SASL_SSL']!, {
        tls: { ca: ca.ca, servername: 'localhost' },
        sasl: { mechanism, username: 'bob', password: users.bob },
      });
      const md = await metadataV12.api.async(tlsConn, null, false, false);
      expect(md.brokers.map((b) => b.port)).toEqual(h.brokers.map((b) => b.ports['SASL_SSL']));
    });

    it(`rejects a wrong ${mechanism} password with SaslAuthenticate error 58`, async () => {
      const h = await secureCluster();
      const c = new Connection('brokerlink-test', {
        connectTimeout: 3_000,
        requestTimeout: 3_000,
        sasl: { mechanism, username: 'alice', password: 'wrong' },
      });
      conns.push(c);
      let err: unknown = null;
      try {
        await c.connect('127.0.0.1', h.brokers[0]!.ports['SASL_PLAINTEXT']!);
      } catch (caught) {
        err = caught;
      }
      expect(err).not.toBeNull();
      // walk the cause chain down to platformatic's ResponseError, which carries the decoded response body
      let e: unknown = err;
      while (e && typeof e === 'object' && !('response' in e)) e = (e as { cause?: unknown }).cause;
      const response = (e as { response?: { errorCode: number; errorMessage: string } } | undefined)?.response;
      expect(response?.errorCode).toBe(58);
      expect(response?.errorMessage).toMatch(/^Authentication failed/);
    });
  }
});
