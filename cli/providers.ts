import { createKafkaAdmin } from '../shared/kafka/admin.ts';
import type { Notifier, SpecStore } from '../shared/ports.ts';
import { systemClock } from '../shared/ports.ts';
import { createLocalProvider, type LocalLoadBalancerDaemon, perBrokerRoot } from '../shared/providers/local/index.ts';
import { type ClusterSpec, providerKind } from '../shared/spec/schema.ts';
import type { StepDeps } from '../shared/steps/deps.ts';
import { UsageError } from './errors.ts';

export interface CliDeps extends StepDeps {
  dispose(): Promise<void>;
}

export interface CreateDepsOptions {
  /** A local load balancer running in this process (the demo, tests); otherwise one runs as its own process. */
  daemon?: Pick<LocalLoadBalancerDaemon, 'reload'>;
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
): Promise<CliDeps> {
  const kind = providerKind(spec);
  if (kind !== 'local') {
    throw new UsageError(
      `provider "${kind}" runs in the cloud (see docs/${kind}.md); from this CLI use --observed <file> for an offline plan`,
    );
  }
  const hostsDir = spec.provider.local?.hostsDir;
  const provider = createLocalProvider(spec, {
    ...(options.daemon ? { daemon: options.daemon } : { waitForServedMs: 10_000 }),
    ...(hostsDir === undefined ? {} : { commands: { resolvePath: perBrokerRoot(hostsDir) } }),
  });
  const notifier: Notifier = options.notifier ?? {
    driftFound: async (report) => {
      process.stderr.write(`drift in cluster ${report.cluster}: ${report.drift} difference(s)\n`);
    },
  };
  return {
    ...provider,
    specs: fileSpecStore(spec, specText),
    notifier,
    clock: systemClock,
    kafka: (forSpec) => createKafkaAdmin(forSpec, provider.secrets),
    dispose: async () => {},
  };
}
