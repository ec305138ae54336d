import { createServer, type Server, type Socket } from 'node:net';
import { metadataV1, metadataV12 } from '@platformatic/kafka';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificateAuthority, type TestCa } from '../../../testkit/tls/certificate-authority.ts';
import {
  ProbeConnectionFailed,
  ProbeConnectionRefused,
  ProbeOptionsInvalid,
  ProbeTimedOut,
  ProbeTlsFailed,
  ProbeUnsupportedVersion,
  ProbeWrongBroker,
} from './errors.ts';
import { createProbe } from './probe.ts';
import {
  decodeDescribeConfigsV4Resources,
  encodeApiVersionsV3Body,
  encodeDescribeConfigsV4Body,
  startByteBroker,
  uvarint,
} from './testing/byte-broker.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
function track<T extends { close(): Promise<void> }>(x: T): T {
  cleanups.push(() => x.close());
  return x;
}

describe('byte fixtures', () => {
  it('encodes the ApiVersions v3 body as the spec lays it out', () => {
    expect(encodeApiVersionsV3Body([[18, 0, 3]]).toString('hex')).toBe(
      // error 0 | compact array len 1+1 | key 18 min 0 max 3 tags | throttle 0 | tags
      '0000' + '02' + '0012' + '0000' + '0003' + '00' + '00000000' + '00',
    );
  });
  it('encodes a DescribeConfigs v4 error result with its message', () => {
    const hex = encodeDescribeConfigsV4Body([
      { errorCode: 42, errorMessage: 'x', resourceType: 4, resourceName: '2', configs: {} },
    ]).toString('hex');
    // throttle | 1 result | error 42 | msg "x" | type 4 | name "2" | no configs | tags | tags
    expect(hex).toBe('00000000' + '02' + '002a' + '0278' + '04' + '0232' + '01' + '00' + '00');
  });
  it('decodes the resources of a DescribeConfigs v4 request', () => {
    const body = Buffer.from('02' + '04' + '0233' + '02' + '08' + '6e6f64652e6964' + '00' + '0000', 'hex');
    expect(decodeDescribeConfigsV4Resources(body)).toEqual([{ type: 4, name: '3' }]);
  });
  it('relies on Metadata requests meaning all topics for null and none for an empty list', () => {
    // v1–v8: classic int32 array length, -1 = null = all topics. v9+: compact array, 0 = null.
    expect(metadataV1.createRequest(null).buffer.toString('hex')).toBe('ffffffff');
    expect(metadataV1.createRequest([]).buffer.toString('hex')).toBe('00000000');
    // topics | allow_auto_topic_creation=false | include_topic_authorized_operations=false | tags
    expect(metadataV12.createRequest(null, false).buffer.toString('hex')).toBe('00' + '00' + '00' + '00');
    expect(metadataV12.createRequest([], false).buffer.toString('hex')).toBe('01' + '00' + '00' + '00');
  });
  it('encodes unsigned varints in 7-bit groups', () => {
    expect(uvarint(300).toString('hex')).toBe('ac02');
  });
});

describe('brokerIdentity against literal DescribeConfigs bytes', () => {
  it('confirms the expected broker and reads its advertised listeners', async () => {
    const broker = track(
      await startByteBroker({
        selfId: 2,
        configs: {
          'node.id': '2',
          'advertised.listeners': 'INTERNAL://10.0.0.12:9092,EXTERNAL://b2.example.com:9094',
          listeners: 'INTERNAL://0.0.0.0:9092,EXTERNAL://0.0.0.0:39092',
          'process.roles': 'broker,controller',
        },
      }),
    );
    const probe = track(createProbe({ host: '127.0.0.1', port: broker.port, timeoutMs: 3000 }));
    const identity = await probe.brokerIdentity(2);
    expect(identity).toEqual({
      reachedExpected: true,
      brokerId: 2,
      advertisedListeners: [
        { name: 'INTERNAL', host: '10.0.0.12', port: 9092 },
        { name: 'EXTERNAL', host: 'b2.example.com', port: 9094 },
      ],
      listeners: [
        { name: 'INTERNAL', host: '0.0.0.0', port: 9092 },
        { name: 'EXTERNAL', host: '0.0.0.0', port: 39092 },
      ],
      securityProtocols: {},
      processRoles: ['broker', 'controller'],
      rack: null,
    });
    expect(broker.received).toEqual([
      [18, 3],
      [32, 4],
    ]);
  });

  it('reports the broker actually reached from the INVALID_REQUEST message', async () => {
    const broker = track(await startByteBroker({ selfId: 3 }));
    const probe = track(createProbe({ host: '127.0.0.1', port: broker.port, timeoutMs: 3000 }));
    const identity = await probe.brokerIdentity(2);
    expect(identity).toMatchObject({ reachedExpected: false, expectedId: 2, reachedId: 3, source: 'error-message' });
    await expect(probe.expectBroker(2)).rejects.toThrow(new ProbeWrongBroker(probe.target, 2, 3).message);
  });

  it('falls back to DescribeConfigs with an empty name when the message carries no id', async () => {
    const broker = track(
      await startByteBroker({ selfId: 5, foreignIdMessage: null, emptyNameConfigs: { 'node.id': '5' } }),
    );
    const probe = track(createProbe({ host: '127.0.0.1', port: broker.port, timeoutMs: 3000 }));
    expect(await probe.brokerIdentity(1)).toMatchObject({
      reachedExpected: false,
      reachedId: 5,
      source: 'empty-name-configs',
    });
  });

  it('says the reached id is unknown when neither the message nor the empty-name configs name it', async () => {
    const broker = track(
      await startByteBroker({ selfId: 5, foreignIdMessage: 'Invalid request', emptyNameConfigs: {} }),
    );
    const probe = track(createProbe({ host: '127.0.0.1', port: broker.port, timeoutMs: 3000 }));
    expect(await probe.brokerIdentity(1)).toMatchObject({ reachedExpected: false, reachedId: null, source: 'unknown' });
  });

  it('fails with UnsupportedVersion when the broker offers no DescribeConfigs version the client speaks', async () => {
    const broker = track(
      await startByteBroker({
        selfId: 1,
        apis: [
          [18, 0, 3],
          [32, 0, 0],
        ],
      }),
    );
    const probe = track(createProbe({ host: '127.0.0.1', port: broker.port, timeoutMs: 3000 }));
    await expect(probe.brokerIdentity(1)).rejects.toBeInstanceOf(ProbeUnsupportedVersion);
  });
});

