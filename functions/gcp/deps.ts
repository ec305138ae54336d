import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { Bucket } from '@google-cloud/storage';
import type { ExecutionsClient } from '@google-cloud/workflows';
import {
  type BrokerDiscovery,
  type Clock,
  type ClusterLock,
  type CommandChannel,
  type LoadBalancer,
  type Notifier,
  type PortLedger,
  type SecretResolver,
  type SpecStore,
  systemClock,
} from '../../shared/ports.ts';
import type { GcpClients } from '../../shared/providers/gcp/clients.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { type ClientSource, lazyPort, resolveClient } from '../../shared/util/lazy-port.ts';
import { once } from '../../shared/util/once.ts';
import { readGcpConfig } from './config.ts';
import { createLogNotifier } from './notifier.ts';
import { jsonLog, type TriggerDeps } from './triggers.ts';

/*
 * StepDeps on Google Cloud: the adapters of shared/providers/gcp over the @google-cloud clients, per container —
 * the same steps (shared/steps/tasks.ts) the AWS functions call, through the same ports. Adapters and clients are
 * made on first use (dynamic import), so `plan` loads no Google client at all and the lock tasks only Cloud
 * Storage. The secret resolver is made per invocation so a rotated secret is picked up by the next step.
 */

export interface GcpDepsClients {
  compute: ClientSource<GcpClients>;
  /** The state bucket (lock, specs, port ledger). */
  bucket: ClientSource<Bucket>;
  secretManager?: ClientSource<SecretManagerServiceClient>;
  /**
   * The Workflow Executions API, for the lock's live-holder check (a holder whose execution ended is taken over
   * at once). Without it a holder is `unknown` and its lease decides.
   */
  executions?: ClientSource<ExecutionsClient>;
}

export interface GcpDepsOptions {
  /** The brokers' project (also of short `gcp-secretmanager:` references). */
  project: string;
  /** The workflows' region (where the lock holder's execution is looked up). */
  location?: string;
  clock?: Clock;
  /** Where log lines (drift reports) go; stdout by default. */
  write?: (line: string) => void;
  /** Kafka admin factory (default: the probe over the spec's internal listener). */
  kafka?: StepDeps['kafka'];
  env?: Readonly<Record<string, string | undefined>>;
}

/** Builds StepDeps from clients; the returned function gives the deps for one invocation. */
export function createGcpStepDeps(clients: GcpDepsClients, options: GcpDepsOptions): () => StepDeps {
  const { project } = options;
  const clock = options.clock ?? systemClock;
  const compute = once(() => resolveClient(clients.compute));
  const bucket = once(() => resolveClient(clients.bucket));
  const secretManager =
    clients.secretManager === undefined ? undefined : once(() => resolveClient(clients.secretManager!));

  const ledger = lazyPort<PortLedger>(['read', 'record'], async () => {
    const { GcsPortLedger } = await import('../../shared/providers/gcp/ledger.ts');
    return new GcsPortLedger({ bucket: await bucket() });
  });
  const discovery = lazyPort<BrokerDiscovery>(['discoverBrokers'], async () => {
    const { ComputeBrokerDiscovery } = await import('../../shared/providers/gcp/discovery.ts');
    return new ComputeBrokerDiscovery({ clients: await compute(), project });
  });
  // No consumerRoutes: the PSC endpoint reaches every broker from any zone (no zonal load balancer nodes).
  const loadBalancer = lazyPort<Omit<Required<LoadBalancer>, 'consumerRoutes'>>(
    ['observe', 'start', 'poll', 'consumerAddress', 'ensureConsumerEndpoint'],
    async () => {
      const { GcpLoadBalancer } = await import('../../shared/providers/gcp/load-balancer.ts');
      return new GcpLoadBalancer({ clients: await compute(), ledger });
    },
  );
  const commands = lazyPort<CommandChannel>(['start', 'poll'], async () => {
    const { MetadataCommandChannel } = await import('../../shared/providers/gcp/metadata-command-channel.ts');
    return new MetadataCommandChannel({ clients: await compute(), project });
  });
  const lock = lazyPort<ClusterLock>(['acquire', 'release', 'holder', 'status', 'clear'], async () => {
    const { GcsClusterLock } = await import('../../shared/providers/gcp/lock.ts');
    const executions = clients.executions;
    if (executions === undefined || options.location === undefined)
      return new GcsClusterLock({ bucket: await bucket(), clock });
    const { workflowExecutionState } = await import('../../shared/providers/gcp/execution-state.ts');
    const client = await resolveClient(executions);
    return new GcsClusterLock({
      bucket: await bucket(),
      clock,
      executionState: workflowExecutionState(client, { project: options.project, location: options.location }),
    });
  });
  const specs = lazyPort<SpecStore>(['load', 'save'], async () => {
    const { GcsSpecStore } = await import('../../shared/providers/gcp/spec-store.ts');
    return new GcsSpecStore({ bucket: await bucket() });
  });
  const notifier: Notifier = createLogNotifier(options.write);
  return () => {
    const secrets = lazyPort<SecretResolver>(['resolve'], async () => {
      const { GcpSecretResolver } = await import('../../shared/providers/gcp/secrets.ts');
      return new GcpSecretResolver({
        project,
        ...(secretManager === undefined ? {} : { secretManager: await secretManager() }),
        ...(options.env === undefined ? {} : { env: options.env }),
      });
    });
    return {
      discovery,
      loadBalancer,
      ledger,
      commands,
      lock,
      secrets,
      specs,
      notifier,
      clock,
      kafka:
        options.kafka ??
        (async (spec) => (await import('../../shared/kafka/admin.ts')).createKafkaAdmin(spec, secrets)),
    };
  };
}

