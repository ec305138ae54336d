import type { ProviderFactory } from '../registry.ts';
import { createAlicloudClients } from './clients.ts';
import { CloudAssistantChannel } from './cloud-assistant-channel.ts';
import { EcsBrokerDiscovery } from './discovery.ts';
import { AlicloudStateBucketMissing } from './errors.ts';
import { cloudFlowExecutionStatus } from './execution-status.ts';
import { AlibabaLoadBalancer } from './load-balancer.ts';
import { OssClusterLock, OssSpecStore } from './oss-lock.ts';
import { createOssClient, ossObjectStore } from './oss-store.ts';
import { AlicloudSecretResolver } from './secrets.ts';
import { alicloudProvider } from './spec.ts';

export interface AlicloudFactoryOptions {
  /** The OSS bucket of specs and locks (the deploy's --bucket); default: BROKERLINK_STATE_BUCKET. */
  stateBucket?: string;
  statePrefix?: string;
}

/**
 * Operator mode on Alibaba Cloud: the adapters over the SDK clients with the default credential chain (env, the
 * aliyun CLI's profile, an instance role), in the spec's region; specs and the cluster lock in the state bucket.
 */
export const alicloudFactory: ProviderFactory<AlicloudFactoryOptions> = (spec, options) => {
  const { region } = alicloudProvider(spec);
  const bucket = options.stateBucket ?? process.env.BROKERLINK_STATE_BUCKET;
  if (bucket === undefined || bucket === '') throw new AlicloudStateBucketMissing();
  const clients = createAlicloudClients({ region });
  const state = ossObjectStore(createOssClient({ region, bucket }));
  const loadBalancer = new AlibabaLoadBalancer({
    nlb: clients.nlb,
    ecs: clients.ecs,
    privateLink: clients.privateLink,
  });
  const specs = new OssSpecStore({ store: state, prefix: options.statePrefix });
  return {
    discovery: new EcsBrokerDiscovery({ ecs: clients.ecs }),
    loadBalancer,
    ledger: loadBalancer.ledger,
    commands: new CloudAssistantChannel({ ecs: clients.ecs, region }),
    lock: new OssClusterLock({
      store: state,
      prefix: options.statePrefix,
      executionStatus: cloudFlowExecutionStatus(clients.cloudFlow),
    }),
    secrets: new AlicloudSecretResolver({ kms: clients.kms, env: process.env }),
    specs,
    specStoreLocation: (cluster) => `OSS oss://${bucket}/${specs.key(cluster)} (${region})`,
  };
};
