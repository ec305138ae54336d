import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { SecretUnavailable } from '../../port-errors.ts';
import type { SecretResolver } from '../../ports.ts';
import { cloudSecretResolver } from '../secret-references.ts';
import { gcpCall, httpStatusOf } from './gcp-call.ts';

/*
 * SecretResolver for the references a spec may hold on Google Cloud (env: and file:, the cache:
 * ../secret-references.ts):
 *   gcp-secretmanager:SECRET                             latest version of SECRET in the adapter's project
 *   gcp-secretmanager:projects/P/secrets/S[/versions/V]  that version (default latest)
 */

export interface GcpSecretResolverOptions {
  secretManager?: SecretManagerServiceClient;
  /** Project of short `gcp-secretmanager:SECRET` references. */
  project: string;
  env?: Readonly<Record<string, string | undefined>>;
}

const SHORT = /^[A-Za-z0-9_-]{1,255}$/;
const FULL = /^projects\/([a-z0-9-]+)\/secrets\/([A-Za-z0-9_-]{1,255})(?:\/versions\/(latest|\d+))?$/;

export class GcpSecretResolver implements SecretResolver {
  readonly #options: GcpSecretResolverOptions;
  readonly #resolver: SecretResolver;

  constructor(options: GcpSecretResolverOptions) {
    this.#options = options;
    this.#resolver = cloudSecretResolver({
      cloud: 'Google Cloud',
      schemes: { 'gcp-secretmanager': (name, reference) => this.#secretManager(reference, name) },
      ...(options.env === undefined ? {} : { env: options.env }),
      unavailable: (reference, problem, errorOptions) => new SecretUnavailable(reference, problem, errorOptions),
    });
  }

  resolve(reference: string): Promise<string> {
    return this.#resolver.resolve(reference);
  }

  async #secretManager(reference: string, name: string): Promise<string> {
    const client = this.#options.secretManager;
    if (client === undefined) throw new SecretUnavailable(reference, 'no Secret Manager client was configured');
    let version: string;
    if (SHORT.test(name)) version = `projects/${this.#options.project}/secrets/${name}/versions/latest`;
    else {
      const match = FULL.exec(name);
      if (!match) throw new SecretUnavailable(reference, 'must be SECRET or projects/P/secrets/S[/versions/V]');
      version = `projects/${match[1]}/secrets/${match[2]}/versions/${match[3] ?? 'latest'}`;
    }
    return gcpCall('secretmanager.versions.access', async () => {
      try {
        const [answer] = await client.accessSecretVersion({ name: version });
        const data = answer.payload?.data;
        if (data === undefined || data === null) throw new SecretUnavailable(reference, 'the version has no payload');
        return typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 404 || status === 403 || status === 400) {
          throw new SecretUnavailable(reference, (error as Error).message, { cause: error });
        }
        throw error;
      }
    });
  }
}
