import type { SpecStore } from '../../shared/ports.ts';
import { createProviderAdapters } from '../../shared/providers/registry.ts';
import type { ClusterSpec } from '../../shared/spec/schema.ts';
import { parseCommandArgs } from '../args.ts';
import { loadSpecFile, type Output } from '../io.ts';

/**
 * Stores a cluster spec where the deployed provisioner reads it (AWS: Parameter Store /brokerlink/<cluster>/spec,
 * whose change event starts an apply; local: the provider's spec directory). The spec is validated first: an
 * invalid spec lists every problem, exits 1 and writes nothing.
 */
type StoreFor = (spec: ClusterSpec) => StoreAndPlace | Promise<StoreAndPlace>;
interface StoreAndPlace {
  store: SpecStore;
  where: string;
}

export async function pushSpecCommand(argv: string[], io: Output, stores: StoreFor = specStoreFor): Promise<void> {
  const { positionals } = parseCommandArgs(argv, {}, ['spec']);
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const { store, where } = await stores(spec);
  await store.save(spec.cluster, text);
  io.out(`stored the spec of cluster "${spec.cluster}" in ${where}`);
}

/** The provider's spec store (the registry builds it), and where it keeps the spec, in words. */
export async function specStoreFor(spec: ClusterSpec): Promise<StoreAndPlace> {
  const adapters = await createProviderAdapters(spec);
  return { store: adapters.specs, where: adapters.specStoreLocation(spec.cluster) };
}
