/*
 * Least-privilege custom roles for the brokerlink functions on Google Cloud, one per privilege group, and the
 * service account that carries each. A function gets exactly one group, so a bug in a read-only task cannot
 * change the load balancer, and only two tasks can reach a broker VM at all.
 *
 * WARNING — `compute.instances.setMetadata` is root-equivalent on the VM: whoever may set metadata can add SSH
 * keys or startup scripts and so run anything as root. brokerlink needs it for its command key; the role that
 * holds it is granted to one service account (brokerlink-host) used by the two host-command functions only.
 * Narrow it further with an IAM condition on the instance names (`--condition`, see docs/gcp.md) where the
 * brokers' names share a prefix; labels cannot be used in IAM conditions on Compute Engine instances.
 */

export interface PrivilegeGroup {
  /** Custom role id (letters, digits, underscores, periods; ≤ 64). */
  roleId: string;
  title: string;
  description: string;
  /** Service account id (6-30 of a-z, 0-9 and -). */
  serviceAccount: string;
  permissions: readonly string[];
  /** Predefined roles granted beside the custom role. */
  predefinedRoles: readonly string[];
  /** Access to the state bucket (lock, specs, ledger). */
  bucketRole: 'roles/storage.objectViewer' | 'roles/storage.objectUser' | null;
}

const OPERATIONS = ['compute.regionOperations.get', 'compute.zoneOperations.get', 'compute.globalOperations.get'];

export const PRIVILEGE_GROUPS = {
  read: {
    roleId: 'brokerlinkRead',
    title: 'brokerlink read',
    description: 'Discover brokers and read the Private Service Connect path (no writes).',
    serviceAccount: 'brokerlink-read',
    permissions: [
      'compute.instances.list',
      'compute.instances.get',
      'compute.networkEndpointGroups.get',
      'compute.networkEndpointGroups.list',
      'compute.regionBackendServices.get',
      'compute.forwardingRules.get',
      'compute.serviceAttachments.get',
      'compute.subnetworks.get',
      'compute.firewalls.get',
      ...OPERATIONS,
    ],
    predefinedRoles: ['roles/secretmanager.secretAccessor', 'roles/logging.logWriter'],
    bucketRole: 'roles/storage.objectViewer',
  },
  expose: {
    roleId: 'brokerlinkExpose',
    title: 'brokerlink expose',
    description:
      'Create and change the port-mapping NEG, backend service, forwarding rule, service attachment and firewall rule.',
    serviceAccount: 'brokerlink-expose',
    permissions: [
      'compute.instances.get',
      'compute.instances.list',
      'compute.instances.use',
      'compute.networkEndpointGroups.get',
      'compute.networkEndpointGroups.list',
      'compute.networkEndpointGroups.create',
      'compute.networkEndpointGroups.use',
      'compute.networkEndpointGroups.attachNetworkEndpoints',
      'compute.networkEndpointGroups.detachNetworkEndpoints',
      'compute.regionBackendServices.get',
      'compute.regionBackendServices.create',
      'compute.regionBackendServices.use',
      'compute.forwardingRules.get',
      'compute.forwardingRules.create',
      'compute.serviceAttachments.get',
      'compute.serviceAttachments.create',
      'compute.serviceAttachments.update',
      'compute.subnetworks.get',
      'compute.subnetworks.use',
      'compute.networks.use',
      'compute.firewalls.get',
      'compute.firewalls.create',
      'compute.firewalls.update',
      'compute.networks.updatePolicy',
      ...OPERATIONS,
    ],
    predefinedRoles: ['roles/logging.logWriter'],
    bucketRole: 'roles/storage.objectUser',
  },
  host: {
    roleId: 'brokerlinkHostCommand',
    title: 'brokerlink host command (root-equivalent)',
    description:
      'Write the brokerlink command metadata key and read guest attributes. setMetadata is root-equivalent on the VM.',
    serviceAccount: 'brokerlink-host',
    permissions: [
      'compute.instances.get',
      'compute.instances.setMetadata',
      'compute.instances.getGuestAttributes',
      'compute.zoneOperations.get',
    ],
    predefinedRoles: ['roles/logging.logWriter'],
    // Read-only: before every push and restart the step checks the fence (locks/<cluster>.json still names this run).
    bucketRole: 'roles/storage.objectViewer',
  },
  state: {
    roleId: 'brokerlinkState',
    title: 'brokerlink state',
    description: 'Take and release the cluster lock; read specs (Cloud Storage); read the lock holder execution state.',
    serviceAccount: 'brokerlink-state',
    // workflowexecutions.executions.get: a lock whose holder execution has ended (cancelled, failed without its
    // release) is taken over at once instead of after its lease.
    permissions: ['compute.instances.get', 'workflows.executions.get'],
    predefinedRoles: ['roles/logging.logWriter'],
    bucketRole: 'roles/storage.objectUser',
  },
  trigger: {
    roleId: 'brokerlinkTrigger',
    title: 'brokerlink trigger',
    description:
      'Read an inserted instance and the spec, start workflow executions (Eventarc triggers, Cloud Scheduler).',
    serviceAccount: 'brokerlink-triggers',
    permissions: ['compute.instances.get'],
    predefinedRoles: ['roles/workflows.invoker', 'roles/eventarc.eventReceiver', 'roles/logging.logWriter'],
    bucketRole: 'roles/storage.objectViewer',
  },
} as const satisfies Record<string, PrivilegeGroup>;

export type PrivilegeGroupName = keyof typeof PRIVILEGE_GROUPS;

/** The workflow's own identity: it only invokes the task functions (roles/run.invoker on each) and logs. */
export const WORKFLOW_SERVICE_ACCOUNT = 'brokerlink-workflows';
