import type { ProviderFactory } from '../registry.ts';
import { createExecutionsClient, createGcpClients, createSecretManagerClient, createStorageClient } from './clients.ts';
import { GcpProviderNotConfigured } from './errors.ts';
import { createGcpAdapters } from './index.ts';
import { specObjectName } from './spec-store.ts';

export interface GcpFactoryOptions {
  /** The state bucket of the deployment (lock, specs, port ledger); default: $BROKERLINK_BUCKET. */
  bucket?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Operator mode on Google Cloud: the adapters over the @google-cloud clients with Application Default Credentials,
 * in the spec's project. The port ledger lives in the deployment's state bucket, so the CLI must use the same one
 * as the functions: BROKERLINK_BUCKET (the `bucket` of deploy/gcp's config), never a guess — a wrong bucket would
 * show an empty ledger and plan ports that belong to brokers already.
 */
export const gcpFactory: ProviderFactory<GcpFactoryOptions> = (spec, options) => {
  const gcp = spec.provider.gcp!;
  const env = options.env ?? process.env;
  const bucketName = options.bucket ?? env['BROKERLINK_BUCKET'];
  if (bucketName === undefined || bucketName === '')
    throw new GcpProviderNotConfigured(
      'set BROKERLINK_BUCKET to the state bucket of the brokerlink deployment (deploy/gcp config: bucket); it holds the port ledger, the lock and the specs',
    );
  const bucket = createStorageClient({ projectId: gcp.project }).bucket(bucketName);
  // The lock's holder is looked up where the workflows run (deploy/gcp config: region; default the brokers').
  const location = env['BROKERLINK_REGION'] || gcp.region;
  const adapters = createGcpAdapters(
    {
      compute: createGcpClients(),
      bucket,
      secretManager: createSecretManagerClient(),
      executions: createExecutionsClient(),
    },
    { project: gcp.project, location, env },
  );
  return {
    ...adapters,
    specStoreLocation: (cluster) => `gs://${bucketName}/${specObjectName(cluster)}`,
  };
};