describe('error classification with real sockets', () => {
  let ca: TestCa;
  let otherCa: TestCa;
  beforeAll(() => {
    ca = makeCertificateAuthority('brokerlink test CA');
    otherCa = makeCertificateAuthority('some other CA');
  });
  afterAll(() => {
    ca?.dispose();
    otherCa?.dispose();
  });

  it('reports a refused connection when nothing listens on the port', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const probe = track(createProbe({ host: '127.0.0.1', port, timeoutMs: 3000 }));
    const error = await probe.apiVersions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeConnectionRefused);
    expect((error as ProbeConnectionRefused).cause).toBeDefined();
  });

  it('reports a timeout when the server accepts and never answers', async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
    );
    const port = (server.address() as { port: number }).port;
    const probe = track(createProbe({ host: '127.0.0.1', port, timeoutMs: 300 }));
    const error = await probe.metadata().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeTimedOut);
    expect((error as ProbeTimedOut).operation).toBe('ApiVersions');
  });

  it('reports an unknown CA when the broker certificate comes from another CA', async () => {
    const leaf = otherCa.issue('localhost', ['localhost']);
    const broker = track(await startByteBroker({ selfId: 1, tls: leaf }));
    const probe = track(createProbe({ host: '127.0.0.1', port: broker.port, tls: { ca: ca.caCert }, timeoutMs: 3000 }));
    const error = await probe.apiVersions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeTlsFailed);
    expect((error as ProbeTlsFailed).reason).toBe('unknown-ca');
  });

  it('reports a hostname mismatch when the SNI name is not in the certificate', async () => {
    const leaf = ca.issue('b1.example.com', ['b1.example.com']);
    const broker = track(await startByteBroker({ selfId: 1, tls: leaf }));
    const probe = track(
      createProbe({
        host: '127.0.0.1',
        port: broker.port,
        tls: { ca: ca.caCert, serverName: 'b2.example.com' },
        timeoutMs: 3000,
      }),
    );
    const error = await probe.apiVersions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeTlsFailed);
    expect((error as ProbeTlsFailed).reason).toBe('hostname-mismatch');
  });

  it('talks Kafka over TLS when CA and SNI name match', async () => {
    const leaf = ca.issue('b1.example.com', ['b1.example.com']);
    const broker = track(await startByteBroker({ selfId: 1, tls: leaf, configs: { 'node.id': '1' } }));
    const probe = track(
      createProbe({
        host: '127.0.0.1',
        port: broker.port,
        tls: { ca: ca.caCert, serverName: 'b1.example.com' },
        timeoutMs: 3000,
      }),
    );
    expect(await probe.brokerIdentity(1)).toMatchObject({ reachedExpected: true, brokerId: 1 });
  });

  it('reports that TLS is required when a plaintext client reaches a TLS listener', async () => {
    // The TLS server closes silently on a non-TLS first byte; the probe then checks whether the port speaks TLS.
    const leaf = ca.issue('localhost', ['localhost']);
    const broker = track(await startByteBroker({ selfId: 1, tls: leaf }));
    const probe = track(createProbe({ host: '127.0.0.1', port: broker.port, timeoutMs: 3000 }));
    const error = await probe.apiVersions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeTlsFailed);
    expect((error as ProbeTlsFailed).reason).toBe('broker-requires-tls');
    expect((error as ProbeTlsFailed).cause).toBeInstanceOf(ProbeConnectionFailed);
  });

  it('reports a failed connection when the server closes without answering and does not speak TLS', async () => {
    const server: Server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const probe = track(createProbe({ host: '127.0.0.1', port, timeoutMs: 3000 }));
    const error = await probe.apiVersions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeConnectionFailed);
  });

  it('reports a TLS problem when a TLS client reaches a plaintext listener', async () => {
    const broker = track(await startByteBroker({ selfId: 1 }));
    const probe = track(createProbe({ host: '127.0.0.1', port: broker.port, tls: { ca: ca.caCert }, timeoutMs: 3000 }));
    const error = await probe.apiVersions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeTlsFailed);
    expect((error as ProbeTlsFailed).reason).toBe('broker-not-tls');
  });

  it('rejects unusable options before connecting', () => {
    expect(() => createProbe({ host: '127.0.0.1', port: 0 })).toThrow(ProbeOptionsInvalid);
    expect(() =>
      createProbe({
        host: '127.0.0.1',
        port: 9092,
        sasl: { mechanism: 'GSSAPI', username: 'u', password: 'p' } as never,
      }),
    ).toThrow(/sasl.mechanism/);
  });
});
