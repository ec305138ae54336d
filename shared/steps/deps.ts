import type {
  BrokerDiscovery,
  Clock,
  ClusterLock,
  CommandChannel,
  KafkaAdmin,
  LoadBalancer,
  Notifier,
  PortLedger,
  SecretResolver,
  SpecStore,
} from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';

/**
 * Everything a step may touch, injected by the caller (a Lambda handler, the CLI, the local runner, a test).
 * Steps receive only what they use (`Pick<StepDeps, ...>`), so a step's signature shows its reach.
 */
export interface StepDeps {
  discovery: BrokerDiscovery;
  loadBalancer: LoadBalancer;
  /** Which port belongs to which broker; read with the load balancer, written after each LB change. */
  ledger: PortLedger;
  commands: CommandChannel;
  lock: ClusterLock;
  secrets: SecretResolver;
  specs: SpecStore;
  notifier: Notifier;
  clock: Clock;
  /** Kafka admin access for the spec's cluster (created per call: credentials come from the spec). */
  kafka: (spec: ClusterSpec) => Promise<KafkaAdmin>;
}
