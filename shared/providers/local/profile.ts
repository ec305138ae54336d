import type { ProviderProfile } from '../profile.ts';

/** Consumers of the local load balancer are on this machine. */
const LOOPBACK_CONSUMERS = ['127.0.0.0/8'] as const;

/**
 * The local provider: a port-mapping TCP load balancer on loopback whose ledger is a JSON state file. It serves
 * only the ports its ledger lists as open, like a security group in front of it.
 */
export const localProfile: ProviderProfile<'local'> = {
  kind: 'local',
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
