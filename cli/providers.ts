import type { Notifier, SpecStore } from '../shared/ports.ts';
import { systemClock } from '../shared/ports.ts';
import { createProviderAdapters, type ProviderOptions } from '../shared/providers/registry.ts';
import type { ClusterSpec } from '../shared/spec/schema.ts';
import type { StepDeps } from '../shared/steps/deps.ts';
import { UsageError } from './errors.ts';

export interface CreateDepsOptions {
  /** Per-provider options for the adapters (e.g. `local.daemon`: a local load balancer running in this process). */
  providers?: ProviderOptions;
  /** Where drift reports go; default: a line on stderr. */
  notifier?: Notifier;
}

/** The spec file given on the command line is the spec store: the CLI never reads another copy. */
export function fileSpecStore(spec: ClusterSpec, specText: string): SpecStore {
  return {
    load: async (cluster) => {
      if (cluster !== spec.cluster)
        throw new UsageError(`the spec file is for cluster "${spec.cluster}", not "${cluster}"`);
      return specText;
    },
    save: async () => {
      throw new UsageError('the CLI does not write spec files; edit the file instead');
    },
  };
}

export async function createStepDeps(
  spec: ClusterSpec,
  specText: string,
  options: CreateDepsOptions = {},
): Promise<StepDeps> {
  const notifier: Notifier = options.notifier ?? {
    driftFound: async (report) => {
      process.stderr.write(`drift in cluster ${report.cluster}: ${report.drift} difference(s)\n`);
    },
  };
  const { specStoreLocation: _, ...provider } = await createProviderAdapters(spec, options.providers);
  return {
    ...provider,
    specs: fileSpecStore(spec, specText),
    notifier,
    clock: systemClock,
    // The Kafka client (about 1,300 modules) loads when a step first talks to Kafka, not with the command.
    kafka: async (forSpec) => (await import('../shared/kafka/admin.ts')).createKafkaAdmin(forSpec, provider.secrets),
  };
}
