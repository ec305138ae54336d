import type { ElasticLoadBalancingV2Client, Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LedgerChange, LedgerEntry, PortLedger } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import {
  addTags,
  assertOurs,
  forwardTarget,
  listListeners,
  removeTags,
  tagsOf,
  tagsOfOne,
  targetGroupByName,
} from './elbv2-objects.ts';
import { MappingNotFound } from './errors.ts';
import { LEDGER_TAGS, mappingTags, targetGroupName } from './ledger.ts';

/*
 * The AWS port ledger: tags on brokerlink's target groups (cluster, exposure, role, port, broker id, retired-at),
 * read through the NLB's listeners, so the port registry can be rebuilt from AWS alone. A target group is created
 * with its tags (AwsLoadBalancer: a group never exists untagged) and deleted with its listener, so here `assign`
 * confirms and repairs the tags of an adopted group, and `release` has nothing left to do.
 *
 * read() cost: DescribeListeners (1 page) + DescribeTags (⌈n/20⌉ calls for n mappings).
 */

export interface AwsTagLedgerOptions {
  elbv2: ElasticLoadBalancingV2Client;
  /** In-flight DescribeTags calls at most (default 8). */
  concurrency?: number;
}

export class AwsTagLedger implements PortLedger {
  readonly #elbv2: ElasticLoadBalancingV2Client;
  readonly #concurrency: number;

  constructor(options: AwsTagLedgerOptions) {
    this.#elbv2 = options.elbv2;
    this.#concurrency = options.concurrency ?? 8;
  }

  async read(spec: ClusterSpec): Promise<LedgerEntry[]> {
    const forwarded = (await listListeners(this.#elbv2, spec)).flatMap((listener) => {
      const arn = forwardTarget(listener);
      return arn === undefined || listener.Port === undefined ? [] : [{ listener, targetGroupArn: arn }];
    });
    const tags = await tagsOf(this.#elbv2, [...new Set(forwarded.map((f) => f.targetGroupArn))], this.#concurrency);
    return forwarded
      .map((f) => toEntry(f.listener, f.targetGroupArn, tags.get(f.targetGroupArn) ?? {}, spec.cluster))
      .filter((entry) => entry !== undefined)
      .sort((a, b) => a.port - b.port);
  }

  async record(spec: ClusterSpec, change: LedgerChange): Promise<void> {
    // The target group goes with the mapping (AwsLoadBalancer deletes both): no entry is left to release.
    if (change.kind === 'release') return;
    const name = targetGroupName(spec.cluster, change.exposure, change.port);
    const group = await targetGroupByName(this.#elbv2, name);
    if (group?.TargetGroupArn === undefined) throw new MappingNotFound(change.exposure, change.port, change.kind);
    const arn = group.TargetGroupArn;
    if (change.kind === 'revive') {
      await removeTags(this.#elbv2, arn, [LEDGER_TAGS.retiredAt]);
      return;
    }
    const tags = await tagsOfOne(this.#elbv2, arn);
    if (change.kind === 'retire') {
      // The first retirement starts the cool-down; retiring again keeps that time.
      if (tags[LEDGER_TAGS.retiredAt] === undefined) {
        await addTags(this.#elbv2, arn, { [LEDGER_TAGS.retiredAt]: change.retiredAt });
      }
      return;
    }
    const wanted = mappingTags(spec.cluster, change.exposure, change.role, change.port, change.brokerId);
    assertOurs(name, tags, wanted);
    const differing = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => tags[key] !== value));
    if (Object.keys(differing).length > 0) await addTags(this.#elbv2, arn, differing);
    if (tags[LEDGER_TAGS.retiredAt] !== undefined) await removeTags(this.#elbv2, arn, [LEDGER_TAGS.retiredAt]);
  }
}

/** A ledger entry from one forwarded target group's tags; undefined when the group is not this cluster's mapping. */
function toEntry(
  listener: Listener,
  targetGroupArn: string,
  tags: Record<string, string>,
  cluster: string,
): LedgerEntry | undefined {
  const role = tags[LEDGER_TAGS.role];
  const exposure = tags[LEDGER_TAGS.exposure];
  if (tags[LEDGER_TAGS.cluster] !== cluster || (role !== 'broker' && role !== 'bootstrap') || exposure === undefined) {
    return undefined;
  }
  const brokerId = tags[LEDGER_TAGS.brokerId];
  const retiredAt = tags[LEDGER_TAGS.retiredAt];
  const target = tags[LEDGER_TAGS.target];
  return {
    exposure,
    role,
    port: listener.Port!,
    ...(brokerId === undefined || !/^\d+$/.test(brokerId) ? {} : { brokerId: Number(brokerId) }),
    ...(retiredAt === undefined || retiredAt === '' ? {} : { retiredAt }),
    adapterData: {
      targetGroupArn,
      ...(listener.ListenerArn ? { listenerArn: listener.ListenerArn } : {}),
      ...(target === undefined ? {} : { target }),
    },
  };
}
