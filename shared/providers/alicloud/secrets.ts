import type { SecretResolver } from '../../ports.ts';
import { cloudSecretResolver } from '../secret-references.ts';
import { alicloudCall, isAlicloudError } from './alicloud-call.ts';
import type { RpcProduct } from './clients.ts';
import { AlicloudSecretUnavailable } from './errors.ts';

/*
 * SecretResolver for the references a spec may hold on Alibaba Cloud (env: and file:, the cache:
 * ../secret-references.ts):
 *   alicloud-kms:<secret name>    KMS Secrets Manager: SecretData of the ACSCurrent version (GetSecretValue)
 */
export class AlicloudSecretResolver implements SecretResolver {
  readonly #kms: RpcProduct | undefined;
  readonly #resolver: SecretResolver;

  constructor(options: { kms?: RpcProduct; env?: Readonly<Record<string, string | undefined>> }) {
    this.#kms = options.kms;
    this.#resolver = cloudSecretResolver({
      cloud: 'Alibaba Cloud',
      schemes: { 'alicloud-kms': (name, reference) => this.#kmsSecret(reference, name) },
      ...(options.env === undefined ? {} : { env: options.env }),
      unavailable: (reference, problem, errorOptions) =>
        new AlicloudSecretUnavailable(reference, problem, errorOptions),
    });
  }

  resolve(reference: string): Promise<string> {
    return this.#resolver.resolve(reference);
  }

  async #kmsSecret(reference: string, name: string): Promise<string> {
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
