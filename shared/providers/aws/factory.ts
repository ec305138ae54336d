import type { ProviderFactory } from '../registry.ts';
import { createAwsAdapters, createAwsClients, type TargetObservation } from './index.ts';
import { awsProvider } from './ledger.ts';

export interface AwsFactoryOptions {
  /** How the NLB's targets are observed (default `describe`: exact, the right choice before applying a plan). */
  targets?: TargetObservation;
}

/** Operator mode on AWS: the adapters over SDK clients with the default credential chain, in the spec's region. */
export const awsFactory: ProviderFactory<AwsFactoryOptions> = (spec, options) => {
  const { region } = awsProvider(spec);
  const clients = createAwsClients({ region });
  const adapters = createAwsAdapters(clients, {
    targets: options.targets ?? { mode: 'describe' },
    // The SFN client is made only when a lock's holder has to be checked (`brokerlink unlock`, a busy lock).
    executionStatus: async (arn) => {
      const [{ SFNClient }, { describeExecutionStatus }] = await Promise.all([
        import('@aws-sdk/client-sfn'),
        import('./execution-status.ts'),
      ]);
      return describeExecutionStatus(new SFNClient({ region }))(arn);
    },
  });
  return {
    ...adapters,
    specStoreLocation: (cluster) => `Parameter Store ${adapters.specs.parameterName(cluster)} (${region})`,
  };
};
