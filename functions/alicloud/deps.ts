import type { Clock, ClusterLock, Notifier } from '../../shared/ports.ts';
import { systemClock } from '../../shared/ports.ts';
import type { AlicloudClients } from '../../shared/providers/alicloud/clients.ts';
import { CloudAssistantChannel } from '../../shared/providers/alicloud/cloud-assistant-channel.ts';
import { EcsBrokerDiscovery } from '../../shared/providers/alicloud/discovery.ts';
import { cloudFlowExecutionStatus } from '../../shared/providers/alicloud/execution-status.ts';
import { AlibabaLoadBalancer } from '../../shared/providers/alicloud/load-balancer.ts';
import { OssClusterLock, OssSpecStore } from '../../shared/providers/alicloud/oss-lock.ts';
import type { ObjectStore } from '../../shared/providers/alicloud/oss-store.ts';
import { AlicloudSecretResolver } from '../../shared/providers/alicloud/secrets.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import type { TriggerLog } from '../../shared/triggers/ports.ts';

/*
 * StepDeps on Alibaba Cloud: the adapters of shared/providers/alicloud over injected clients (one set per Function
 * Compute instance, made in the handler module's scope). The Kafka admin client is loaded on first use (only the
 * Kafka-facing tasks pay for it); the secret resolver is made per invocation so a rotated secret is picked up.
 */

export interface AlicloudDepsOptions {
  region: string;
  /** The OSS bucket of specs and locks, as an object store. */
  state: ObjectStore;
  statePrefix?: string;
  log: TriggerLog;
  clock?: Clock;
  kafka?: StepDeps['kafka'];
  env?: Readonly<Record<string, string | undefined>>;
}

/** A drift report as one structured log line (SLS keeps it; an alert rule on `drift > 0` notifies). */
function logNotifier(log: TriggerLog): Notifier {
  return {
    async driftFound(report) {
      log.warn('drift found', { cluster: report.cluster, drift: report.drift, details: report.details });
    },
  };
}

export function createAlicloudStepDeps(clients: AlicloudClients, options: AlicloudDepsOptions): () => StepDeps {
  const clock = options.clock ?? systemClock;
  const discovery = new EcsBrokerDiscovery({ ecs: clients.ecs });
  const loadBalancer = new AlibabaLoadBalancer({
    nlb: clients.nlb,
    ecs: clients.ecs,
    privateLink: clients.privateLink,
  });
  const commands = new CloudAssistantChannel({ ecs: clients.ecs, region: options.region });
  const lock: ClusterLock = new OssClusterLock({
    store: options.state,
    prefix: options.statePrefix,
    clock,
    executionStatus: cloudFlowExecutionStatus(clients.cloudFlow),
  });
  const specs = new OssSpecStore({ store: options.state, prefix: options.statePrefix });
  const notifier = logNotifier(options.log);
  return () => {
    const secrets = new AlicloudSecretResolver({ kms: clients.kms, env: options.env ?? process.env });
    return {
      discovery,
      loadBalancer,
      ledger: loadBalancer.ledger,
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
