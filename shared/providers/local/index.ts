/**
 * The `local` provider: the same ports the cloud adapters implement, on one machine. A port-mapping TCP load
 * balancer on loopback whose ledger is a JSON state file, the local shell (the real broker writer script) as the
 * command channel, a lock file as the cluster lock, `env:` / `file:` secrets and a directory of specs.
 * See docs/local-provider.md.
 */
import type {
  BrokerDiscovery,
  Clock,
  ClusterLock,
  CommandChannel,
  LoadBalancer,
  PortLedger,
  SecretResolver,
  SpecStore,
} from '../../ports.ts';
import type { ClusterSpec, LocalProviderSpec } from '../../spec/schema.ts';
import type { LocalCommandChannelOptions } from './command-channel.ts';
import { createLocalCommandChannel } from './command-channel.ts';
import { createLocalDiscovery } from './discovery.ts';
import { LocalProviderUnsupported } from './errors.ts';
import { createLocalLedger } from './ledger.ts';
import { createLocalLoadBalancer } from './load-balancer.ts';
import type { LocalLoadBalancerDaemon } from './load-balancer-daemon.ts';
import { createLocalClusterLock } from './lock.ts';
import { createLocalSecrets } from './secrets.ts';
import { createFileSpecStore } from './spec-store.ts';

export { perBrokerRoot } from './command-channel.ts';
export type { LocalLoadBalancerDaemon, LocalLoadBalancerOptions } from './load-balancer-daemon.ts';
export { startLocalLoadBalancer } from './load-balancer-daemon.ts';

export interface LocalProviderOptions {
  /** An in-process daemon serving this spec's state file: LB changes are done once it serves them. */
  daemon?: Pick<LocalLoadBalancerDaemon, 'reload'>;
  /** Or: a daemon in another process (lb-main.ts): LB changes are pending until it serves them, for this long at most. */
  waitForServedMs?: number;
  /** Command channel settings (per-broker roots, timeouts, writer location). */
  commands?: Omit<LocalCommandChannelOptions, 'propertiesPath'>;
  /** Environment for `env:` secrets. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory of `<cluster>.yaml` specs. Default: the state file's directory + `/specs`. */
  specDir?: string;
  clock?: Clock;
}

export interface LocalProvider {
  discovery: BrokerDiscovery;
  loadBalancer: LoadBalancer;
  ledger: PortLedger;
  commands: CommandChannel;
  lock: ClusterLock;
  secrets: SecretResolver;
  specs: SpecStore;
}

export function localProviderSpec(spec: ClusterSpec): LocalProviderSpec {
  const local = spec.provider.local;
  if (local === undefined) {
    throw new LocalProviderUnsupported(`cluster ${spec.cluster}: the spec has no provider.local section`);
  }
  return local;
}

export function createLocalProvider(spec: ClusterSpec, options: LocalProviderOptions = {}): LocalProvider {
  const local = localProviderSpec(spec);
  const clock = options.clock;
  return {
    discovery: createLocalDiscovery(),
    loadBalancer: createLocalLoadBalancer({
      stateFile: local.stateFile,
      host: local.host,
      ...(options.daemon === undefined ? {} : { daemon: options.daemon }),
      ...(options.waitForServedMs === undefined ? {} : { waitForServedMs: options.waitForServedMs }),
      ...(clock === undefined ? {} : { now: () => clock.now() }),
    }),
    ledger: createLocalLedger({
      stateFile: local.stateFile,
      ...(clock === undefined ? {} : { now: () => clock.now() }),
    }),
    commands: createLocalCommandChannel({ ...options.commands, propertiesPath: spec.brokers.propertiesPath }),
    lock: createLocalClusterLock({ stateFile: local.stateFile, ...(clock === undefined ? {} : { clock }) }),
    secrets: createLocalSecrets(options.env === undefined ? {} : { env: options.env }),
    specs: createFileSpecStore(options.specDir ?? `${local.stateFile.replace(/\/[^/]*$/, '') || '.'}/specs`),
  };
}
