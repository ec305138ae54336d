import type { LbAction } from '../../model/plan.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { AlicloudListenerPortTaken, AlicloudMappingNotFound } from './errors.ts';
import { LEDGER_TAGS, mappingTags, type NlbObjects, serverGroupName } from './nlb-objects.ts';

/*
 * The port ledger on Alibaba: tags on brokerlink's NLB server groups (cluster, exposure, role, port, broker id,
 * retired-at). A server group is created with its tags (nothing of brokerlink's exists untagged) and deleted with
 * its listener, so `assign` confirms and repairs the tags of a group, and `release` finds nothing left to do.
 * read(): one ListServerGroups call per 100 groups, filtered by the cluster tag.
 *
 * The entry and change shapes are the port ledger's of the ports engineer's interface (LedgerEntry, LedgerChange in
 * shared/ports.ts once it lands on main); until then they are declared here with the same fields.
 */

export interface NlbLedgerEntry {
  exposure: string;
  role: 'broker' | 'bootstrap';
  port: number;
  brokerId?: number;
  retiredAt?: string;
  adapterData?: Readonly<Record<string, string>>;
}

export type NlbLedgerChange =
  | { kind: 'assign'; exposure: string; role: 'broker' | 'bootstrap'; port: number; brokerId?: number }
  | { kind: 'retire'; exposure: string; port: number; brokerId: number; retiredAt: string }
  | { kind: 'revive'; exposure: string; port: number; brokerId: number }
  | { kind: 'release'; exposure: string; port: number };

/** The ledger part of a load balancer action (the same rule as the ports engineer's ledgerChangeOf). */
export function ledgerChangeOf(action: LbAction): NlbLedgerChange | undefined {
  switch (action.kind) {
    case 'createMapping':
      return {
        kind: 'assign',
        exposure: action.exposure,
        role: action.role,
        port: action.port,
        ...(action.brokerId === undefined ? {} : { brokerId: action.brokerId }),
      };
    case 'retireMapping':
      return {
        kind: 'retire',
        exposure: action.exposure,
        port: action.port,
        brokerId: action.brokerId,
        retiredAt: action.retiredAt,
      };
    case 'reviveMapping':
      return { kind: 'revive', exposure: action.exposure, port: action.port, brokerId: action.brokerId };
    case 'deleteMapping':
      return { kind: 'release', exposure: action.exposure, port: action.port };
    default:
      return undefined;
  }
}

export class NlbTagLedger {
  readonly #objects: NlbObjects;
  constructor(objects: NlbObjects) {
    this.#objects = objects;
  }

  async read(spec: ClusterSpec): Promise<NlbLedgerEntry[]> {
    const groups = await this.#objects.serverGroups(spec);
    const entries: NlbLedgerEntry[] = [];
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

  async record(spec: ClusterSpec, change: NlbLedgerChange): Promise<void> {
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
