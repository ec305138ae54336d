import OSS from 'ali-oss';

/*
 * The small part of OSS the lock and the spec store need, over the real `ali-oss` client (injected).
 * `createIfAbsent` is PutObject with `x-oss-forbid-overwrite: true`: OSS refuses with 409 FileAlreadyExists when the
 * key exists, atomically — the only conditional write OSS offers, and all a lease-generation lock needs.
 */

export interface ObjectStore {
  get(key: string): Promise<Buffer | undefined>;
  /** The object and its version (the ETag, unquoted), or undefined when there is none. */
  getVersioned(key: string): Promise<{ body: Buffer; version: string } | undefined>;
  put(key: string, body: Buffer | string): Promise<void>;
  /** False when the key already existed (nothing was written). */
  createIfAbsent(key: string, body: Buffer | string): Promise<boolean>;
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

export interface OssClientOptions {
  region: string;
  bucket: string;
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** A local fake (`http://127.0.3.1:port`): addressed path-style. */
  endpoint?: string;
}

export function createOssClient(options: OssClientOptions): OSS {
  return new OSS({
    region: `oss-${options.region}`,
    bucket: options.bucket,
    accessKeyId: options.credentials?.accessKeyId ?? process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
    accessKeySecret: options.credentials?.accessKeySecret ?? process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
    ...((options.credentials?.securityToken ?? process.env.ALIBABA_CLOUD_SECURITY_TOKEN)
      ? { stsToken: options.credentials?.securityToken ?? process.env.ALIBABA_CLOUD_SECURITY_TOKEN }
      : {}),
    ...(options.endpoint === undefined
      ? { secure: true }
      : { endpoint: options.endpoint, sldEnable: true, secure: false }),
    timeout: 10_000,
  } as OSS.Options);
}

const codeOf = (error: unknown) => (error as { code?: string; status?: number } | null)?.code;

export function ossObjectStore(client: OSS): ObjectStore {
  return {
    async get(key) {
      try {
        const answer = await client.get(key);
        return Buffer.isBuffer(answer.content) ? answer.content : Buffer.from(answer.content ?? '');
      } catch (error) {
        if (codeOf(error) === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async getVersioned(key) {
      try {
        const answer = await client.get(key);
        const body = Buffer.isBuffer(answer.content) ? answer.content : Buffer.from(answer.content ?? '');
        const etag = String((answer.res.headers as Record<string, string>).etag ?? '').replace(/"/g, '');
        return { body, version: etag === '' ? 'unknown' : etag };
      } catch (error) {
        if (codeOf(error) === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async put(key, body) {
      await client.put(key, Buffer.from(body));
    },
    async createIfAbsent(key, body) {
      try {
        await client.put(key, Buffer.from(body), { headers: { 'x-oss-forbid-overwrite': 'true' } });
        return true;
      } catch (error) {
        if (codeOf(error) === 'FileAlreadyExists') return false;
        throw error;
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      let marker: string | undefined;
      do {
        const answer = await client.list({ prefix, 'max-keys': 1000, ...(marker === undefined ? {} : { marker }) }, {});
        keys.push(...(answer.objects ?? []).map((object) => object.name));
        marker = answer.isTruncated ? answer.nextMarker : undefined;
      } while (marker !== undefined);
      return keys;
    },
    async delete(key) {
      await client.delete(key);
    },
  };
}
