import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { SecretResolver } from '../../ports.ts';
import { cloudSecretResolver } from '../secret-references.ts';
import { awsCall, isAwsError } from './aws-call.ts';
import { SecretUnavailable } from './errors.ts';

/*
 * SecretResolver for the references a spec may hold on AWS (env: and file:, the cache: ../secret-references.ts):
 *   aws-secretsmanager:<name or ARN>      SecretString of the secret's current version
 *   aws-secretsmanager:<name or ARN>#key  one key of a JSON SecretString
 *   aws-ssm:/parameter/name               a (SecureString) parameter, decrypted
 */

export interface AwsSecretResolverOptions {
  secretsManager?: SecretsManagerClient;
  ssm?: SSMClient;
  env?: Readonly<Record<string, string | undefined>>;
}

export class AwsSecretResolver implements SecretResolver {
  readonly #options: AwsSecretResolverOptions;
  readonly #resolver: SecretResolver;

  constructor(options: AwsSecretResolverOptions) {
    this.#options = options;
    this.#resolver = cloudSecretResolver({
      cloud: 'AWS',
      schemes: {
        'aws-secretsmanager': (name, reference) => this.#secretsManager(reference, name),
        'aws-ssm': (name, reference) => this.#ssmParameter(reference, name),
      },
      ...(options.env === undefined ? {} : { env: options.env }),
      unavailable: (reference, problem, errorOptions) => new SecretUnavailable(reference, problem, errorOptions),
    });
  }

  resolve(reference: string): Promise<string> {
    return this.#resolver.resolve(reference);
  }

  async #secretsManager(reference: string, name: string): Promise<string> {
    const client = this.#options.secretsManager;
    if (client === undefined) throw new SecretUnavailable(reference, 'no Secrets Manager client was configured');
    const hash = name.lastIndexOf('#');
    const secretId = hash < 0 ? name : name.slice(0, hash);
    const key = hash < 0 ? undefined : name.slice(hash + 1);
    const secret = await awsCall('secretsmanager:GetSecretValue', async () => {
      try {
        return await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      } catch (error) {
        if (isAwsError(error, 'ResourceNotFound')) {
          throw new SecretUnavailable(reference, 'Secrets Manager has no such secret', { cause: error });
        }
        throw error;
      }
    });
    const text = secret.SecretString;
    if (text === undefined)
      throw new SecretUnavailable(reference, 'the secret has no string value (binary secrets are not supported)');
    if (key === undefined) return text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new SecretUnavailable(reference, `the secret is not JSON, so it has no key "${key}"`, { cause: error });
    }
    const value = (parsed as Record<string, unknown> | null)?.[key];
    if (typeof value !== 'string')
      throw new SecretUnavailable(reference, `the secret's JSON has no string key "${key}"`);
    return value;
  }

  async #ssmParameter(reference: string, name: string): Promise<string> {
    const client = this.#options.ssm;
    if (client === undefined) throw new SecretUnavailable(reference, 'no SSM client was configured');
    return awsCall('ssm:GetParameter', async () => {
      try {
        const answer = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        const value = answer.Parameter?.Value;
        if (value === undefined) throw new SecretUnavailable(reference, 'the parameter has no value');
        return value;
      } catch (error) {
        if (isAwsError(error, 'ParameterNotFound')) {
          throw new SecretUnavailable(reference, 'Parameter Store has no such parameter', { cause: error });
        }
        throw error;
      }
    });
  }
}
