/*
 * FAKE (test support): the OSS object API brokerlink's lock and spec store use, path-style (`/<bucket>/<key>`, how
 * ali-oss addresses an IP endpoint with `sldEnable`): PutObject (with `x-oss-forbid-overwrite: true` answering 409
 * FileAlreadyExists when the key exists — the one atomic create-if-absent OSS offers), GetObject, DeleteObject and
 * ListObjects (GET /<bucket>/?prefix=…, XML). Every request must carry a valid OSS V1 signature:
 *   Authorization: OSS <AccessKeyId>:base64(HMAC-SHA1(secret,
 *     VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource))
 * where CanonicalizedOSSHeaders are the x-oss-* headers, lower-case, sorted, "name:value\n", and
 * CanonicalizedResource is /<bucket>/<key> (plus sub-resources; the calls here use none). The Date line is the
 * x-oss-date header when the client sends one (as ali-oss does), else Date; it must be within 15 minutes.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAKE_ACCESS_KEY_ID, FAKE_ACCESS_KEY_SECRET, FAKE_HOST } from './rpc-server.ts';

export interface FakeOss {
  /** `http://127.0.3.1:<port>`: the ali-oss `endpoint` (with `sldEnable: true`). */
  endpoint: string;
  buckets: Map<string, Map<string, { body: Buffer; etag: string; lastModified: string }>>;
  readonly calls: { method: string; key: string; status: number }[];
  close(): Promise<void>;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startFakeOss(options: { buckets: string[]; host?: string }): Promise<FakeOss> {
  const buckets = new Map(options.buckets.map((name) => [name, new Map()]));
  const calls: FakeOss['calls'] = [];

  function verify(req: IncomingMessage, resource: string): string | undefined {
    const auth = req.headers.authorization ?? '';
    const match = /^OSS ([^:]+):(.+)$/.exec(auth);
    if (match === null) return 'AccessDenied';
    if (match[1] !== FAKE_ACCESS_KEY_ID) return 'InvalidAccessKeyId';
    const date = String(req.headers['x-oss-date'] ?? req.headers.date ?? '');
    if (Number.isNaN(Date.parse(date)) || Math.abs(Date.now() - Date.parse(date)) > 15 * 60_000)
      return 'RequestTimeTooSkewed';
    const ossHeaders = Object.entries(req.headers)
      .filter(([name]) => name.startsWith('x-oss-'))
      .map(([name, value]) => [name, String(value).trim()] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => `${name}:${value}\n`)
      .join('');
    const toSign = `${req.method}\n${req.headers['content-md5'] ?? ''}\n${req.headers['content-type'] ?? ''}\n${date}\n${ossHeaders}${resource}`;
    const expected = createHmac('sha1', FAKE_ACCESS_KEY_SECRET).update(toSign, 'utf8').digest('base64');
    const given = Buffer.from(match[2]!);
    return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected))
      ? undefined
      : 'SignatureDoesNotMatch';
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const requestId = randomUUID().replace(/-/g, '').toUpperCase();
    const send = (status: number, payload: string | Buffer, headers: Record<string, string> = {}) => {
      calls.push({ method: req.method ?? '', key, status });
      res.writeHead(status, { 'x-oss-request-id': requestId, ...headers });
      res.end(payload);
    };
    const error = (status: number, code: string, message: string) =>
      send(
        status,
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>${requestId}</RequestId><HostId>${FAKE_HOST}</HostId></Error>`,
        { 'content-type': 'application/xml' },
      );
    const problem = verify(req, `/${bucketName}/${rest.join('/')}`);
    if (problem !== undefined)
      return error(403, problem, 'The request signature we calculated does not match the signature you provided.');
    const bucket = buckets.get(bucketName);
    if (bucket === undefined) return error(404, 'NoSuchBucket', `The bucket ${bucketName} does not exist.`);

    if (req.method === 'GET' && key === '') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const maxKeys = Number(url.searchParams.get('max-keys') ?? 100);
      const marker = url.searchParams.get('marker') ?? '';
      const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > marker).sort();
      const slice = keys.slice(0, maxKeys);
      const truncated = keys.length > slice.length;
      const contents = slice
        .map((k) => {
          const object = bucket.get(k)!;
          return `<Contents><Key>${xml(k)}</Key><LastModified>${object.lastModified}</LastModified><ETag>"${object.etag}"</ETag><Type>Normal</Type><Size>${object.body.length}</Size><StorageClass>Standard</StorageClass><Owner><ID>1234567890123456</ID><DisplayName>1234567890123456</DisplayName></Owner></Contents>`;
        })
        .join('');
      return send(
        200,
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>${bucketName}</Name><Prefix>${xml(prefix)}</Prefix><Marker>${xml(marker)}</Marker><MaxKeys>${maxKeys}</MaxKeys><Delimiter></Delimiter><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextMarker>${xml(slice.at(-1)!)}</NextMarker>` : ''}${contents}</ListBucketResult>`,
        { 'content-type': 'application/xml' },
      );
    }
    if (req.method === 'PUT') {
      const forbid = req.headers['x-oss-forbid-overwrite'];
      if (forbid !== undefined && forbid !== 'true' && forbid !== 'false') {
        return error(400, 'InvalidArgument', 'x-oss-forbid-overwrite must be true or false.');
      }
      // Checked and written in one step of this single-threaded server: the create-if-absent is atomic.
      if (forbid === 'true' && bucket.has(key))
        return error(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.');
      const etag = createHash('md5').update(body).digest('hex').toUpperCase();
      bucket.set(key, { body, etag, lastModified: new Date().toISOString() });
      return send(200, '', { etag: `"${etag}"` });
    }
    const object = bucket.get(key);
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (object === undefined) return error(404, 'NoSuchKey', 'The specified key does not exist.');
      return send(200, req.method === 'HEAD' ? '' : object.body, {
        etag: `"${object.etag}"`,
        'content-type': 'application/octet-stream',
      });
    }
    if (req.method === 'DELETE') {
      bucket.delete(key);
      return send(204, '');
    }
    return error(405, 'MethodNotAllowed', `${req.method} is not supported by the fake.`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? FAKE_HOST, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${address}:${port}`,
    buckets,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
