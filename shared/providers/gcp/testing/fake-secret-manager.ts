/*
 * FAKE (test support): Secret Manager's REST surface as @google-cloud/secret-manager speaks it with
 * `fallback: true` (HTTP/1 + JSON): `GET /v1/projects/P/secrets/S/versions/V:access` answers
 * `{name, payload: {data: <base64>, dataCrc32c}}`; `latest` is the newest enabled version; a missing secret or
 * version is 404 NOT_FOUND, a disabled version 400 FAILED_PRECONDITION, another project 403.
 */
import { crc32cBase64 } from './fake-storage.ts';
import { FakeHttpServer, GoogleApiError } from './http-fake.ts';

export interface FakeSecretVersion {
  data: string;
  enabled: boolean;
}

export class FakeSecretManager {
  readonly server: FakeHttpServer;
  readonly project: string;
  /** secret id → versions (index 0 is version 1). */
  readonly secrets = new Map<string, FakeSecretVersion[]>();

  constructor(options: { project: string; token: string; host?: string }) {
    this.project = options.project;
    this.server = new FakeHttpServer({ token: options.token, ...(options.host ? { host: options.host } : {}) });
    this.server.route('GET', '/v1/projects/{}/secrets/{}/versions/{}:access', (_r, [project, secret, version]) => {
      if (project !== this.project)
        throw new GoogleApiError(403, 'forbidden', `Permission denied on project ${project}`);
      const versions = this.secrets.get(secret!);
      if (!versions)
        throw new GoogleApiError(
          404,
          'notFound',
          `Secret [projects/${project}/secrets/${secret}] not found or has no versions.`,
        );
      const number = version === 'latest' ? lastEnabled(versions) : Number(version);
      const found = versions[number - 1];
      if (!found || !Number.isInteger(number))
        throw new GoogleApiError(404, 'notFound', `Secret Version [${version}] not found.`);
      if (!found.enabled)
        throw new GoogleApiError(400, 'failedPrecondition', `Secret Version [${number}] is in DISABLED state.`);
      const data = Buffer.from(found.data, 'utf8');
      return {
        body: {
          name: `projects/${project}/secrets/${secret}/versions/${number}`,
          payload: {
            data: data.toString('base64'),
            dataCrc32c: String(Buffer.from(crc32cBase64(data), 'base64').readUInt32BE()),
          },
        },
      };
    });
  }

  addVersion(secret: string, data: string, enabled = true): void {
    this.secrets.set(secret, [...(this.secrets.get(secret) ?? []), { data, enabled }]);
  }

  async start(): Promise<{ host: string; port: number }> {
    return this.server.listen();
  }

  stop(): Promise<void> {
    return this.server.close();
  }
}

function lastEnabled(versions: FakeSecretVersion[]): number {
  for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.enabled) return i + 1;
  return 0;
}
