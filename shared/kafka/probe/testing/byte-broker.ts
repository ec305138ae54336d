/**
 * TEST FIXTURE, not a broker: a TCP (or TLS) server that answers exactly two Kafka APIs with hand-encoded bytes,
 * so the probe's version negotiation and broker-identity parsing are checked against literal wire bytes
 * (written from apache/kafka ApiVersionsResponse.json v3 and DescribeConfigsResponse.json v4) independently of the
 * testkit broker. It keeps one piece of state, the broker id it pretends to be, and answers DescribeConfigs(BROKER)
 * the way apache/kafka ConfigHelper does: its own id → configs; "" → `emptyNameConfigs`; another id → error 42.
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

export interface ByteBrokerOptions {
  selfId: number;
  /** [apiKey, min, max] advertised in ApiVersions. */
  apis?: readonly [number, number, number][];
  /** Configs returned for the broker's own id. */
  configs?: Record<string, string>;
  /** Configs returned for resource name "" (real Kafka: cluster-wide dynamic defaults). */
  emptyNameConfigs?: Record<string, string>;
  /** Error message for a foreign id; `{self}`/`{asked}` are replaced. Default: Kafka's sentence. null = no message. */
  foreignIdMessage?: string | null;
  tls?: { key: string; cert: string };
}

export interface ByteBroker {
  port: number;
  /** Raw request frames received, as [apiKey, apiVersion]. */
  received: [number, number][];
  close(): Promise<void>;
}

/** Kafka's default socket.request.max.bytes. */
const MAX_REQUEST_BYTES = 104_857_600;

export const KAFKA_FOREIGN_ID_MESSAGE = 'Unexpected broker id, expected {self} or empty string, but received {asked}';

// --- encoders for the few primitives the responses need ---
const int8 = (v: number) => Buffer.from([v & 0xff]);
const int16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
};
const int32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
export function uvarint(v: number): Buffer {
  const out: number[] = [];
  let n = v >>> 0;
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
const compactString = (s: string) => Buffer.concat([uvarint(Buffer.byteLength(s) + 1), Buffer.from(s)]);
const compactNullableString = (s: string | null) => (s === null ? uvarint(0) : compactString(s));
const noTags = () => uvarint(0);

/** ApiVersions response body, v3 layout (flexible body, but v0 response header per the spec). */
export function encodeApiVersionsV3Body(apis: readonly [number, number, number][]): Buffer {
  return Buffer.concat([
    int16(0),
    uvarint(apis.length + 1),
    ...apis.map(([k, min, max]) => Buffer.concat([int16(k), int16(min), int16(max), noTags()])),
    int32(0),
    noTags(),
  ]);
}

export interface ConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: Record<string, string>;
}

/** DescribeConfigs response body, v4 layout. */
export function encodeDescribeConfigsV4Body(results: readonly ConfigsResult[]): Buffer {
  const result = (r: ConfigsResult) =>
    Buffer.concat([
      int16(r.errorCode),
      compactNullableString(r.errorMessage),
      int8(r.resourceType),
      compactString(r.resourceName),
      uvarint(Object.keys(r.configs).length + 1),
      ...Object.entries(r.configs).map(([name, value]) =>
        Buffer.concat([
          compactString(name),
          compactNullableString(value),
          int8(1), // read_only
          int8(4), // config_source STATIC_BROKER_CONFIG
          int8(0), // is_sensitive
          uvarint(1), // synonyms: empty
          int8(2), // config_type STRING
          compactNullableString(null), // documentation
          noTags(),
        ]),
      ),
      noTags(),
    ]);
  return Buffer.concat([int32(0), uvarint(results.length + 1), ...results.map(result), noTags()]);
}

function readUvarint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const byte = buf[pos++]!;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value >>> 0, pos];
    shift += 7;
  }
}

