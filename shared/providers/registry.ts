import type {
  BrokerDiscovery,
  ClusterLock,
  CommandChannel,
  LoadBalancer,
  PortLedger,
  SecretResolver,
  SpecStore,
} from '../ports.ts';
import { type ClusterSpec, type ProviderKind, providerKind } from '../spec/schema.ts';
import type { AlicloudFactoryOptions } from './alicloud/factory.ts';
import type { AwsFactoryOptions } from './aws/factory.ts';
import { ProviderAdaptersUnavailable } from './errors.ts';
import type { LocalFactoryOptions } from './local/factory.ts';

/*
 * The one place that builds a provider's adapters for a spec: the CLI (operator mode: the workflow runs on the
 * operator's machine against the spec's cloud) asks here and never looks at the provider's kind. Each provider
 * folder has a `factory.ts` exporting a `ProviderFactory`; it is loaded on first use (dynamic import), so a command
 * for one cloud never loads another cloud's SDK. Deployed functions build their adapters in functions/<cloud>/.
 */

/** Every port a provider implements for the steps (the caller adds notifier, clock and Kafka access). */
export interface ProviderAdapters {
  discovery: BrokerDiscovery;
  loadBalancer: LoadBalancer;
  ledger: PortLedger;
  commands: CommandChannel;
  lock: ClusterLock;
  secrets: SecretResolver;
  /** Where the deployed provisioner reads specs from (push-spec writes there). */
  specs: SpecStore;
  /** Where `specs` keeps the spec of `cluster`, in words for a person ("Parameter Store /brokerlink/orders/spec"). */
  specStoreLocation(cluster: string): string;
}

/** Options each provider's factory understands; a provider ignores the others' entries. */
export interface ProviderOptions {
  local?: LocalFactoryOptions;
  aws?: AwsFactoryOptions;
  alicloud?: AlicloudFactoryOptions;
}

export type ProviderFactory<O> = (spec: ClusterSpec, options: O) => ProviderAdapters;

type FactoryOptions<K extends ProviderKind> = K extends keyof ProviderOptions
  ? NonNullable<ProviderOptions[K]>
  : Record<string, never>;

/** How to load each provider's factory; undefined: the provider has a profile (plans) but no adapters yet. */
const FACTORIES: { readonly [K in ProviderKind]: (() => Promise<ProviderFactory<FactoryOptions<K>>>) | undefined } = {
  local: async () => (await import('./local/factory.ts')).localFactory,
  aws: async () => (await import('./aws/factory.ts')).awsFactory,
  gcp: undefined,
  alicloud: async () => (await import('./alicloud/factory.ts')).alicloudFactory,
};

/** Whether brokerlink can observe and change the spec's provider (not only plan for it). */
export function hasAdapters(spec: ClusterSpec): boolean {
  return FACTORIES[providerKind(spec)] !== undefined;
}

/** The adapters of the spec's provider; ProviderAdaptersUnavailable when it has none yet. */
export async function createProviderAdapters(
  spec: ClusterSpec,
  options: ProviderOptions = {},
): Promise<ProviderAdapters> {
  return build(providerKind(spec), spec, options);
}

async function build<K extends ProviderKind>(
  kind: K,
  spec: ClusterSpec,
  options: ProviderOptions,
): Promise<ProviderAdapters> {
  const load = FACTORIES[kind];
  if (load === undefined) throw new ProviderAdaptersUnavailable(kind);
  const factory = await load();
  return factory(spec, ((options as Record<string, unknown>)[kind] ?? {}) as FactoryOptions<K>);
}
