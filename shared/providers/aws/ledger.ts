import { createHash } from 'node:crypto';
import type { AwsProviderSpec, ClusterSpec } from '../../spec/schema.ts';
import { AwsProviderNotConfigured } from './errors.ts';

/*
 * The AWS ledger: brokerlink's state lives in tags on the target groups (and listeners) it creates, so the
 * port registry can be rebuilt from AWS alone. Names are deterministic, so a re-run after a crash finds (and
 * adopts) what the previous run created instead of making a duplicate.
 */

export const LEDGER_TAGS = {
  cluster: 'brokerlink:cluster',
  exposure: 'brokerlink:exposure',
  role: 'brokerlink:role',
  brokerId: 'brokerlink:broker-id',
  port: 'brokerlink:port',
  retiredAt: 'brokerlink:retired-at',
  /** `<target id>:<port>` of the single registered target of a broker mapping (kept by apply, read in ledger mode). */
  target: 'brokerlink:target',
} as const;

export function awsProvider(spec: ClusterSpec): AwsProviderSpec {
  const aws = spec.provider.aws;
  if (aws === undefined) {
    throw new AwsProviderNotConfigured(`cluster ${spec.cluster}: the spec has no provider.aws section`);
  }
  return aws;
}

const MAX_TARGET_GROUP_NAME = 32;

/**
 * Deterministic target group name, at most 32 characters of [A-Za-z0-9-], not starting or ending with "-"
 * (AWS's rule). `bl-<cluster>-<listener>-<port>` when it fits (listener lower-cased, "_" dropped); otherwise a
 * shortened prefix plus 6 hex digits of a hash of (cluster, listener, port), so distinct mappings keep distinct
 * names. Uniqueness within one cluster comes from the port (one listener per port on an NLB).
 */
export function targetGroupName(cluster: string, listener: string, port: number): string {
  const abbrev = listener.toLowerCase().replace(/[^a-z0-9]/g, '');
  const full = `bl-${cluster}-${abbrev}-${port}`;
  if (full.length <= MAX_TARGET_GROUP_NAME) return full;
  const hash = createHash('sha256').update(`${cluster}/${listener}/${port}`).digest('hex').slice(0, 6);
  const suffix = `-${hash}-${port}`;
  const budget = MAX_TARGET_GROUP_NAME - 'bl-'.length - suffix.length;
  const prefix = `${cluster}-${abbrev}`.slice(0, budget).replace(/-+$/, '');
  return `bl-${prefix}${suffix}`;
}

/** Tags every brokerlink target group carries. */
export function mappingTags(
  cluster: string,
  exposure: string,
  role: 'broker' | 'bootstrap',
  port: number,
  brokerId: number | undefined,
): Record<string, string> {
  return {
    [LEDGER_TAGS.cluster]: cluster,
    [LEDGER_TAGS.exposure]: exposure,
    [LEDGER_TAGS.role]: role,
    [LEDGER_TAGS.port]: String(port),
    ...(brokerId === undefined ? {} : { [LEDGER_TAGS.brokerId]: String(brokerId) }),
  };
}

export function toAwsTags(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function fromAwsTags(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined) {
  const result: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) result[tag.Key] = tag.Value ?? '';
  return result;
}
