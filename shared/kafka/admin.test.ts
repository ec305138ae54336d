import { afterEach, describe, expect, it } from 'vitest';
import { kraftProperties, startTestCluster, type TestClusterHandle } from '../../testkit/kafka/fixtures.ts';
import { parseSpec } from '../spec/validate.ts';
import { createKafkaAdmin } from './admin.ts';
import { parseProtocolMap } from './probe/probe.ts';

const noSecrets = { resolve: async (ref: string) => Promise.reject(new Error(`no secret ${ref}`)) };

function specFor(bootstrap: string[]) {
  return parseSpec({
    cluster: 'orders',
    provider: { local: { stateFile: '/tmp/brokerlink-admin-test.json' } },
    brokers: {
      static: [{ id: 1, host: '127.0.0.1' }],
      propertiesPath: '/etc/kafka/server.properties',
      restart: { script: '/usr/local/bin/restart-kafka' },
    },
    kafka: { bootstrap, requestTimeoutMs: 3000 },
    exposures: [
      {
        brokerPort: 39092,
        bootstrapPort: 19092,
        brokerPorts: { from: 19093, to: 19099 },
        advertisedListenerPattern: '<broker_id>.example.internal:<port>',
      },
    ],
  });
}

describe('createKafkaAdmin', () => {
  let handle: TestClusterHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  it('reports each running broker’s listeners with bind, advertised address and security protocol', async () => {
    handle = await startTestCluster({
      properties: (id) =>
        kraftProperties(id)
          .replace('listeners=PLAINTEXT://127.0.0.1:0,', 'listeners=PLAINTEXT://127.0.0.1:0,EXTERNAL://127.0.0.1:0,')
          .replace(
            'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,',
            'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT,',
          ),
    });
    const internal = handle.brokers.map((broker) => `127.0.0.1:${broker.ports['PLAINTEXT']}`);
    const admin = await createKafkaAdmin(specFor(internal), noSecrets);
    try {
      const views = await admin.runningListeners(2);
      expect(views?.['EXTERNAL']).toMatchObject({
        // DescribeConfigs reports `listeners` as written in server.properties (port 0 in these fixtures).
        bind: { host: '127.0.0.1', port: 0 },
        securityProtocol: 'PLAINTEXT',
      });
      expect(views?.['PLAINTEXT']?.securityProtocol).toBe('PLAINTEXT');
      expect((await admin.snapshot()).brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
      expect(await admin.runningListeners(9)).toBeNull();
    } finally {
      await admin.close();
    }
  });

  it('asks a broker itself: ownView (serves, or why not) and hostedPartitions (DescribeLogDirs)', async () => {
    handle = await startTestCluster({});
    handle.cluster.createTopic('orders', 3, { replicationFactor: 2 });
    const internal = handle.brokers.map((broker) => `127.0.0.1:${broker.ports['PLAINTEXT']}`);
    const admin = await createKafkaAdmin(specFor(internal), noSecrets);
    try {
      expect(await admin.ownView(2)).toMatchObject({ serves: true });
      const hosted = await admin.hostedPartitions(2);
      const expected = handle.cluster
        .topic('orders')!
        .partitions.filter((p) => p.replicas.includes(2))
        .map((p) => p.index);
      expect(hosted).toEqual({ known: true, topics: new Map([['orders', expected]]) });
      await handle.brokers[2]!.stop();
      expect(await admin.ownView(3)).toMatchObject({ serves: false, address: null });
      expect(await admin.hostedPartitions(3)).toMatchObject({ known: false });
    } finally {
      await admin.close();
    }
  });

  it('tries the next bootstrap address when the first refuses', async () => {
    handle = await startTestCluster();
    const admin = await createKafkaAdmin(
      specFor(['127.0.0.1:1', `127.0.0.1:${handle.brokers[0]!.ports['PLAINTEXT']}`]),
      noSecrets,
    );
    try {
      expect((await admin.snapshot()).brokers).toHaveLength(3);
    } finally {
      await admin.close();
    }
  });
});

describe('parseProtocolMap', () => {
  it('maps listener names (upper case) to protocols and skips malformed entries', () => {
    expect(parseProtocolMap('internal:plaintext, EXTERNAL:SASL_SSL,broken,:SSL')).toEqual({
      INTERNAL: 'PLAINTEXT',
      EXTERNAL: 'SASL_SSL',
    });
    expect(parseProtocolMap(null)).toEqual({});
  });
});
