/**
 * The local load balancer's state: one JSON file that is to the local provider what target groups, listeners,
 * their tags and the security group are to AWS. The load balancer adapter and the port ledger adapter read it and
 * change it idempotently (mappings.ts); the daemon (load-balancer-daemon.ts) serves exactly what it says.
 *
 * Writes are atomic (temp file + fsync + rename) and serialised between processes by a short-lived write lock
 * next to the file (`<file>.write.lock`, see lock-file.ts; a lock left by a dead process is taken over). Inside the
 * lock the version counter is re-checked as a compare-and-swap, so two appliers never lose an update.
 */
import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { nodeIdSchema, portSchema } from '../../model/schemas.ts';
import { LocalStateBusyRetryable, LocalStateInvalid } from './errors.ts';
import { releaseLockFile, tryAcquireLockFile } from './lock-file.ts';

// What the actions do to the file lives in mappings.ts; re-exported so the file's users have one import.
export { applyLocalAction, applyLocalLbAction, applyLocalLedgerChange, toObserved } from './mappings.ts';

export const LOCAL_STATE_FORMAT = 1;

const port = portSchema;

const targetSchema = z.strictObject({
  /** The target's identity in the ledger: the broker host (the local machine has no instance ids). */
  id: z.string().min(1),
  host: z.string().min(1),
  port,
});

const mappingSchema = z
  .strictObject({
    exposure: z.string().min(1),
    role: z.enum(['broker', 'bootstrap']),
    port,
    brokerId: nodeIdSchema.optional(),
    targets: z.array(targetSchema),
    retiredAt: z.iso.datetime().optional(),
  })
  .superRefine((m, ctx) => {
    if (m.role === 'broker' && m.brokerId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['brokerId'], message: 'a broker mapping must name its brokerId' });
    }
  });

const stateSchema = z
  .strictObject({
    format: z.literal(LOCAL_STATE_FORMAT),
    /** Incremented on every change; the compare-and-swap token and what the daemon reports as served. */
    version: z.number().int().min(0),
    updatedAt: z.iso.datetime().optional(),
    mappings: z.array(mappingSchema),
    openPorts: z.array(port),
  })
  .superRefine((state, ctx) => {
    const seen = new Set<number>();
    state.mappings.forEach((m, i) => {
      if (seen.has(m.port)) {
        ctx.addIssue({ code: 'custom', path: ['mappings', i, 'port'], message: `port ${m.port} is mapped twice` });
      }
      seen.add(m.port);
    });
  });

export type LocalTarget = z.output<typeof targetSchema>;
export type LocalMapping = z.output<typeof mappingSchema>;
export type LocalLbState = z.output<typeof stateSchema>;

export function emptyLocalState(): LocalLbState {
  return { format: LOCAL_STATE_FORMAT, version: 0, mappings: [], openPorts: [] };
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** Validates a parsed ledger document. */
export function parseLocalState(file: string, text: string): LocalLbState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LocalStateInvalid(file, 'not valid JSON', { cause: err });
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new LocalStateInvalid(file, detail, { cause: parsed.error });
  }
  return parsed.data;
}

/** Reads the ledger. A missing file is an empty ledger at version 0 (nothing created yet). */
export async function readLocalState(file: string): Promise<LocalLbState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return emptyLocalState();
    throw err;
  }
  return parseLocalState(file, text);
}

/** Writes the whole ledger atomically: readers see the old or the new file, never a mix. */
export async function writeLocalStateAtomic(file: string, state: LocalLbState): Promise<void> {
  const temp = `${file}.tmp-${process.pid}-${randomUUID()}`;
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** Creates an empty ledger unless one exists (exclusive create: never overwrites a concurrent writer's file). */
export async function createLocalStateIfMissing(file: string): Promise<boolean> {
  const temp = `${file}.tmp-${process.pid}-${randomUUID()}`;
  await writeFile(temp, `${JSON.stringify(emptyLocalState(), null, 2)}\n`, { flag: 'wx' });
  try {
    await link(temp, file);
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

export interface UpdateOptions {
  /** Give up (LocalStateBusyRetryable) when another writer holds the write lock for this long. Default 10 s. */
  lockTimeoutMs?: number;
  now?: () => Date;
}

export interface UpdateResult {
  state: LocalLbState;
  /** False when the mutation left the ledger as it was (then nothing is written and the version stays). */
  changed: boolean;
}

/** Write lock validity: a writer holds it for milliseconds; this only bounds how long a crashed writer blocks. */
const WRITE_LOCK_TTL_MS = 30_000;

/**
 * Read-modify-write under the write lock. `mutate` gets a private copy and returns the new ledger (it may throw to
 * abort; nothing is written then). Equal content is not rewritten, so re-applying an action is a true no-op.
 */
export async function updateLocalState(
  file: string,
  mutate: (state: LocalLbState) => LocalLbState,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  const now = options.now ?? (() => new Date());
  const lockFile = `${file}.write.lock`;
  const owner = `writer:${process.pid}:${randomUUID()}`;
  const timeoutMs = options.lockTimeoutMs ?? 10_000;
  const started = Date.now();
  let backoffMs = 2;
  for (;;) {
    const result = await tryAcquireLockFile(lockFile, owner, WRITE_LOCK_TTL_MS, now(), { pidAware: true });
    if (result.acquired) break;
    const waited = Date.now() - started;
    if (waited >= timeoutMs) throw new LocalStateBusyRetryable(file, waited);
    await sleep(backoffMs + Math.floor(Math.random() * backoffMs));
    backoffMs = Math.min(backoffMs * 2, 100);
  }
  try {
    const before = await readLocalState(file);
    const after = normalise(mutate(structuredClone(before)));
    if (sameContent(before, after)) return { state: before, changed: false };
    // Compare-and-swap on the version: under the lock nobody else can have moved it, but a lock taken over from
    // a writer wrongly judged dead must still not make us overwrite its update.
    const current = await readLocalState(file);
    if (current.version !== before.version) {
      throw new LocalStateBusyRetryable(file, Date.now() - started, {
        cause: new Error(`version moved from ${before.version} to ${current.version} under the write lock`),
      });
    }
    const next: LocalLbState = { ...after, version: before.version + 1, updatedAt: now().toISOString() };
    await writeLocalStateAtomic(file, next);
    return { state: next, changed: true };
  } finally {
    await releaseLockFile(lockFile, owner);
  }
}

function normalise(state: LocalLbState): LocalLbState {
  return {
    ...state,
    mappings: [...state.mappings]
      .map((m) => ({ ...m, targets: [...m.targets].sort(compareTargets) }))
      .sort((a, b) => a.port - b.port),
    openPorts: [...new Set(state.openPorts)].sort((a, b) => a - b),
  };
}

function compareTargets(a: LocalTarget, b: LocalTarget): number {
  return a.id === b.id ? a.port - b.port : a.id < b.id ? -1 : 1;
}

function sameContent(a: LocalLbState, b: LocalLbState): boolean {
  const strip = (s: LocalLbState) => JSON.stringify({ mappings: s.mappings, openPorts: s.openPorts });
  return strip(normalise(a)) === strip(normalise(b));
}
