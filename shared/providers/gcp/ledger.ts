import type { Bucket } from '@google-cloud/storage';
import { z } from 'zod';
import { nodeIdSchema, portSchema } from '../../model/schemas.ts';
import type { LedgerChange, LedgerEntry, PortLedger } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { formatIssuePath } from '../../util/issues.ts';
import { GcpLedgerContended, GcpLedgerCorrupt } from './errors.ts';
import { readText, readVersioned, writeIfGeneration } from './gcs-object.ts';

/*
 * The port ledger on Google Cloud. Port-mapping NEG endpoints carry no tags or descriptions, and a retired port has
 * no endpoint at all, so which port belongs to which broker (and since when a port cools down) cannot live on the
 * load balancer's own objects. It lives in the state bucket beside the lock and the spec, one object per cluster:
 *
 *   gs://<bucket>/ledger/<cluster>.json = {"version":1,"cluster":"orders","entries":[{exposure,role,port,brokerId?,retiredAt?}]}
 *
 * `record` is a read-modify-write under a generation precondition (ifGenerationMatch; 0 when the object does not
 * exist yet): a concurrent writer makes our write fail with 412, and we read again and re-apply the change, so no
 * change is ever lost or applied on top of a state it was not computed from. A change that leaves the ledger as it
 * is writes nothing (recording twice = once). The cluster lock already serialises executions; the precondition
 * keeps the ledger whole even if someone edits it by hand meanwhile. `read` is one Storage call.
 * Entries are keyed by (exposure, port); the NEG itself refuses one client port twice, across exposures too.
 */

export const LEDGER_PREFIX = 'ledger/';

export function ledgerObjectName(cluster: string): string {
  return `${LEDGER_PREFIX}${cluster}.json`;
}

const entrySchema = z.strictObject({
  exposure: z.string().min(1),
  role: z.enum(['broker', 'bootstrap']),
  port: portSchema,
  brokerId: nodeIdSchema.optional(),
  retiredAt: z.iso.datetime({ offset: true }).optional(),
});
const ledgerSchema = z.strictObject({
  version: z.literal(1),
  cluster: z.string().min(1),
  entries: z.array(entrySchema),
});
type StoredLedger = z.output<typeof ledgerSchema>;

export interface GcsPortLedgerOptions {
  bucket: Bucket;
  /** Conditional writes per `record` before giving up on a contended object (default 5). */
  attempts?: number;
}

export class GcsPortLedger implements PortLedger {
  readonly #bucket: Bucket;
  readonly #attempts: number;

  constructor(options: GcsPortLedgerOptions) {
    this.#bucket = options.bucket;
    this.#attempts = options.attempts ?? 5;
  }

  /** Where the ledger of `cluster` lives, for messages. */
  location(cluster: string): string {
    return `gs://${this.#bucket.name}/${ledgerObjectName(cluster)}`;
  }

  async read(spec: ClusterSpec): Promise<LedgerEntry[]> {
    const text = await readText(this.#bucket, ledgerObjectName(spec.cluster));
    if (text === null) return [];
    // Sorted here too: a ledger edited by hand may not be.
    return this.#parse(spec.cluster, text).entries.map(toEntry).sort(byPortThenExposure);
  }

  async record(spec: ClusterSpec, change: LedgerChange): Promise<void> {
    const name = ledgerObjectName(spec.cluster);
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      const current = await readVersioned(this.#bucket, name);
      const ledger = current === null ? emptyLedger(spec.cluster) : this.#parse(spec.cluster, current.text);
      const next = applyChange(ledger, change);
      if (next === null) return; // already so: nothing to write
      const written = await writeIfGeneration(
        this.#bucket,
        name,
        `${JSON.stringify(next, null, 1)}\n`,
        current?.generation ?? 0,
      );
      if (written !== undefined) return;
      // Someone wrote between our read and our write: read again and apply the change to what is there now.
    }
    throw new GcpLedgerContended(
      `${this.location(spec.cluster)} changed under every one of ${this.#attempts} conditional writes; retry the step`,
    );
  }

  #parse(cluster: string, text: string): StoredLedger {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new GcpLedgerCorrupt(`${this.location(cluster)} is not JSON; restore it from its previous generation`, {
        cause: error,
      });
    }
    const parsed = ledgerSchema.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((issue) => `${formatIssuePath(issue.path) || '(object)'}: ${issue.message}`)
        .join('; ');
      throw new GcpLedgerCorrupt(`${this.location(cluster)} is not a port ledger: ${detail}`, { cause: parsed.error });
    }
    if (parsed.data.cluster !== cluster)
      throw new GcpLedgerCorrupt(`${this.location(cluster)} is the ledger of cluster "${parsed.data.cluster}"`);
    return parsed.data;
  }
}

function emptyLedger(cluster: string): StoredLedger {
  return { version: 1, cluster, entries: [] };
}

function toEntry(stored: StoredLedger['entries'][number]): LedgerEntry {
  return {
    exposure: stored.exposure,
    role: stored.role,
    port: stored.port,
    ...(stored.brokerId === undefined ? {} : { brokerId: stored.brokerId }),
    ...(stored.retiredAt === undefined ? {} : { retiredAt: stored.retiredAt }),
  };
}

/** The ledger with the change applied, entries sorted by port then exposure; null when the change changes nothing. */
export function applyChange(ledger: StoredLedger, change: LedgerChange): StoredLedger | null {
  const entries = ledger.entries.map((entry) => ({ ...entry }));
  const index = entries.findIndex((entry) => entry.exposure === change.exposure && entry.port === change.port);
  const found = index >= 0 ? entries[index] : undefined;
  switch (change.kind) {
    case 'assign': {
      const wanted = {
        exposure: change.exposure,
        role: change.role,
        port: change.port,
        ...(change.brokerId === undefined ? {} : { brokerId: change.brokerId }),
      };
      if (found !== undefined && sameEntry(found, wanted)) return null;
      if (found === undefined) entries.push(wanted);
      else entries[index] = wanted;
      break;
    }
    case 'retire': {
      if (found?.retiredAt !== undefined && found.brokerId === change.brokerId) return null; // keeps the first time
      const retired = {
        exposure: change.exposure,
        role: 'broker' as const,
        port: change.port,
        brokerId: change.brokerId,
        retiredAt: found?.retiredAt ?? change.retiredAt,
      };
      if (found === undefined) entries.push(retired);
      else entries[index] = retired;
      break;
    }
    case 'revive': {
      const active = {
        exposure: change.exposure,
        role: 'broker' as const,
        port: change.port,
        brokerId: change.brokerId,
      };
      if (found !== undefined && sameEntry(found, active)) return null;
      if (found === undefined) entries.push(active);
      else entries[index] = active;
      break;
    }
    case 'release':
      if (found === undefined) return null;
      entries.splice(index, 1);
      break;
  }
  entries.sort(byPortThenExposure);
  return { ...ledger, entries };
}

function byPortThenExposure(a: { port: number; exposure: string }, b: { port: number; exposure: string }): number {
  return a.port - b.port || (a.exposure < b.exposure ? -1 : a.exposure > b.exposure ? 1 : 0);
}

function sameEntry(a: StoredLedger['entries'][number], b: StoredLedger['entries'][number]): boolean {
  return (
    a.exposure === b.exposure &&
    a.role === b.role &&
    a.port === b.port &&
    a.brokerId === b.brokerId &&
    a.retiredAt === b.retiredAt
  );
}
