/*
 * The AWS provider: adapters for the ports in shared/ports.ts over injected SDK v3 clients.
 *
 *   const clients = createAwsClients({ region });            // once, at module scope of a handler
 *   const adapters = createAwsAdapters(clients, { documentName: 'BrokerLink-BrokerCommand' });
 */
import type { Clock } from '../../ports.ts';
import type { AwsClients } from './clients.ts';
import { Ec2BrokerDiscovery } from './discovery.ts';
import { AwsLoadBalancer, type TargetObservation } from './load-balancer.ts';
import { SsmClusterLock } from './lock.ts';
import { AwsSecretResolver } from './secrets.ts';
import { SsmSpecStore } from './spec-store.ts';
import { SsmCommandChannel } from './ssm-command-channel.ts';
import { AwsTagLedger } from './tag-ledger.ts';

export { type AwsClientOptions, type AwsClients, createAwsClients } from './clients.ts';
export { Ec2BrokerDiscovery } from './discovery.ts';
export { type EndpointServiceResult, ensureEndpointService } from './endpoint-service.ts';
export * from './errors.ts';
export { LEDGER_TAGS, targetGroupName } from './ledger.ts';
export { AwsLoadBalancer, type TargetObservation } from './load-balancer.ts';
export { SsmClusterLock } from './lock.ts';
export { AwsSecretResolver } from './secrets.ts';
export { SsmSpecStore } from './spec-store.ts';
export { SsmCommandChannel } from './ssm-command-channel.ts';
export {
  DEFAULT_DOCUMENT_NAME,
  PARAMETER_PATTERNS,
  type SsmCommandDocument,
  ssmDocumentContent,
} from './ssm-document.ts';
export { AwsTagLedger } from './tag-ledger.ts';

export interface AwsAdapterOptions {
  /** brokerlink's SSM command document (default BrokerLink-BrokerCommand). */
  documentName?: string;
  /** `describe` (exact, default) or `ledger` (≤ 12 calls per no-drift observe of 48 brokers). */
  targets?: TargetObservation;
  /** Parameter Store prefix for the lock and the spec (default /brokerlink). */
  parameterPrefix?: string;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
  /** The lock's holder check (an execution's status, see execution-status.ts); without it a crashed holder waits. */
  executionStatus?: (executionArn: string) => Promise<string | undefined>;
}

export function createAwsAdapters(clients: AwsClients, options: AwsAdapterOptions = {}) {
  const prefix = options.parameterPrefix === undefined ? {} : { prefix: options.parameterPrefix };
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  return {
    discovery: new Ec2BrokerDiscovery({ ec2: clients.ec2 }),
    loadBalancer: new AwsLoadBalancer({
      elbv2: clients.elbv2,
      ec2: clients.ec2,
      ...(options.targets === undefined ? {} : { targets: options.targets }),
      ...clock,
    }),
    ledger: new AwsTagLedger({ elbv2: clients.elbv2 }),
    commands: new SsmCommandChannel({
      ssm: clients.ssm,
      ...(options.documentName === undefined ? {} : { documentName: options.documentName }),
    }),
    lock: new SsmClusterLock({
      ssm: clients.ssm,
      ...prefix,
      ...clock,
      ...(options.executionStatus === undefined ? {} : { executionStatus: options.executionStatus }),
    }),
    specs: new SsmSpecStore({ ssm: clients.ssm, ...prefix }),
    secrets: new AwsSecretResolver({
      secretsManager: clients.secretsManager,
      ssm: clients.ssm,
      ...(options.env === undefined ? {} : { env: options.env }),
    }),
  };
}
