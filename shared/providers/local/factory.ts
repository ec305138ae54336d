import type { ProviderFactory } from '../registry.ts';
import { createLocalProvider, type LocalLoadBalancerDaemon, perBrokerRoot } from './index.ts';

export interface LocalFactoryOptions {
  /** A local load balancer running in this process (the demo, tests); otherwise one runs as its own process. */
  daemon?: Pick<LocalLoadBalancerDaemon, 'reload'>;
}

/** How long a change may wait for a load balancer daemon in another process (lb-main.ts) to serve it. */
const SERVED_TIMEOUT_MS = 10_000;

/** The local provider's adapters for the CLI: per-broker host roots when the spec has `hostsDir`. */
export const localFactory: ProviderFactory<LocalFactoryOptions> = (spec, options) => {
  const hostsDir = spec.provider.local?.hostsDir;
  const provider = createLocalProvider(spec, {
    ...(options.daemon ? { daemon: options.daemon } : { waitForServedMs: SERVED_TIMEOUT_MS }),
    ...(hostsDir === undefined ? {} : { commands: { resolvePath: perBrokerRoot(hostsDir) } }),
  });
  return {
    ...provider,
    specStoreLocation: () => `the local spec directory next to ${spec.provider.local!.stateFile}`,
  };
};
