/**
 * An exclusive lock held as a small JSON file: {owner, expiresAt, pid, host, acquiredAt}.
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
 */
import { randomUUID } from 'node:crypto';
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
  /** Unique per acquisition: names the generation in takeover/release tokens. */
  nonce: string;
}

const lockRecordSchema = z.strictObject({
  owner: z.string().min(1),
  expiresAt: z.iso.datetime(),
  acquiredAt: z.iso.datetime(),
  pid: z.number().int().positive(),
  host: z.string(),
  nonce: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
});

export type LockFileResult = { acquired: true; record: LockRecord } | { acquired: false; holder: LockRecord };

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

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return isErrno(err, 'ESRCH');
  }
}

function isStale(record: LockRecord, now: Date, options: LockFileOptions): boolean {
  if (Date.parse(record.expiresAt) <= now.getTime()) return true;
  return options.pidAware === true && record.host === hostname() && processGone(record.pid);
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
  const record: LockRecord = {
    owner,
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
    acquiredAt: now.toISOString(),
    pid: process.pid,
    host: hostname(),
    nonce: randomUUID(),
  };
  const text = `${JSON.stringify(record)}\n`;
  const temp = `${file}.new-${randomUUID()}`;
  await writeFile(temp, text, { flag: 'wx' });
  try {
    let lastHolder: LockRecord | undefined;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      try {
        await link(temp, file);
        return { acquired: true, record };
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      const existingText = await readRecordText(file);
      if (existingText === undefined) continue; // released meanwhile: try again
      const existing = parseRecord(file, existingText);
      lastHolder = existing;
      const ours = existing.owner === owner;
      if (!ours && !isStale(existing, now, options)) return { acquired: false, holder: existing };
      // Expired, abandoned, or ours (re-acquire renews): replace it only if it is still that exact record.
      if (await replaceGeneration(file, existingText, existing.nonce, text)) return { acquired: true, record };
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

/** Reads the current holder, if any (for status displays and tests). */
export async function readLockFile(file: string): Promise<LockRecord | undefined> {
  const text = await readRecordText(file);
  return text === undefined ? undefined : parseRecord(file, text);
}
