import { readFile } from 'node:fs/promises';
import type { SecretResolver } from '../../ports.ts';
import { alicloudCall, isAlicloudError } from './alicloud-call.ts';
import type { RpcProduct } from './clients.ts';
import { AlicloudSecretUnavailable } from './errors.ts';

/*
 * SecretResolver for the references a spec may hold on Alibaba Cloud:
 *   env:NAME                      an environment variable of the function / CLI
 *   file:/path                    a file's text (one trailing newline dropped)
 *   alicloud-kms:<secret name>    KMS Secrets Manager: SecretData of the ACSCurrent version (GetSecretValue)
 * Values are cached per resolver (one per invocation), so health gates do not fetch a password per probe.
 */
export class AlicloudSecretResolver implements SecretResolver {
  readonly #kms: RpcProduct | undefined;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #cache = new Map<string, Promise<string>>();

  constructor(options: { kms?: RpcProduct; env?: Readonly<Record<string, string | undefined>> }) {
    this.#kms = options.kms;
    this.#env = options.env ?? process.env;
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
    if (name === '') throw new AlicloudSecretUnavailable(reference, 'the reference names nothing after the scheme');
    if (scheme === 'env') {
      const value = this.#env[name];
      if (value === undefined)
        throw new AlicloudSecretUnavailable(reference, `environment variable ${name} is not set`);
      return value;
    }
    if (scheme === 'file') {
      return readFile(name, 'utf8')
        .then((text) => text.replace(/\r?\n$/, ''))
        .catch((error: unknown) => {
          throw new AlicloudSecretUnavailable(reference, (error as Error).message, { cause: error });
        });
    }
    if (scheme !== 'alicloud-kms') {
      throw new AlicloudSecretUnavailable(
        reference,
        `scheme "${scheme}" is not available on Alibaba Cloud (use env, file or alicloud-kms)`,
      );
    }
    const kms = this.#kms;
    if (kms === undefined) throw new AlicloudSecretUnavailable(reference, 'no KMS client was configured');
    const answer = await alicloudCall('kms:GetSecretValue', async () => {
      try {
        return await kms.call('GetSecretValue', { SecretName: name });
      } catch (error) {
        if (isAlicloudError(error, 'Forbidden.ResourceNotFound')) {
          throw new AlicloudSecretUnavailable(reference, 'KMS has no such secret', { cause: error });
        }
        throw error;
      }
    });
    if (typeof answer.SecretData !== 'string')
      throw new AlicloudSecretUnavailable(reference, 'the secret has no text value');
    return answer.SecretData;
  }
}
