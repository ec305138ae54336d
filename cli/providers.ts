import { createKafkaAdmin } from '../shared/kafka/admin.ts';
import type { Notifier, SpecStore } from '../shared/ports.ts';
import { systemClock } from '../shared/ports.ts';
import { createAwsAdapters, createAwsClients } from '../shared/providers/aws/index.ts';
import { createLocalProvider, type LocalLoadBalancerDaemon, perBrokerRoot } from '../shared/providers/local/index.ts';
import { type ClusterSpec, providerKind } from '../shared/spec/schema.ts';
import type { StepDeps } from '../shared/steps/deps.ts';
import { UsageError } from './errors.ts';

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
): Promise<StepDeps> {
  const notifier: Notifier = options.notifier ?? {
    driftFound: async (report) => {
      process.stderr.write(`drift in cluster ${report.cluster}: ${report.drift} difference(s)\n`);
    },
  };
  const kind = providerKind(spec);
  const provider = kind === 'local' ? localAdapters(spec, options) : kind === 'aws' ? awsAdapters(spec) : undefined;
  if (provider === undefined) {
    throw new UsageError(
      `provider "${kind}" has no adapter yet; plan offline with --observed <file> (docs/observed-state.md)`,
    );
  }
  return {
    ...provider,
    specs: fileSpecStore(spec, specText),
    notifier,
    clock: systemClock,
    kafka: (forSpec) => createKafkaAdmin(forSpec, provider.secrets),
  };
}

function localAdapters(spec: ClusterSpec, options: CreateDepsOptions) {
  const hostsDir = spec.provider.local?.hostsDir;
  return createLocalProvider(spec, {
    ...(options.daemon ? { daemon: options.daemon } : { waitForServedMs: 10_000 }),
    ...(hostsDir === undefined ? {} : { commands: { resolvePath: perBrokerRoot(hostsDir) } }),
  });
}

/** Operator mode on AWS: the same state machine run from a workstation with the default credential chain. */
function awsAdapters(spec: ClusterSpec) {
  const clients = createAwsClients({ region: spec.provider.aws!.region });
  return createAwsAdapters(clients, { targets: { mode: 'describe' } });
}
