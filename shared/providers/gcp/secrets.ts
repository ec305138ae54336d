import { readFile } from 'node:fs/promises';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { SecretUnavailable } from '../../port-errors.ts';
import type { SecretResolver } from '../../ports.ts';
import { gcpCall, httpStatusOf } from './gcp-call.ts';

/*
 * SecretResolver for the references a spec may hold on Google Cloud:
 *   env:NAME                                             an environment variable of the function / CLI
 *   file:/path                                           a file's text (one trailing newline dropped)
 *   gcp-secretmanager:SECRET                             latest version of SECRET in the adapter's project
 *   gcp-secretmanager:projects/P/secrets/S[/versions/V]  that version (default latest)
 * Values are cached per resolver (one per invocation), so health gates do not fetch a password per probe.
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
  readonly #cache = new Map<string, Promise<string>>();

  constructor(options: GcpSecretResolverOptions) {
    this.#options = options;
  }

  resolve(reference: string): Promise<string> {
    let value = this.#cache.get(reference);
    if (value === undefined) {
      value = this.#fetch(reference);
      this.#cache.set(reference, value);
      value.catch(() => this.#cache.delete(reference));
    }
    return value;
  }

  async #fetch(reference: string): Promise<string> {
    const colon = reference.indexOf(':');
    const scheme = colon < 0 ? '' : reference.slice(0, colon);
    const name = reference.slice(colon + 1);
    if (name === '') throw new SecretUnavailable(reference, 'the reference names nothing after the scheme');
    if (scheme === 'env') {
      const value = (this.#options.env ?? process.env)[name];
      if (value === undefined) throw new SecretUnavailable(reference, `environment variable ${name} is not set`);
      return value;
    }
    if (scheme === 'file') {
      return readFile(name, 'utf8')
        .then((text) => text.replace(/\r?\n$/, ''))
        .catch((error: unknown) => {
          throw new SecretUnavailable(reference, (error as Error).message, { cause: error });
        });
    }
    if (scheme !== 'gcp-secretmanager') {
      throw new SecretUnavailable(
        reference,
        `scheme "${scheme}" is not available on Google Cloud (use env, file or gcp-secretmanager)`,
      );
    }
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
