import type { ObservedTarget, TargetHealth } from '../../model/observed.ts';
import { mapLimit } from '../../util/map-limit.ts';

/*
 * How the AWS load balancer learns which target each of brokerlink's target groups holds.
 *
 * DescribeTargetHealth has no batch form (one call per target group), so two modes:
 *  - `describe` (default): every owned target group is described — exact, one call per mapping.
 *  - `ledger`: a broker mapping's registered target is read from its `brokerlink:target` tag (kept by apply);
 *    health comes from the bootstrap target group (which holds every broker), so one DescribeTargetHealth per
 *    bootstrap mapping. A broker group is described anyway when its tag is missing or looks wrong:
 *      - no tag yet, or an active mapping whose tag names no target;
 *      - a tagged target the bootstrap group lacks (someone changed the groups by hand);
 *    plus `auditPerObserve` more in rotation (the rotation moves every minute of the clock), so hand-made changes
 *    the tag cannot show are still found within ⌈n / auditPerObserve⌉ observations. For 48 brokers that keeps a
 *    no-drift check at 5 DescribeTargetHealth calls.
 */

export type TargetObservation = { mode: 'describe' } | { mode: 'ledger'; auditPerObserve?: number };

export const DEFAULT_AUDIT_PER_OBSERVE = 4;

/** One of brokerlink's target groups as the observation sees it. */
export interface ObservedGroup {
  targetGroupArn: string;
  port: number;
  role: 'broker' | 'bootstrap';
  /** The `brokerlink:target` tag: undefined when the group has none, '' when it names no target. */
  targetTag: string | undefined;
  retired: boolean;
}

export interface TargetObservationInput {
  mode: TargetObservation;
  /** DescribeTargetHealth of one group. */
  describe: (targetGroupArn: string) => Promise<ObservedTarget[]>;
  /** In-flight describe calls at most. */
  concurrency: number;
  /** Picks the audit rotation. */
  now: Date;
}

/** The targets of every group, keyed by target group ARN. */
export async function observeTargets(
  groups: readonly ObservedGroup[],
  input: TargetObservationInput,
): Promise<Map<string, ObservedTarget[]>> {
  const result = new Map<string, ObservedTarget[]>();
  const describeAll = async (some: readonly ObservedGroup[]) => {
    const answers = await mapLimit([...some], input.concurrency, (g) => input.describe(g.targetGroupArn));
    some.forEach((group, index) => {
      result.set(group.targetGroupArn, answers[index]!);
    });
  };
  if (input.mode.mode === 'describe') {
    await describeAll(groups);
    return result;
  }

  const bootstrap = groups.filter((g) => g.role === 'bootstrap');
  const brokers = groups.filter((g) => g.role !== 'bootstrap');
  await describeAll(bootstrap);
  const healthByTarget = new Map<string, TargetHealth | undefined>();
  for (const group of bootstrap) {
    for (const target of result.get(group.targetGroupArn) ?? []) {
      healthByTarget.set(`${target.id}:${target.port}`, target.health);
    }
  }

  const needed = new Set<ObservedGroup>();
  for (const group of brokers) {
    const entries = targetTagEntries(group.targetTag);
    if (group.targetTag === undefined || (entries.length === 0 && !group.retired)) needed.add(group);
    else if (bootstrap.length > 0 && entries.some((entry) => !healthByTarget.has(entry))) needed.add(group);
  }
  const audit = Math.min(input.mode.auditPerObserve ?? DEFAULT_AUDIT_PER_OBSERVE, brokers.length);
  if (audit > 0) {
    const ordered = [...brokers].sort((a, b) => a.port - b.port);
    const start = (Math.floor(input.now.getTime() / 60_000) * audit) % ordered.length;
    for (let i = 0; i < audit; i++) needed.add(ordered[(start + i) % ordered.length]!);
  }
  await describeAll([...needed]);
  for (const group of brokers) {
    if (result.has(group.targetGroupArn)) continue;
    result.set(
      group.targetGroupArn,
      targetTagEntries(group.targetTag).map((entry) => fromTargetTag(entry, healthByTarget.get(entry))),
    );
  }
  return result;
}

/** `<id>:<port>` entries, space-separated (ELBv2 tag values allow letters, digits, spaces and _ . : / = + - @). */
export function targetTagEntries(tag: string | undefined): string[] {
  return (tag ?? '').split(' ').filter((entry) => entry !== '');
}

function fromTargetTag(entry: string, health: TargetHealth | undefined): ObservedTarget {
  const separator = entry.lastIndexOf(':');
  const target: ObservedTarget = { id: entry.slice(0, separator), port: Number(entry.slice(separator + 1)) };
  return health === undefined ? target : { ...target, health };
}
