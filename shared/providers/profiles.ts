import { type ClusterSpec, type ProviderKind, providerKind } from '../spec/schema.ts';
import { alicloudProfile } from './alicloud/profile.ts';
import { awsProfile } from './aws/profile.ts';
import { gcpProfile } from './gcp/profile.ts';
import { localProfile } from './local/profile.ts';
import type { ProviderProfile, ProviderSection } from './profile.ts';

/*
 * Every provider's profile, by kind. Pure data and small pure functions, no SDK: safe to import from validation,
 * the planner and every function bundle. A new cloud adds its `<cloud>/profile.ts` and one line here.
 */
export const PROFILES: { readonly [K in ProviderKind]: ProviderProfile<K> } = {
  aws: awsProfile,
  gcp: gcpProfile,
  alicloud: alicloudProfile,
  local: localProfile,
};

/** The profile of the spec's provider. */
export function profileOf(spec: ClusterSpec): ProviderProfile {
  return PROFILES[providerKind(spec)];
}

/** The CIDRs port actions open to, sorted; undefined when brokerlink does not manage this spec's consumer ports. */
export function consumerCidrs(spec: ClusterSpec): readonly string[] | undefined {
  const kind = providerKind(spec);
  return cidrsOf(PROFILES[kind], spec.provider[kind] as ProviderSection<typeof kind>);
}

/** The listener quota the spec states for an adjustable limit (undefined: the spec states none). */
export function statedListenerQuota(spec: ClusterSpec): number | undefined {
  const kind = providerKind(spec);
  return statedOf(PROFILES[kind], spec.provider[kind] as ProviderSection<typeof kind>);
}

function statedOf<K extends ProviderKind>(profile: ProviderProfile<K>, section: ProviderSection<K>) {
  return profile.listenerQuota?.stated?.(section);
}

function cidrsOf<K extends ProviderKind>(profile: ProviderProfile<K>, section: ProviderSection<K>) {
  const cidrs = profile.firewall.consumerCidrs(section);
  return cidrs === undefined ? undefined : [...cidrs].sort(byText);
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The spec with the files its provider section names made absolute (relative to `baseDir`, the spec's folder). */
export function withResolvedPaths(spec: ClusterSpec, baseDir: string): ClusterSpec {
  const kind = providerKind(spec);
  const section = resolvedSection(PROFILES[kind], spec.provider[kind] as ProviderSection<typeof kind>, baseDir);
  return section === undefined ? spec : { ...spec, provider: { ...spec.provider, [kind]: section } };
}

function resolvedSection<K extends ProviderKind>(
  profile: ProviderProfile<K>,
  section: ProviderSection<K>,
  baseDir: string,
) {
  return profile.resolvePaths?.(section, baseDir);
}
