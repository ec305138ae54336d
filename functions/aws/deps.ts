import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
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
import type { TargetObservation } from '../../shared/providers/aws/load-balancer.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { once } from '../../shared/util/once.ts';
import type { Logger } from './log.ts';
import { config, logger } from './runtime.ts';

/*
 * StepDeps on AWS: the adapters of shared/providers/aws over SDK clients, per container. Every adapter and every
 * SDK client is loaded on first use (dynamic import), so a task pays only for what it touches: `plan` loads no SDK
 * at all, `acquireLock` only SSM, the Kafka-facing tasks the Kafka client. Importing all clients up front made every
 * cold start load EC2 + ELBv2 + SSM + Secrets Manager + SNS + the Kafka client (docs/BENCHMARKS.md).
 * The secret resolver is made per invocation so a rotated secret is picked up by the next step.
 */

/** A client, or how to make it on first use. */
export type ClientSource<T> = T | (() => Promise<T>);

export interface AwsDepsClients {
  ec2: ClientSource<EC2Client>;
  elbv2: ClientSource<ElasticLoadBalancingV2Client>;
  ssm: ClientSource<SSMClient>;
  secretsManager: ClientSource<SecretsManagerClient>;
  sns?: ClientSource<SNSClient>;
  /** For the lock's holder check (DescribeExecution); without it a crashed holder's lock waits for its lease. */
  sfn?: ClientSource<SFNClient>;
}

export interface AwsDepsOptions {
  /** brokerlink's SSM command document (the AWS::SSM::Document of serverless.yml). */
  documentName?: string;
  driftTopicArn?: string;
  log: Logger;
  clock?: Clock;
  /** How the NLB's targets are observed; `ledger` keeps a no-drift check at a handful of calls. */
  targets?: TargetObservation;
  /** Where EMF metric lines go (stdout by default). */
  writeMetric?: (line: string) => void;
  /** Kafka admin factory (default: the probe over the spec's internal listener). */
  kafka?: StepDeps['kafka'];
  /** Security groups of the verifying functions, admitted by the NLB's security group (security-group.ts). */
  verifierGroupIds?: readonly string[];
}

