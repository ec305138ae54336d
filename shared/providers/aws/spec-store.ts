import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { SpecStore } from '../../ports.ts';
import { awsCall, isAwsError } from './aws-call.ts';
import { SpecNotStored, SpecTooLarge } from './errors.ts';

/*
 * SpecStore on SSM Parameter Store: `/brokerlink/<cluster>/spec` holds the spec text (YAML or JSON) as a String
 * parameter. Up to 4 KB fits the free Standard tier; larger specs (up to 8 KB) need the Advanced tier. The tier is
 * requested as Advanced above 4 KB and as Intelligent-Tiering otherwise, so a spec that shrinks back under 4 KB
 * does not fail on an Advanced → Standard downgrade (which Parameter Store refuses).
 * Saving does not validate: callers validate (and change nothing on a bad spec) before they save.
 */

export const STANDARD_TIER_LIMIT = 4096;
export const ADVANCED_TIER_LIMIT = 8192;

export interface SsmSpecStoreOptions {
  ssm: SSMClient;
  /** Parameter path prefix (default `/brokerlink`). */
  prefix?: string;
}

export class SsmSpecStore implements SpecStore {
  readonly #ssm: SSMClient;
  readonly #prefix: string;

  constructor(options: SsmSpecStoreOptions) {
    this.#ssm = options.ssm;
    this.#prefix = (options.prefix ?? '/brokerlink').replace(/\/+$/, '');
  }

  parameterName(cluster: string): string {
    return `${this.#prefix}/${cluster}/spec`;
  }

  async load(cluster: string): Promise<string> {
    const name = this.parameterName(cluster);
    return awsCall('ssm:GetParameter', async () => {
      try {
        const answer = await this.#ssm.send(new GetParameterCommand({ Name: name }));
        return answer.Parameter?.Value ?? '';
      } catch (error) {
        if (isAwsError(error, 'ParameterNotFound')) throw new SpecNotStored(name, { cause: error });
        throw error;
      }
    });
  }

  async save(cluster: string, text: string): Promise<void> {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > ADVANCED_TIER_LIMIT) throw new SpecTooLarge(bytes, ADVANCED_TIER_LIMIT);
    await awsCall('ssm:PutParameter', () =>
      this.#ssm.send(
        new PutParameterCommand({
          Name: this.parameterName(cluster),
          Value: text,
          Type: 'String',
          Overwrite: true,
          Tier: bytes > STANDARD_TIER_LIMIT ? 'Advanced' : 'Intelligent-Tiering',
          Description: `brokerlink cluster spec of ${cluster}`,
        }),
      ),
    );
  }
}
