import type { ProviderProfile } from '../profile.ts';

/**
 * Google Cloud: Private Service Connect with port mapping. A port-mapping network endpoint group
 * (GCE_VM_IP_PORTMAP) maps each consumer port to exactly one VM:port, so there is no fan-out bootstrap port, and
 * its endpoints carry no tags (the port ledger lives elsewhere: the GCP adapters decide where).
 */
export const gcpProfile: ProviderProfile<'gcp'> = {
  kind: 'gcp',
  bootstrap: {
    model: 'broker-ports',
    why: 'a Private Service Connect port mapping goes to exactly one VM',
  },
  // 1,000 endpoints per port-mapping NEG (FIELD-NOTES: Google Cloud).
  listenerQuota: { limit: 1000, adjustable: false },
  // No consumer ports to open or close: consumers' PSC traffic reaches the VM port from the service attachment's
  // NAT range, not from consumer CIDRs, and the one ingress rule that admits it (NAT range → broker port) is owned by
  // the PSC producer code (psc.ts), created and corrected with the rest of the service. Consumers are admitted by
  // the accept list. So the plan has no openPort/closePort actions, and the load balancer treats them as no-ops.
  firewall: {
    model: 'none',
    why: "Private Service Connect traffic reaches the brokers' port from the service attachment's NAT subnet, admitted by the one firewall rule brokerlink keeps with the PSC producer side (NAT range → broker port); consumers are admitted by the accept list, so there are no consumer ports to open or close",
    consumerCidrs: () => undefined,
  },
  // The label that names an instance's cluster: discovery selects by it and the instance-insert trigger reads it.
  // (IAM cannot condition compute.instances.setMetadata on labels, so on GCP the scope is brokerlink's own check.)
  // Discovery selects by instance labels: keys start with a lowercase letter and hold at most 63 of a-z, 0-9, _
  // and -; values hold at most 63 of the same (empty allowed).
  discoveryTags: {
    key: /^[a-z][a-z0-9_-]{0,62}$/,
    value: /^[a-z0-9_-]{0,63}$/,
    keyMessage: 'must be a Google Cloud label key (a lowercase letter, then up to 62 of a-z, 0-9, _ and -)',
    valueMessage: 'must be a Google Cloud label value (up to 63 of a-z, 0-9, _ and -)',
  },
  commandScope: {
    tag: 'brokerlink-cluster',
    tagCommand: 'gcloud compute instances add-labels <instance> --zone <zone> --labels brokerlink-cluster=<cluster>',
  },
  nouns: {
    loadBalancer: 'port-mapping network endpoint group',
    mapping: 'network endpoint',
    targetGroup: 'network endpoint group',
    firewall: 'firewall rule',
    commandChannel: 'instance metadata and guest attributes',
  },
};