/** Decodes the resources of a DescribeConfigs v4 request body (after the v2 request header). */
export function decodeDescribeConfigsV4Resources(body: Buffer): { type: number; name: string }[] {
  let pos = 0;
  let n: number;
  [n, pos] = readUvarint(body, pos);
  const out: { type: number; name: string }[] = [];
  for (let i = 0; i < n - 1; i++) {
    const type = body.readInt8(pos);
    pos += 1;
    let len: number;
    [len, pos] = readUvarint(body, pos);
    const name = body.subarray(pos, pos + len - 1).toString();
    pos += len - 1;
    let keys: number;
    [keys, pos] = readUvarint(body, pos);
    for (let k = 0; k < keys - 1; k++) {
      let klen: number;
      [klen, pos] = readUvarint(body, pos);
      pos += klen - 1;
    }
    let tags: number;
    [tags, pos] = readUvarint(body, pos);
    if (tags !== 0) throw new Error('fixture does not read tagged fields');
    out.push({ type, name });
  }
  return out;
}

export async function startByteBroker(options: ByteBrokerOptions): Promise<ByteBroker> {
  const apis = options.apis ?? [
    [18, 0, 3],
    [32, 0, 4],
  ];
  const received: [number, number][] = [];
  const sockets = new Set<Socket>();

  const answer = (frame: Buffer): Buffer | null => {
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    received.push([apiKey, apiVersion]);
    const clientIdLen = frame.readInt16BE(8);
    let pos = 10 + Math.max(0, clientIdLen);
    if (apiKey === 18) {
      const supported = apis.find(([k]) => k === 18);
      if (!supported || apiVersion > supported[2]) {
        // UNSUPPORTED_VERSION in the v0 layout, as Kafka does.
        const body = Buffer.concat([
          int16(35),
          int32(apis.length),
          ...apis.map(([k, a, b]) => Buffer.concat([int16(k), int16(a), int16(b)])),
        ]);
        return Buffer.concat([int32(correlationId), body]);
      }
      if (apiVersion !== 3) throw new Error(`fixture only answers ApiVersions v3, got v${apiVersion}`);
      return Buffer.concat([int32(correlationId), encodeApiVersionsV3Body(apis)]);
    }
    if (apiKey === 32 && apiVersion === 4) {
      [, pos] = readUvarint(frame, pos); // request header tagged fields
      const resources = decodeDescribeConfigsV4Resources(frame.subarray(pos));
      const results = resources.map((r): ConfigsResult => {
        if (r.type !== 4) {
          return {
            errorCode: 42,
            errorMessage: 'fixture answers BROKER only',
            resourceType: r.type,
            resourceName: r.name,
            configs: {},
          };
        }
        if (r.name === '') {
          return {
            errorCode: 0,
            errorMessage: null,
            resourceType: 4,
            resourceName: '',
            configs: options.emptyNameConfigs ?? {},
          };
        }
        if (Number(r.name) === options.selfId) {
          return {
            errorCode: 0,
            errorMessage: null,
            resourceType: 4,
            resourceName: r.name,
            configs: options.configs ?? {},
          };
        }
        const template = options.foreignIdMessage === undefined ? KAFKA_FOREIGN_ID_MESSAGE : options.foreignIdMessage;
        return {
          errorCode: 42,
          errorMessage:
            template === null ? null : template.replace('{self}', String(options.selfId)).replace('{asked}', r.name),
          resourceType: 4,
          resourceName: r.name,
          configs: {},
        };
      });
      // Response header v1: correlation id + empty tagged fields.
      return Buffer.concat([int32(correlationId), noTags(), encodeDescribeConfigsV4Body(results)]);
    }
    return null; // anything else: no answer (the probe's timeout handles it)
  };

  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > MAX_REQUEST_BYTES) {
          // Kafka closes the connection on a frame larger than socket.request.max.bytes (e.g. a TLS ClientHello).
          socket.destroy();
          return;
        }
        if (pending.length < 4 + size) break;
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        const response = answer(frame);
        if (response) socket.write(Buffer.concat([int32(response.length), response]));
      }
    });
  };

  const server: Server = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onConnection)
    : createTcpServer(onConnection);
  if (options.tls) server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
