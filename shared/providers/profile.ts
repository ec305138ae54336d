import type { ClusterSpec, ProviderKind } from '../spec/schema.ts';

/*
 * What differs between clouds, as data. The domain (spec cross-checks, the planner, messages) reads a provider's
 * profile instead of asking which cloud it is, so adding a cloud adds a profile, not `kind ===` branches.
 * A profile imports no SDK: validation and planning load it in every function, the CLI and the browser-free demo.
 * Each cloud's profile lives in `shared/providers/<cloud>/profile.ts`; `profiles.ts` lists them.
 */

/** A provider's own section of the spec (`spec.provider.aws`, `spec.provider.local`, ...). */
export type ProviderSection<K extends ProviderKind> = NonNullable<ClusterSpec['provider'][K]>;

/**
 * How consumers find every broker through one private-link endpoint.
 *  - `fan-out`: a bootstrap port per exposure forwards to every broker (AWS NLB, Alibaba NLB, the local load
 *    balancer); the spec must name `bootstrapPort`.
 *  - `broker-ports`: each consumer port goes to exactly one target (GCP Private Service Connect port mapping), so
 *    consumers bootstrap from the list of broker ports; the spec must not name `bootstrapPort`.
 */
export type BootstrapModel =
  | { model: 'fan-out' }
  /** `why`: the sentence a spec error gives for omitting bootstrapPort. */
  | { model: 'broker-ports'; why: string };

/**
 * How many consumer ports (listeners, port-mapping endpoints) one load balancer holds. The planner refuses a plan
 * above a limit that cannot be raised; an adjustable limit may have been raised for the account, which the planner
 * cannot see, so it does not refuse (the cloud's own refusal names the quota).
 */
export interface ListenerQuota<K extends ProviderKind = ProviderKind> {
  limit: number;
  adjustable: boolean;
  /**
   * For an adjustable quota, the limit the spec says this account has (Alibaba's `listenerQuota`, default the
   * cloud's default): the planner then holds the spec to it and says to raise the quota and the field together.
   */
  stated?(section: ProviderSection<K>): number | undefined;
}

/**
 * Who keeps consumers' traffic out of ports brokerlink does not serve, and which CIDRs `openPort` / `closePort`
 * actions name. `consumerCidrs` returns undefined when brokerlink does not manage the ports for this spec (AWS
 * without a `securityGroupId`): the plan then has no port actions.
 *  - `none`: the provider has no consumer ports to open at all (GCP Private Service Connect: traffic arrives from
 *    the service attachment's NAT range, admitted by one producer-side rule); `why` says so, `consumerCidrs` is
 *    always undefined and the load balancer adapter accepts `openPort` / `closePort` as no-ops.
 */
export type FirewallModel<K extends ProviderKind> =
  | {
      model: 'security-group' | 'vpc-firewall' | 'ledger-open-ports';
      consumerCidrs(section: ProviderSection<K>): readonly string[] | undefined;
    }
  | {
      model: 'none';
      /** Why brokerlink opens and closes no consumer ports on this provider (docs, messages). */
      why: string;
      consumerCidrs(section: ProviderSection<K>): undefined;
    };

/**
 * The tag whose value must be the cluster name on every broker instance: the run-command permission is scoped by
 * it (AWS: an IAM condition on `ssm:SendCommand`), so discovery must select by it. `tagCommand` shows a person how
 * to add it; `<cluster>` in it is replaced by the cluster name.
 */
export interface CommandScope {
  tag: string;
  tagCommand: string;
}

/** The words messages use for this provider's things. */
export interface ProviderNouns {
  /** What holds the consumer ports: "network load balancer", "port-mapping network endpoint group". */
  loadBalancer: string;
  /** One consumer port's forwarding: "listener", "network endpoint". */
  mapping: string;
  /** What a mapping forwards to: "target group", "server group". */
  targetGroup: string;
  /** What opens consumer ports: "security group", "firewall rule". */
  firewall: string;
  /** How brokerlink reaches a broker host: "SSM Run Command", "Cloud Assistant". */
  commandChannel: string;
}

/**
 * What a discovery tag may look like where the cloud selects by something narrower than free-form tags (Google
 * Cloud: instance labels). A tag that can never match would silently select nothing, so the spec refuses it.
 */
export interface DiscoveryTagRule {
  key: RegExp;
  value: RegExp;
  /** Why a key (value) is refused, e.g. "must be a Google Cloud label key (…)". */
  keyMessage: string;
  valueMessage: string;
}

export interface ProviderProfile<K extends ProviderKind = ProviderKind> {
  kind: K;
  /**
   * The section with the files it names made absolute, a relative path being relative to `baseDir` (the spec file's
   * folder). Absent where the section names no files.
   */
  resolvePaths?(section: ProviderSection<K>, baseDir: string): ProviderSection<K>;
  bootstrap: BootstrapModel;
  /** Per load balancer; null where the planner knows no limit. */
  listenerQuota: ListenerQuota<K> | null;
  firewall: FirewallModel<K>;
  /** Undefined where commands are not scoped by an instance tag. */
  commandScope?: CommandScope;
  /** Undefined where any tag key and value can be selected by. */
  discoveryTags?: DiscoveryTagRule;
  /**
   * What a load-balancer target can be: `instance-or-ipv4` (AWS: a target group registers instance ids or IPv4
   * addresses, never a host name or an IPv6 address). Undefined: any host the spec accepts.
   */
  targets?: 'instance-or-ipv4';
  nouns: ProviderNouns;
}