/** Builds StepDeps from clients; the returned function gives the deps for one invocation. */
export function createAwsStepDeps(clients: AwsDepsClients, options: AwsDepsOptions): () => StepDeps {
  const clock = options.clock ?? systemClock;
  const ec2 = once(() => resolveClient(clients.ec2));
  const elbv2 = once(() => resolveClient(clients.elbv2));
  const ssm = once(() => resolveClient(clients.ssm));
  const secretsManager = once(() => resolveClient(clients.secretsManager));
  const sns = clients.sns === undefined ? undefined : once(() => resolveClient(clients.sns!));
  const sfn = clients.sfn === undefined ? undefined : once(() => resolveClient(clients.sfn!));

  const discovery = lazyPort<BrokerDiscovery>(['discoverBrokers'], async () => {
    const { Ec2BrokerDiscovery } = await import('../../shared/providers/aws/discovery.ts');
    return new Ec2BrokerDiscovery({ ec2: await ec2(), ssm: await ssm(), clock });
  });
  const loadBalancer = lazyPort<Required<LoadBalancer>>(
    ['observe', 'start', 'poll', 'consumerAddress', 'ensureConsumerEndpoint', 'consumerRoutes'],
    async () => {
      const { AwsLoadBalancer } = await import('../../shared/providers/aws/load-balancer.ts');
      return new AwsLoadBalancer({
        ec2: await ec2(),
        elbv2: await elbv2(),
        targets: options.targets ?? { mode: 'ledger' },
        clock,
        ...(options.verifierGroupIds === undefined ? {} : { verifierGroupIds: options.verifierGroupIds }),
      });
    },
  );
  const ledger = lazyPort<PortLedger>(['read', 'record'], async () => {
    const { AwsTagLedger } = await import('../../shared/providers/aws/tag-ledger.ts');
    return new AwsTagLedger({ elbv2: await elbv2() });
  });
  const commands = lazyPort<CommandChannel>(['start', 'poll'], async () => {
    const { SsmCommandChannel } = await import('../../shared/providers/aws/ssm-command-channel.ts');
    return new SsmCommandChannel({
      ssm: await ssm(),
      ...(options.documentName === undefined ? {} : { documentName: options.documentName }),
    });
  });
  const lock = lazyPort<ClusterLock>(['acquire', 'release', 'holder', 'status', 'clear'], async () => {
    const { SsmClusterLock } = await import('../../shared/providers/aws/lock.ts');
    const executionStatus =
      sfn === undefined
        ? {}
        : {
            executionStatus: (await import('../../shared/providers/aws/execution-status.ts')).describeExecutionStatus(
              await sfn(),
            ),
          };
    return new SsmClusterLock({ ssm: await ssm(), clock, ...executionStatus });
  });
  const specs = lazyPort<SpecStore>(['load', 'save'], async () => {
    const { SsmSpecStore } = await import('../../shared/providers/aws/spec-store.ts');
    return new SsmSpecStore({ ssm: await ssm() });
  });
  const notifier = lazyPort<Notifier>(['driftFound'], async () => {
    const { createAwsNotifier } = await import('./notifier.ts');
    return createAwsNotifier({
      log: options.log,
      ...(sns === undefined ? {} : { sns: await sns() }),
      ...(options.driftTopicArn === undefined ? {} : { topicArn: options.driftTopicArn }),
      ...(options.writeMetric === undefined ? {} : { writeMetric: options.writeMetric }),
    });
  });
  return () => {
    const secrets = lazyPort<SecretResolver>(['resolve'], async () => {
      const { AwsSecretResolver } = await import('../../shared/providers/aws/secrets.ts');
      return new AwsSecretResolver({ secretsManager: await secretsManager(), ssm: await ssm() });
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

const perContainer = once(() => {
  const settings = config();
  const clientConfig = { region: settings.AWS_REGION, maxAttempts: 8, retryMode: 'adaptive' as const };
  return createAwsStepDeps(
    {
      ec2: async () => new (await import('@aws-sdk/client-ec2')).EC2Client(clientConfig),
      ssm: async () => new (await import('@aws-sdk/client-ssm')).SSMClient(clientConfig),
      elbv2: async () =>
        new (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client(clientConfig),
      secretsManager: async () =>
        new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient(clientConfig),
      sfn: async () => new (await import('@aws-sdk/client-sfn')).SFNClient(clientConfig),
      ...(settings.BROKERLINK_DRIFT_TOPIC_ARN === undefined
        ? {}
        : { sns: async () => new (await import('@aws-sdk/client-sns')).SNSClient(clientConfig) }),
    },
    {
      log: logger(),
      ...(settings.BROKERLINK_SSM_DOCUMENT === undefined ? {} : { documentName: settings.BROKERLINK_SSM_DOCUMENT }),
      ...(settings.BROKERLINK_DRIFT_TOPIC_ARN === undefined
        ? {}
        : { driftTopicArn: settings.BROKERLINK_DRIFT_TOPIC_ARN }),
      ...(settings.BROKERLINK_VERIFIER_SECURITY_GROUP_IDS === undefined
        ? {}
        : { verifierGroupIds: settings.BROKERLINK_VERIFIER_SECURITY_GROUP_IDS.split(',') }),
    },
  );
});

/** The deps of this Lambda container (clients and adapters made on first use). */
export function stepDeps(): StepDeps {
  return perContainer()();
}

function resolveClient<T>(source: ClientSource<T>): Promise<T> {
  return typeof source === 'function' ? (source as () => Promise<T>)() : Promise.resolve(source);
}

/**
 * A port whose implementation is built on its first call. Every port method is async, so forwarding each listed
 * method through the loaded instance keeps the port's contract; a failed load is retried on the next call.
 */
function lazyPort<T extends object>(methods: readonly (keyof T & string)[], load: () => Promise<T>): T {
  const get = once(load);
  const port: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of methods) {
    port[method] = async (...args) => {
      const target = await get();
      return (target[method] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    };
  }
  return port as T;
}