export interface GcpTriggerClients {
  compute: ClientSource<GcpClients>;
  bucket: ClientSource<Bucket>;
  executions: ClientSource<ExecutionsClient>;
}

/** The trigger functions' ports (Workflow Executions, instance labels, stored specs) over the same clients. */
export function createGcpTriggerDeps(
  clients: GcpTriggerClients,
  options: { project: string; location: string; bucketName: string; write?: (line: string) => void },
): () => Promise<TriggerDeps> {
  return once(async () => {
    const { ComputeInstanceDirectory, GcsStoredSpecs, WorkflowsStarter } = await import(
      '../../shared/providers/gcp/trigger-ports.ts'
    );
    return {
      starter: new WorkflowsStarter({
        client: await resolveClient(clients.executions),
        project: options.project,
        location: options.location,
      }),
      instances: new ComputeInstanceDirectory({
        clients: await resolveClient(clients.compute),
        project: options.project,
      }),
      specs: new GcsStoredSpecs({ bucket: await resolveClient(clients.bucket) }),
      bucket: options.bucketName,
      log: jsonLog(options.write),
    };
  });
}

// ---------------------------------------------------------------------------------------------- production

const clientsModule = once(() => import('../../shared/providers/gcp/clients.ts'));

const perContainer = once(() => {
  const config = readGcpConfig();
  const compute = once(async () => (await clientsModule()).createGcpClients());
  const executions = once(async () => (await clientsModule()).createExecutionsClient());
  const bucket = once(async () =>
    (await clientsModule())
      .createStorageClient({ projectId: config.BROKERLINK_PROJECT })
      .bucket(config.BROKERLINK_BUCKET),
  );
  return {
    steps: createGcpStepDeps(
      {
        compute,
        bucket,
        secretManager: async () => (await clientsModule()).createSecretManagerClient(),
        executions,
      },
      { project: config.BROKERLINK_PROJECT, location: config.BROKERLINK_REGION },
    ),
    triggers: createGcpTriggerDeps(
      { compute, bucket, executions },
      { project: config.BROKERLINK_PROJECT, location: config.BROKERLINK_REGION, bucketName: config.BROKERLINK_BUCKET },
    ),
  };
});

/** The step deps of this function instance (configuration read, clients and adapters made, on first use). */
export function stepDeps(): StepDeps {
  return perContainer().steps();
}

export function triggerDeps(): Promise<TriggerDeps> {
  return perContainer().triggers();
}
