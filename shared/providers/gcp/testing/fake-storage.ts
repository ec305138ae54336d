/*
 * FAKE (test support): Cloud Storage JSON API, the wire protocol of @google-cloud/storage, for the objects
 * brokerlink keeps (cluster lock, specs, ledger). Modelled: multipart and media uploads, metadata and media
 * reads, deletes, listing by prefix; every object has a `generation` (a new one on every write) and a
 * `metageneration`; the preconditions ifGenerationMatch (0: the object must not exist), ifGenerationNotMatch and
 * ifMetagenerationMatch answer 412 conditionNotMet when they fail, and the check and the write are one atomic
 * step (so of N writers racing with the same precondition exactly one wins). Hashes (crc32c, md5Hash) are
 * computed here, independently of the client's own code, because the client checks them after every upload.
 * Buckets are configured up front; an unknown bucket answers 404.
 */
import { createHash } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeResponse, GoogleApiError } from './http-fake.ts';

export interface FakeObject {
  name: string;
  data: Buffer;
  contentType: string;
  generation: number;
  metageneration: number;
  updated: string;
  metadata: Record<string, string>;
}

/** Hook run after each successful write (Eventarc's `google.cloud.storage.object.v1.finalized`). */
export type ObjectFinalized = (bucket: string, object: FakeObject) => void;

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), base64 of the big-endian value: the form Cloud Storage reports. */
export function crc32cBase64(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const value = Buffer.alloc(4);
  value.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return value.toString('base64');
}

export class FakeStorage {
  readonly server: FakeHttpServer;
  readonly buckets = new Map<string, Map<string, FakeObject>>();
  readonly #onFinalized: ObjectFinalized[] = [];
  #generation = 1_700_000_000_000_000;

