/**
 * An exclusive lock held as a small JSON file: {owner, expiresAt, pid, host, pidStartedAt, acquiredAt, generation}.
 *
 * - Acquire = exclusive create. The record is written to a private temp file first and then hard-linked to the
 *   lock path: link(2) fails with EEXIST exactly like open(O_CREAT|O_EXCL), but a reader never sees a half-written
 *   lock file.
 * - Takeover of an expired lock (or, for `pidAware` locks, one whose holder process on this host is gone) is a
 *   rename-based compare-and-swap: the contender first creates an exclusive token named after the expired
 *   generation's nonce (only one contender per generation gets it), re-reads the lock to check it still holds that
 *   exact record, then rename(2)s its own record over it — atomically, so there is never a moment without a lock.
 *   Renewal by the holder is the same swap.
 * - Release removes the file only if the record is still ours, under the same per-generation token.
 * - Liveness of a holder on this host: its pid exists *and* started when the record says (Linux /proc/<pid>/stat
 *   start time), so a pid reused by an unrelated process after a SIGKILL does not keep the lock alive.
 * - `generation` counts acquisitions of the file's lock (a renewal keeps it); it is the fencing token.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { z } from 'zod';
import { LockFileInvalid } from './errors.ts';

export interface LockRecord {
  owner: string;
  expiresAt: string;
  acquiredAt: string;
  pid: number;
  host: string;
  /** When the holding process started (Linux clock ticks since boot, /proc/<pid>/stat), against pid reuse. */
  pidStartedAt?: string;
  /** Acquisitions of this lock so far; a renewal keeps it (the fencing token). */
  generation: number;
  /** Unique per acquisition: names the generation in takeover/release tokens. */
  nonce: string;
}

const lockRecordSchema = z.strictObject({
  owner: z.string().min(1),
  expiresAt: z.iso.datetime(),
  acquiredAt: z.iso.datetime(),
  pid: z.number().int().positive(),
  host: z.string(),
  pidStartedAt: z
    .string()
    .regex(/^\d{1,20}$/)
    .optional(),
  generation: z.number().int().min(0).default(0), // files written before generations were recorded
  nonce: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
});

export type LockFileResult =
  | { acquired: true; record: LockRecord; replaced?: { record: LockRecord; liveness: Liveness } }
  | { acquired: false; holder: LockRecord };

export interface LockFileOptions {
  /** Also treat the lock as free when its holder was a process on this host that no longer exists. */
  pidAware?: boolean;
}

const MAX_ROUNDS = 16;

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

async function readRecordText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

