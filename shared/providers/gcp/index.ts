/*
 * The Google Cloud provider: adapters for the ports in shared/ports.ts over injected @google-cloud clients.
 *
 *   const clients = createGcpClients();                         // once, at module scope of a function
 *   const bucket = createStorageClient().bucket(stateBucket);
 *   const adapters = createGcpAdapters({ compute: clients, bucket, secretManager }, { project });
 */
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { Bucket } from '@google-cloud/storage';
import type { ExecutionsClient } from '@google-cloud/workflows';
import type { Clock } from '../../ports.ts';
import type { GcpClients } from './clients.ts';
import { ComputeBrokerDiscovery } from './discovery.ts';
import { workflowExecutionState } from './execution-state.ts';
import { GcsPortLedger } from './ledger.ts';
import { GcpLoadBalancer } from './load-balancer.ts';
import { GcsClusterLock } from './lock.ts';
import { MetadataCommandChannel } from './metadata-command-channel.ts';
import { GcpSecretResolver } from './secrets.ts';
import { GcsSpecStore } from './spec-store.ts';

export {
  closeGcpClients,
  createExecutionsClient,
  createGcpClients,
  createSecretManagerClient,
  createStorageClient,
  type GcpClients,
} from './clients.ts';
export { ComputeBrokerDiscovery } from './discovery.ts';
export * from './errors.ts';
export { GcsPortLedger, ledgerObjectName } from './ledger.ts';
export { GcpLoadBalancer } from './load-balancer.ts';
export { GcsClusterLock } from './lock.ts';
export { MetadataCommandChannel } from './metadata-command-channel.ts';
export { GcpSecretResolver } from './secrets.ts';
export { GcsSpecStore, specObjectName } from './spec-store.ts';

export interface GcpAdapterClients {
  compute: GcpClients;
  /** The state bucket: cluster lock, specs, port ledger. */
  bucket: Bucket;
  secretManager?: SecretManagerServiceClient;
  /** The Workflow Executions API: is a lock's holder execution still running? (absent: the lease decides) */
  executions?: ExecutionsClient;
}

export interface GcpAdapterOptions {
  /** The project of the brokers (and of short `gcp-secretmanager:` references). */
  project: string;
  /** The workflows' region (where a lock holder's execution is looked up); needed with `executions`. */
  location?: string;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
}

export function createGcpAdapters(clients: GcpAdapterClients, options: GcpAdapterOptions) {
  const { project } = options;
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  const ledger = new GcsPortLedger({ bucket: clients.bucket });
  return {
    discovery: new ComputeBrokerDiscovery({ clients: clients.compute, project }),
    loadBalancer: new GcpLoadBalancer({ clients: clients.compute, ledger }),
    ledger,
    commands: new MetadataCommandChannel({ clients: clients.compute, project }),
    lock: new GcsClusterLock({
      bucket: clients.bucket,
      ...clock,
      ...(clients.executions === undefined || options.location === undefined
        ? {}
        : { executionState: workflowExecutionState(clients.executions, { project, location: options.location }) }),
    }),
    specs: new GcsSpecStore({ bucket: clients.bucket }),
    secrets: new GcpSecretResolver({
      project,
      ...(clients.secretManager === undefined ? {} : { secretManager: clients.secretManager }),
      ...(options.env === undefined ? {} : { env: options.env }),
    }),
  };
}
