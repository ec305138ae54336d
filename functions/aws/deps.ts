import type { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { createKafkaAdmin } from '../../shared/kafka/admin.ts';
import { type Clock, systemClock } from '../../shared/ports.ts';
import { Ec2BrokerDiscovery } from '../../shared/providers/aws/discovery.ts';
import { AwsLoadBalancer, type TargetObservation } from '../../shared/providers/aws/load-balancer.ts';
import { SsmClusterLock } from '../../shared/providers/aws/lock.ts';
import { AwsSecretResolver } from '../../shared/providers/aws/secrets.ts';
import { SsmSpecStore } from '../../shared/providers/aws/spec-store.ts';
import { SsmCommandChannel } from '../../shared/providers/aws/ssm-command-channel.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import type { Logger } from './log.ts';
import { createAwsNotifier } from './notifier.ts';
import { config, ec2Client, logger, snsClient, ssmClient } from './runtime.ts';

/*
 * StepDeps on AWS: the adapters of shared/providers/aws over SDK clients that are created once per container
 * (./runtime.ts). Adapters that keep useful caches (AZ name → AZ id, ...) live as long as the container; the secret
 * resolver is made per invocation so a rotated secret is picked up by the next step.
 */

export interface AwsDepsClients {
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  ssm: SSMClient;
  secretsManager: SecretsManagerClient;
  sns?: SNSClient;
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
}

/** Builds StepDeps from clients; the returned function gives the deps for one invocation. */
export function createAwsStepDeps(clients: AwsDepsClients, options: AwsDepsOptions): () => StepDeps {
  const clock = options.clock ?? systemClock;
  const discovery = new Ec2BrokerDiscovery({ ec2: clients.ec2 });
  const loadBalancer = new AwsLoadBalancer({
    ec2: clients.ec2,
    elbv2: clients.elbv2,
    targets: options.targets ?? { mode: 'ledger' },
    clock,
  });
  const commands = new SsmCommandChannel({
    ssm: clients.ssm,
    ...(options.documentName === undefined ? {} : { documentName: options.documentName }),
  });
  const lock = new SsmClusterLock({ ssm: clients.ssm, clock });
  const specs = new SsmSpecStore({ ssm: clients.ssm });
  const notifier = createAwsNotifier({
    log: options.log,
    ...(clients.sns === undefined ? {} : { sns: clients.sns }),
    ...(options.driftTopicArn === undefined ? {} : { topicArn: options.driftTopicArn }),
    ...(options.writeMetric === undefined ? {} : { writeMetric: options.writeMetric }),
  });
  return () => {
    const secrets = new AwsSecretResolver({ secretsManager: clients.secretsManager, ssm: clients.ssm });
    return {
      discovery,
      loadBalancer,
      commands,
      lock,
      secrets,
      specs,
      notifier,
      clock,
      kafka: options.kafka ?? ((spec) => createKafkaAdmin(spec, secrets)),
    };
  };
}

let perContainer: (() => StepDeps) | undefined;

/** The deps of this Lambda container (clients and adapters made on first use). */
export function stepDeps(): StepDeps {
  if (perContainer === undefined) {
    const settings = config();
    const clientConfig = { region: settings.AWS_REGION, maxAttempts: 8, retryMode: 'adaptive' as const };
    perContainer = createAwsStepDeps(
      {
        ec2: ec2Client(),
        ssm: ssmClient(),
        elbv2: new ElasticLoadBalancingV2Client(clientConfig),
        secretsManager: new SecretsManagerClient(clientConfig),
        ...(settings.BROKERLINK_DRIFT_TOPIC_ARN === undefined ? {} : { sns: snsClient() }),
      },
      {
        log: logger(),
        ...(settings.BROKERLINK_SSM_DOCUMENT === undefined ? {} : { documentName: settings.BROKERLINK_SSM_DOCUMENT }),
        ...(settings.BROKERLINK_DRIFT_TOPIC_ARN === undefined
          ? {}
          : { driftTopicArn: settings.BROKERLINK_DRIFT_TOPIC_ARN }),
      },
    );
  }
  return perContainer();
}