function parseRecord(file: string, text: string): LockRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LockFileInvalid(file, 'not JSON', { cause: err });
  }
  const parsed = lockRecordSchema.safeParse(json);
  if (!parsed.success) {
    throw new LockFileInvalid(file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Start time of a process (field 22 of /proc/<pid>/stat), or undefined where there is no /proc. */
export function processStartedAt(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "<pid> (<comm>) <state> …": comm may hold spaces and parentheses, so count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startedAt = fields[19];
    return startedAt !== undefined && /^\d+$/.test(startedAt) ? startedAt : undefined;
  } catch {
    return undefined;
  }
}

export type Liveness = { state: 'running' | 'gone' | 'unknown'; detail: string };

/** Whether the process that holds `record` still runs, as far as this host can tell. */
export function holderLiveness(record: LockRecord): Liveness {
  const who = `process ${record.pid} on ${record.host}`;
  if (record.host !== hostname())
    return { state: 'unknown', detail: `${who} (another host: brokerlink cannot check it from here)` };
  try {
    process.kill(record.pid, 0);
  } catch (err) {
    if (isErrno(err, 'ESRCH')) return { state: 'gone', detail: `${who} is gone` };
    if (!isErrno(err, 'EPERM')) return { state: 'unknown', detail: `${who}: ${(err as Error).message}` };
  }
  const startedAt = processStartedAt(record.pid);
  if (record.pidStartedAt !== undefined && startedAt !== undefined && startedAt !== record.pidStartedAt) {
    return { state: 'gone', detail: `${who} is gone (pid ${record.pid} now belongs to another process)` };
  }
  return { state: 'running', detail: `${who} is running` };
}

function isStale(record: LockRecord, now: Date, options: LockFileOptions): Liveness | undefined {
  if (Date.parse(record.expiresAt) <= now.getTime())
    return { state: 'unknown', detail: `its lease ended at ${record.expiresAt}` };
  if (options.pidAware !== true) return undefined;
  const liveness = holderLiveness(record);
  return liveness.state === 'gone' ? liveness : undefined;
}

async function removeQuietly(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

const TOKEN_STALE_MS = 30_000;

/**
 * Replaces (or, with `replacement` undefined, removes) the lock file if and only if it still holds `expectedText`.
 * Every change of a lock generation goes through an exclusive token file named after that generation's nonce, so
 * at most one process ever changes a given generation; under the token the file cannot move except by our hand,
 * so check-then-rename is safe. The replacement is a rename(2): there is no moment without a lock file.
 */
async function replaceGeneration(
  file: string,
  expectedText: string,
  nonce: string,
  replacement: string | undefined,
): Promise<boolean> {
  const token = `${file}.change-${nonce}`;
  try {
    await writeFile(token, `${process.pid}\n`, { flag: 'wx' });
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
    // Another process is changing this generation. A token left by a crashed process is cleared after a while.
    const info = await stat(token).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > TOKEN_STALE_MS) await removeQuietly(token);
    return false;
  }
  try {
    const current = await readRecordText(file);
    if (current !== expectedText) return false;
    if (replacement === undefined) {
      await unlink(file);
    } else {
      const temp = `${file}.replace-${randomUUID()}`;
      await writeFile(temp, replacement, { flag: 'wx' });
      await rename(temp, file);
    }
    return true;
  } finally {
    await removeQuietly(token);
  }
}

/** Tries once (with bounded internal retries on races) to take the lock. Never waits for a live holder. */
export async function tryAcquireLockFile(
  file: string,
  owner: string,
  ttlMs: number,
  now: Date,
  options: LockFileOptions = {},
): Promise<LockFileResult> {
  const startedAt = processStartedAt(process.pid);
  const fresh: LockRecord = {
    owner,
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    acquiredAt: now.toISOString(),
    pid: process.pid,
    host: hostname(),
    ...(startedAt === undefined ? {} : { pidStartedAt: startedAt }),
    generation: 1,
    nonce: randomUUID(),
  };
  const text = `${JSON.stringify(fresh)}\n`;
  const temp = `${file}.new-${randomUUID()}`;
  await writeFile(temp, text, { flag: 'wx' });
  try {
    let lastHolder: LockRecord | undefined;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      try {
        await link(temp, file);
        return { acquired: true, record: fresh };
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      const existingText = await readRecordText(file);
      if (existingText === undefined) continue; // released meanwhile: try again
      const existing = parseRecord(file, existingText);
      lastHolder = existing;
      const ours = existing.owner === owner;
      const stale = ours ? undefined : isStale(existing, now, options);
      if (!ours && stale === undefined) return { acquired: false, holder: existing };
      // Expired, abandoned, or ours (re-acquire renews): replace it only if it is still that exact record. A renewal
      // keeps the holder's generation and start; a takeover is the next generation.
      const next: LockRecord = ours
        ? { ...fresh, acquiredAt: existing.acquiredAt, generation: Math.max(1, existing.generation) }
        : { ...fresh, generation: existing.generation + 1 };
      if (await replaceGeneration(file, existingText, existing.nonce, `${JSON.stringify(next)}\n`)) {
        return {
          acquired: true,
          record: next,
          ...(stale === undefined ? {} : { replaced: { record: existing, liveness: stale } }),
        };
      }
    }
    if (lastHolder) return { acquired: false, holder: lastHolder };
    throw new Error(`could not settle lock file ${file} after ${MAX_ROUNDS} rounds`);
  } finally {
    await removeQuietly(temp);
  }
}

/** Removes the lock only if `owner` still holds it; otherwise (absent or someone else's) does nothing. */
export async function releaseLockFile(file: string, owner: string): Promise<boolean> {
  const text = await readRecordText(file);
  if (text === undefined) return false;
  const record = parseRecord(file, text);
  if (record.owner !== owner) return false;
  return replaceGeneration(file, text, record.nonce, undefined);
}

/**
 * Removes the lock whoever holds it (`brokerlink unlock --force`, or a holder found gone), under the same
 * per-generation token, so it never removes a newer generation than the one it read. Returns the removed record.
 */
export async function removeLockFile(
  file: string,
  allow: (record: LockRecord) => boolean,
): Promise<{ removed: boolean; record?: LockRecord }> {
  const text = await readRecordText(file);
  if (text === undefined) return { removed: false };
  const record = parseRecord(file, text);
  if (!allow(record)) return { removed: false, record };
  return { removed: await replaceGeneration(file, text, record.nonce, undefined), record };
}

/** Reads the current holder, if any (for status displays and tests). */
export async function readLockFile(file: string): Promise<LockRecord | undefined> {
  const text = await readRecordText(file);
  return text === undefined ? undefined : parseRecord(file, text);
}
