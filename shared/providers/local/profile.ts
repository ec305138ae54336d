import { isAbsolute, resolve } from 'node:path';
import type { ProviderProfile } from '../profile.ts';

/** Consumers of the local load balancer are on this machine. */
const LOOPBACK_CONSUMERS = ['127.0.0.0/8'] as const;

/**
 * The local provider: a port-mapping TCP load balancer on loopback whose ledger is a JSON state file. It serves
 * only the ports its ledger lists as open, like a security group in front of it.
 */
export const localProfile: ProviderProfile<'local'> = {
  kind: 'local',
  // A relative stateFile is relative to the spec file's folder, wherever the CLI is run from.
  resolvePaths: (local, baseDir) =>
    isAbsolute(local.stateFile) ? local : { ...local, stateFile: resolve(baseDir, local.stateFile) },
  bootstrap: { model: 'fan-out' },
  listenerQuota: null,
  firewall: { model: 'ledger-open-ports', consumerCidrs: () => LOOPBACK_CONSUMERS },
  nouns: {
    loadBalancer: 'local load balancer',
    mapping: 'mapping',
    targetGroup: 'mapping',
    firewall: 'open-port list of the ledger',
    commandChannel: 'local shell',
  },
};
