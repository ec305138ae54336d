/*
 * FAKE (test support): KMS 2016-01-20 GetSecretValue, for `alicloud-kms:<secret name>` references. Answers the
 * ACSCurrent version of a secret the test stored; an unknown name is Forbidden.ResourceNotFound (404).
 */
import { FakeApiError, type RpcService } from './rpc-server.ts';

export function kmsService(secrets: Map<string, string>): RpcService {
  return {
    product: 'Kms',
    version: '2016-01-20',
    actions: {
      GetSecretValue(params) {
        const name = params.required('SecretName');
        const value = secrets.get(name);
        if (value === undefined)
          throw new FakeApiError(404, 'Forbidden.ResourceNotFound', `The secret ${name} does not exist.`);
        const stage = params.get('VersionStage') ?? 'ACSCurrent';
        if (stage !== 'ACSCurrent')
          throw new FakeApiError(404, 'Forbidden.ResourceNotFound', `No version in stage ${stage}.`);
        return {
          SecretName: name,
          SecretData: value,
          SecretDataType: 'text',
          VersionId: 'v1',
          VersionStages: { VersionStage: ['ACSCurrent'] },
        };
      },
    },
  };
}
