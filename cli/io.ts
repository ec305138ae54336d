import { open, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatIssues, SpecInvalid } from '../shared/spec/errors.ts';
import { SPEC_LIMITS } from '../shared/spec/limits.ts';
import type { ClusterSpec } from '../shared/spec/schema.ts';
import { type SpecValidation, validateSpecBytes } from '../shared/spec/validate.ts';
import { FileUnreadable, ProblemFound } from './errors.ts';

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Bytes to stdout exactly as given (no newline added, no re-encoding); falls back to `out` as latin1 text. */
  raw?: (bytes: Uint8Array) => void;
}

export function writeRaw(io: Output, bytes: Uint8Array): void {
  if (io.raw) io.raw(bytes);
  else io.out(Buffer.from(bytes).toString('latin1'));
}

export async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw cannotRead(path, what, error);
  }
}

function cannotRead(path: string, what: string, error: unknown): FileUnreadable {
  const code = (error as NodeJS.ErrnoException).code;
  const hint = code === 'ENOENT' ? ' (no such file)' : code === 'EISDIR' ? ' (it is a folder)' : '';
  return new FileUnreadable(`cannot read ${what} "${path}": ${code ?? (error as Error).message}${hint}`, {
    cause: error,
  });
}

/**
 * A file's bytes, but never more than `limit + 1` of them: a spec path pointing at a 5 GB log, /dev/zero or a FIFO
 * is refused by size instead of being read into memory (the caller sees that there was more than `limit`).
 */
export async function readBoundedFile(path: string, what: string, limit: number): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const info = await handle.stat();
    if (info.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    const buffer = Buffer.alloc(limit + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    throw cannotRead(path, what, error);
  } finally {
    await handle?.close();
  }
}

/**
 * Reads and validates a spec file as every command does: bytes (size limit, UTF-8), YAML, schema, cross-field
 * rules; a relative `provider.local.stateFile` is resolved against the spec file's folder.
 */
export async function validateSpecFile(path: string): Promise<{ result: SpecValidation; text: string }> {
  const bytes = await readBoundedFile(path, 'spec', SPEC_LIMITS.maxBytes);
  const result = validateSpecBytes(bytes, { baseDir: dirname(resolve(path)) });
  return { result, text: result.ok ? new TextDecoder().decode(bytes) : '' };
}

/** Reads and validates a spec file; on problems prints every one of them and stops with exit 1. */
export async function loadSpecFile(path: string, io: Output): Promise<{ spec: ClusterSpec; text: string }> {
  const { result, text } = await validateSpecFile(path);
  if (!result.ok) {
    io.err(
      `${path} is invalid (${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}):\n${formatIssues(result.issues)}`,
    );
    throw new ProblemFound('spec invalid', { cause: new SpecInvalid(result.issues, path) });
  }
  return { spec: result.spec, text };
}