  constructor(options: { buckets: string[]; token: string; host?: string }) {
    for (const bucket of options.buckets) this.buckets.set(bucket, new Map());
    this.server = new FakeHttpServer({ token: options.token, ...(options.host ? { host: options.host } : {}) });
    const s = this.server;
    s.route('POST', '/upload/storage/v1/b/{}/o', (r, [bucket]) => this.#upload(r, bucket!));
    s.route('GET', '/storage/v1/b/{}/o', (r, [bucket]) => this.#list(r, bucket!));
    s.route('GET', '/storage/v1/b/{}/o/{}', (r, [bucket, name]) => this.#get(r, bucket!, name!));
    s.route('GET', '/download/storage/v1/b/{}/o/{}', (r, [bucket, name]) => this.#media(r, bucket!, name!));
    s.route('DELETE', '/storage/v1/b/{}/o/{}', (r, [bucket, name]) => this.#delete(r, bucket!, name!));
  }

  async start(): Promise<string> {
    const { host, port } = await this.server.listen();
    return `http://${host}:${port}`;
  }

  stop(): Promise<void> {
    return this.server.close();
  }

  onFinalized(hook: ObjectFinalized): void {
    this.#onFinalized.push(hook);
  }

  /** Writes an object as another tool would (a person with gsutil), bypassing preconditions. */
  put(bucket: string, name: string, data: string | Buffer, contentType = 'application/octet-stream'): FakeObject {
    return this.#write(bucket, name, Buffer.from(data), contentType, {});
  }

  read(bucket: string, name: string): FakeObject | undefined {
    return this.buckets.get(bucket)?.get(name);
  }

  #bucket(name: string): Map<string, FakeObject> {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new GoogleApiError(404, 'notFound', 'The specified bucket does not exist.');
    return bucket;
  }

  #check(request: FakeRequest, current: FakeObject | undefined): void {
    const q = request.query;
    const ifGeneration = q.get('ifGenerationMatch');
    if (ifGeneration !== null) {
      const wanted = Number(ifGeneration);
      const ok = wanted === 0 ? current === undefined : current?.generation === wanted;
      if (!ok)
        throw new GoogleApiError(
          412,
          'conditionNotMet',
          'At least one of the pre-conditions you specified did not hold.',
        );
    }
    const notGeneration = q.get('ifGenerationNotMatch');
    if (notGeneration !== null && current !== undefined && current.generation === Number(notGeneration)) {
      throw new GoogleApiError(
        412,
        'conditionNotMet',
        'At least one of the pre-conditions you specified did not hold.',
      );
    }
    const ifMeta = q.get('ifMetagenerationMatch');
    if (ifMeta !== null && current?.metageneration !== Number(ifMeta)) {
      throw new GoogleApiError(
        412,
        'conditionNotMet',
        'At least one of the pre-conditions you specified did not hold.',
      );
    }
  }

  #write(
    bucketName: string,
    name: string,
    data: Buffer,
    contentType: string,
    metadata: Record<string, string>,
  ): FakeObject {
    const bucket = this.#bucket(bucketName);
    if (name.length === 0 || Buffer.byteLength(name) > 1024)
      throw new GoogleApiError(400, 'invalid', 'Invalid object name.');
    this.#generation += 1 + Math.floor(Math.random() * 1000);
    const object: FakeObject = {
      name,
      data,
      contentType,
      generation: this.#generation,
      metageneration: 1,
      updated: new Date().toISOString(),
      metadata,
    };
    bucket.set(name, object);
    for (const hook of this.#onFinalized) hook(bucketName, object);
    return object;
  }

  #json(bucket: string, object: FakeObject): Record<string, unknown> {
    return {
      kind: 'storage#object',
      id: `${bucket}/${object.name}/${object.generation}`,
      bucket,
      name: object.name,
      generation: String(object.generation),
      metageneration: String(object.metageneration),
      contentType: object.contentType,
      size: String(object.data.length),
      md5Hash: createHash('md5').update(object.data).digest('base64'),
      crc32c: crc32cBase64(object.data),
      updated: object.updated,
      ...(Object.keys(object.metadata).length > 0 ? { metadata: object.metadata } : {}),
    };
  }

  #upload(request: FakeRequest, bucket: string): FakeResponse {
    const type = request.query.get('uploadType');
    let name = request.query.get('name');
    let contentType = String(request.headers['content-type'] ?? 'application/octet-stream');
    let data = request.body;
    let metadata: Record<string, string> = {};
    if (type === 'multipart') {
      const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
      if (!boundary) throw new GoogleApiError(400, 'invalid', 'multipart upload without a boundary');
      const parts = splitMultipart(request.body, boundary);
      if (parts.length !== 2)
        throw new GoogleApiError(400, 'invalid', 'a multipart upload has a metadata part and a media part');
      const meta = JSON.parse(parts[0]!.body.toString('utf8')) as {
        name?: string;
        contentType?: string;
        metadata?: Record<string, string>;
      };
      name = meta.name ?? name;
      contentType = meta.contentType ?? parts[1]!.contentType ?? 'application/octet-stream';
      metadata = meta.metadata ?? {};
      data = parts[1]!.body;
    } else if (type !== 'media') {
      throw new GoogleApiError(
        400,
        'invalid',
        `uploadType ${type} is not modelled (use multipart or media: resumable: false)`,
      );
    }
    if (!name) throw new GoogleApiError(400, 'required', 'Required parameter: name');
    this.#check(request, this.#bucket(bucket).get(name));
    return { body: this.#json(bucket, this.#write(bucket, name, data, contentType, metadata)) };
  }

  #existing(request: FakeRequest, bucket: string, name: string): FakeObject {
    const object = this.#bucket(bucket).get(name);
    if (!object) throw new GoogleApiError(404, 'notFound', `No such object: ${bucket}/${name}`);
    // Without object versioning only the live generation exists: asking for another one is 404.
    const generation = request.query.get('generation');
    if (generation !== null && Number(generation) !== object.generation) {
      throw new GoogleApiError(404, 'notFound', `No such object: ${bucket}/${name}#${generation}`);
    }
    this.#check(request, object);
    return object;
  }

  #get(request: FakeRequest, bucket: string, name: string): FakeResponse {
    if (request.query.get('alt') === 'media') return this.#media(request, bucket, name);
    return { body: this.#json(bucket, this.#existing(request, bucket, name)) };
  }

  #media(request: FakeRequest, bucket: string, name: string): FakeResponse {
    const object = this.#existing(request, bucket, name);
    return {
      headers: {
        'content-type': object.contentType,
        'x-goog-generation': String(object.generation),
        'x-goog-metageneration': String(object.metageneration),
        'x-goog-hash': `crc32c=${crc32cBase64(object.data)},md5=${createHash('md5').update(object.data).digest('base64')}`,
        'x-goog-stored-content-length': String(object.data.length),
      },
      body: object.data,
    };
  }

  #delete(request: FakeRequest, bucket: string, name: string): FakeResponse {
    this.#existing(request, bucket, name);
    this.#bucket(bucket).delete(name);
    return { status: 204 };
  }

  #list(request: FakeRequest, bucket: string): FakeResponse {
    const prefix = request.query.get('prefix') ?? '';
    const items = [...this.#bucket(bucket).values()]
      .filter((o) => o.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((o) => this.#json(bucket, o));
    return { body: { kind: 'storage#objects', items } };
  }
}

function splitMultipart(body: Buffer, boundary: string): Array<{ contentType: string | undefined; body: Buffer }> {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  return text
    .split(delimiter)
    .slice(1, -1)
    .map((raw) => {
      const part = raw.replace(/^\r\n/, '').replace(/\r\n$/, '');
      const end = part.indexOf('\r\n\r\n');
      const headers = part.slice(0, end);
      return {
        contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(),
        body: Buffer.from(part.slice(end + 4), 'latin1'),
      };
    });
}
