import type { SpecStore } from '../../shared/ports.ts';
import { createAwsClients } from '../../shared/providers/aws/clients.ts';
import { SsmSpecStore } from '../../shared/providers/aws/spec-store.ts';
import { createLocalProvider } from '../../shared/providers/local/index.ts';
import { type ClusterSpec, providerKind } from '../../shared/spec/schema.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError } from '../errors.ts';
import { loadSpecFile, type Output } from '../io.ts';

/**
 * Stores a cluster spec where the deployed provisioner reads it (AWS: Parameter Store /brokerlink/<cluster>/spec,
 * whose change event starts an apply; local: the provider's spec directory). The spec is validated first: an
 * invalid spec lists every problem, exits 1 and writes nothing.
 */
export async function pushSpecCommand(argv: string[], io: Output, stores = specStoreFor): Promise<void> {
  const { positionals } = parseCommandArgs(argv, {}, ['spec']);
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const { store, where } = stores(spec);
  await store.save(spec.cluster, text);
  io.out(`stored the spec of cluster "${spec.cluster}" in ${where}`);
}

export function specStoreFor(spec: ClusterSpec): { store: SpecStore; where: string } {
  const kind = providerKind(spec);
  if (kind === 'aws') {
    const store = new SsmSpecStore({ ssm: createAwsClients({ region: spec.provider.aws!.region }).ssm });
    return { store, where: `Parameter Store ${store.parameterName(spec.cluster)} (${spec.provider.aws!.region})` };
  }
  if (kind === 'local') {
    const local = spec.provider.local!;
    return { store: createLocalProvider(spec).specs, where: `the local spec directory next to ${local.stateFile}` };
  }
  throw new UsageError(`provider "${kind}" has no spec store yet`);
}
