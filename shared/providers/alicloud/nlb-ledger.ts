import type { LedgerChange, LedgerEntry, PortLedger } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { AlicloudListenerPortTaken, AlicloudMappingNotFound } from './errors.ts';
import { LEDGER_TAGS, mappingTags, type NlbObjects, serverGroupName } from './nlb-objects.ts';

/*
 * The port ledger on Alibaba: tags on brokerlink's NLB server groups (cluster, exposure, role, port, broker id,
 * retired-at). A server group is created with its tags (nothing of brokerlink's exists untagged) and deleted with
 * its listener, so `assign` confirms and repairs the tags of a group, and `release` finds nothing left to do.
 * read(): one ListServerGroups call per 100 groups, filtered by the cluster tag.
 */

export class NlbTagLedger implements PortLedger {
  readonly #objects: NlbObjects;
  constructor(objects: NlbObjects) {
    this.#objects = objects;
  }

  async read(spec: ClusterSpec): Promise<LedgerEntry[]> {
    const groups = await this.#objects.serverGroups(spec);
    const entries: LedgerEntry[] = [];
    for (const group of groups) {
      const tags = group.tags;
      const role = tags[LEDGER_TAGS.role];
      const exposure = tags[LEDGER_TAGS.exposure];
      const port = Number(tags[LEDGER_TAGS.port]);
      if ((role !== 'broker' && role !== 'bootstrap') || exposure === undefined || !Number.isInteger(port)) continue;
      const brokerId = tags[LEDGER_TAGS.brokerId];
      const retiredAt = tags[LEDGER_TAGS.retiredAt];
      entries.push({
        exposure,
        role,
        port,
        ...(brokerId !== undefined && /^\d+$/.test(brokerId) ? { brokerId: Number(brokerId) } : {}),
        ...(retiredAt === undefined || retiredAt === '' ? {} : { retiredAt }),
        adapterData: { serverGroupId: group.serverGroupId },
      });
    }
    return entries.sort((a, b) => a.port - b.port);
  }

  async record(spec: ClusterSpec, change: LedgerChange): Promise<void> {
    // The server group goes with its mapping (deleteMapping removes both): no entry is left to release.
    if (change.kind === 'release') return;
    const name = serverGroupName(spec.cluster, change.exposure, change.port);
    const group = await this.#objects.serverGroupNamed(spec, name);
    if (group === undefined) {
      throw new AlicloudMappingNotFound(
        `no server group ${name} for ${change.exposure} port ${change.port} (${change.kind})`,
      );
    }
    if (change.kind === 'revive') {
      if (group.tags[LEDGER_TAGS.retiredAt] !== undefined)
        await this.#objects.untag(spec, group.serverGroupId, [LEDGER_TAGS.retiredAt]);
      return;
    }
    if (change.kind === 'retire') {
      // The first retirement starts the cool-down; retiring again keeps that time.
      if (group.tags[LEDGER_TAGS.retiredAt] === undefined) {
        await this.#objects.tag(spec, group.serverGroupId, { [LEDGER_TAGS.retiredAt]: change.retiredAt });
      }
      return;
    }
    const wanted = mappingTags(spec.cluster, change.exposure, change.role, change.port, change.brokerId);
    const theirs = group.tags[LEDGER_TAGS.cluster];
    if (theirs !== undefined && theirs !== spec.cluster) {
      throw new AlicloudListenerPortTaken(`server group ${name} belongs to cluster ${theirs}`);
    }
    const differing = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => group.tags[key] !== value));
    await this.#objects.tag(spec, group.serverGroupId, differing);
    if (group.tags[LEDGER_TAGS.retiredAt] !== undefined)
      await this.#objects.untag(spec, group.serverGroupId, [LEDGER_TAGS.retiredAt]);
  }
}
