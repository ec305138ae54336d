/**
 * The TypeScript side of `brokerlink-writer.sh`: builds its argv (validating every value first, with the same
 * rules the script applies again on the host), parses its one-line JSON answers, and plans a write from a read.
 *
 * Cloud adapters ship `writerScriptText()` as their command document (SSM document / Cloud Assistant command) and
 * pass the argv as typed parameters, never interpolated into shell text.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MAX_NODE_ID } from '../model/schemas.ts';
import type { BrokerCommand } from '../ports.ts';
import { identityMismatch } from '../properties/identity.ts';
import { type ApplyOptions, applyListenerExposures, type ListenerExposure } from '../properties/index.ts';
import { once } from '../util/once.ts';
import { NodeIdMismatch, WriterArgumentInvalid, WriterFailed, WriterOutputInvalid } from './errors.ts';

/**
 * The script's text, to ship to hosts. Run from the sources, it is read once from the file beside this module;
 * in a bundle that read is replaced by the text itself at build time (the `brokerlink-inline-assets` plugin of
 * functions/aws/esbuild-plugins.cjs, which inlines exactly this form: `readFileSync(new URL('./file',
 * import.meta.url), 'utf8')`), so a Lambda function reads no file next to its code.
 */
export const writerScriptText: () => string = once(() =>
  readFileSync(new URL('./brokerlink-writer.sh', import.meta.url), 'utf8'),
);
export async function readWriterScript(): Promise<string> {
  return writerScriptText();
}

/** Exit codes of the script. */
export const WRITER_EXIT = { ok: 0, invalidArguments: 2, conflict: 3, notFound: 4, io: 5, nodeIdMismatch: 6 } as const;

/**
 * Linux limits one argv string to 128 KiB (MAX_ARG_STRLEN); keep well under it so the command never fails to
 * start. A server.properties is a few KiB; 96 KiB of base64 is 72 KiB of file.
 */
export const MAX_CONTENT_BASE64 = 96 * 1024;

const SAFE_PATH = /^\/[A-Za-z0-9._@+/-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/=]*$/;

export function validatePath(path: unknown): string {
  if (typeof path !== 'string') throw new WriterArgumentInvalid('path', 'must be a string');
  if (path.length > 1024) throw new WriterArgumentInvalid('path', 'must be at most 1024 characters');
  if (!SAFE_PATH.test(path)) {
    throw new WriterArgumentInvalid('path', 'must be absolute and use only letters, digits and . _ @ + - /');
  }
  const segments = path.split('/');
  if (segments.includes('..') || segments.includes('.')) {
    throw new WriterArgumentInvalid('path', 'must not contain . or .. segments');
  }
  if (path.endsWith('/')) throw new WriterArgumentInvalid('path', 'must name a file, not a directory');
  return path;
}

export function buildReadArgv(path: string): ['read', string] {
  return ['read', validatePath(path)];
}

export interface WriteRequest {
  path: string;
  expectedSha256: string;
  contentBase64: string;
  /** The node the file is written for: the host refuses a file (old or new) whose node.id / broker.id differs. */
  expectedNodeId: number;
}

export function buildWriteArgv(request: WriteRequest): ['write', string, string, string, string] {
  const path = validatePath(request.path);
  if (typeof request.expectedSha256 !== 'string' || !SHA256.test(request.expectedSha256)) {
    throw new WriterArgumentInvalid('expectedSha256', 'must be 64 lowercase hex digits');
  }
  const b64 = request.contentBase64;
  if (typeof b64 !== 'string' || !BASE64.test(b64) || b64.length % 4 !== 0) {
    throw new WriterArgumentInvalid('contentBase64', 'must be base64 (A-Z a-z 0-9 + / =, length a multiple of 4)');
  }
  if (b64.length > MAX_CONTENT_BASE64) {
    throw new WriterArgumentInvalid('contentBase64', `must be at most ${MAX_CONTENT_BASE64} characters`);
  }
  const nodeId = request.expectedNodeId;
  if (typeof nodeId !== 'number' || !Number.isInteger(nodeId) || nodeId < 0 || nodeId > MAX_NODE_ID) {
    throw new WriterArgumentInvalid('expectedNodeId', `must be a Kafka node id (0-${MAX_NODE_ID})`);
  }
  return ['write', path, request.expectedSha256, b64, String(nodeId)];
}

export function buildIdentityArgv(path: string): ['identity', string] {
  return ['identity', validatePath(path)];
}

/** argv for a port-level `BrokerCommand` (read-config / write-config); restart is not the writer's job. */
export function argvForCommand(command: BrokerCommand): string[] {
  if (command.kind === 'read-config') return buildReadArgv(command.path);
  if (command.kind === 'write-config') return buildWriteArgv(command);
  throw new WriterArgumentInvalid('kind', `${command.kind} is not a writer command`);
}

const sha = z.string().regex(SHA256);
export const readResultSchema = z.strictObject({
  result: z.literal('read'),
  sha256: sha,
  contentBase64: z.string().regex(BASE64),
  mode: z.string().regex(/^[0-7]{3,4}$/),
  owner: z.string().regex(/^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+$/),
});
export type ReadResult = z.infer<typeof readResultSchema>;

const identityText = z.string().regex(/^(?:unset|not-a-number|malformed|0|[1-9][0-9]{0,9})$/);
export const writeResultSchema = z.discriminatedUnion('result', [
  z.strictObject({ result: z.literal('changed'), sha256: sha, backup: z.string().regex(SAFE_PATH) }),
  z.strictObject({ result: z.literal('unchanged'), sha256: sha }),
  z.strictObject({ result: z.literal('conflict'), sha256: sha }),
  z.strictObject({
    result: z.literal('node-id-mismatch'),
    key: z.enum(['node.id', 'broker.id']),
    found: identityText,
    expected: z.string().regex(/^(?:0|[1-9][0-9]{0,9})$/),
    sha256: sha,
  }),
]);
export type WriteResult = z.infer<typeof writeResultSchema>;

export const identityResultSchema = z.strictObject({
  result: z.literal('identity'),
  nodeId: identityText,
  brokerId: identityText,
});
export type IdentityResult = z.infer<typeof identityResultSchema>;

const errorResultSchema = z.strictObject({
  result: z.literal('error'),
  error: z.string().regex(/^[a-z0-9-]+$/),
  message: z.string(),
});

function parseLine(stdout: string): unknown {
  const lines = stdout.split('\n').filter((l) => l.trim().length > 0);
  if (lines.length !== 1) throw new WriterOutputInvalid(stdout, `expected one JSON line, got ${lines.length}`);
  try {
    return JSON.parse(lines[0]!);
  } catch (e) {
    throw new WriterOutputInvalid(stdout, 'not JSON', { cause: e });
  }
}

function parseWith<T>(
  schema: z.ZodType<T>,
  stdout: string,
  exitCode: number | null | undefined,
  expectedExit: (r: T) => number,
): T {
  const value = parseLine(stdout);
  const error = errorResultSchema.safeParse(value);
  if (error.success) throw new WriterFailed(error.data.error, error.data.message, exitCode ?? null);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new WriterOutputInvalid(stdout, z.prettifyError(parsed.error), { cause: parsed.error });
  if (exitCode !== undefined && exitCode !== null && exitCode !== expectedExit(parsed.data)) {
    throw new WriterOutputInvalid(stdout, `exit code ${exitCode} does not match the answer`);
  }
  return parsed.data;
}

/** Parses `read` output (throws `WriterFailed` for the script's errors, e.g. code `not-found`). */
export function parseReadOutput(stdout: string, exitCode?: number | null): ReadResult {
  return parseWith(readResultSchema, stdout, exitCode, () => WRITER_EXIT.ok);
}

/** Parses `write` output. A conflict is a result, not an error: re-read, re-plan, write again. */
export function parseWriteOutput(stdout: string, exitCode?: number | null): WriteResult {
  return parseWith(writeResultSchema, stdout, exitCode, (r) =>
    r.result === 'conflict'
      ? WRITER_EXIT.conflict
      : r.result === 'node-id-mismatch'
        ? WRITER_EXIT.nodeIdMismatch
        : WRITER_EXIT.ok,
  );
}

/** Parses `identity` output: the node.id and broker.id the host reads in the file. */
export function parseIdentityOutput(stdout: string, exitCode?: number | null): IdentityResult {
  return parseWith(identityResultSchema, stdout, exitCode, () => WRITER_EXIT.ok);
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export type WritePlan =
  | { changed: false; sha256: string }
  | {
      changed: true;
      /** Unified diff of server.properties. */
      diff: string;
      /** New file text as latin1 (one char per byte, as Kafka reads it). */
      text: string;
      /** The port-level command; `argvForCommand(command)` gives the script's argv. */
      command: Extract<BrokerCommand, { kind: 'write-config' }>;
      newSha256: string;
    };

/**
 * Computes the write that gives `read`'s file the exposures' listeners. The file is decoded as latin1, as Kafka's
 * `Properties.load(InputStream)` reads it, so bytes we do not edit (UTF-8 comments included) are written back as
 * they were. Throws the errors of `applyListenerExposures` (conflicts, invalid exposures) and never returns text then.
 */
export function planWrite(
  read: ReadResult,
  exposures: readonly ListenerExposure[],
  options: ApplyOptions & { path: string; expectedNodeId: number },
): WritePlan {
  const path = validatePath(options.path);
  const bytes = Buffer.from(read.contentBase64, 'base64');
  if (sha256Hex(bytes) !== read.sha256) {
    throw new WriterOutputInvalid(read.contentBase64.slice(0, 100), 'content does not match its sha256');
  }
  const text = bytes.toString('latin1');
  // Before anything else: this file must be the node's own (the host checks it again, on the bytes it swaps).
  const mismatch = identityMismatch(text, options.expectedNodeId);
  if (mismatch !== undefined) {
    throw new NodeIdMismatch({ ...mismatch, expected: options.expectedNodeId, checkedOn: 'brokerlink' });
  }
  const result = applyListenerExposures(text, exposures, {
    fileName: options.fileName ?? path.replace(/^\//, ''),
  });
  if (!result.changed) return { changed: false, sha256: read.sha256 };
  const next = Buffer.from(result.text, 'latin1');
  const command = {
    kind: 'write-config' as const,
    path,
    expectedSha256: read.sha256,
    contentBase64: next.toString('base64'),
    expectedNodeId: options.expectedNodeId,
  };
  buildWriteArgv(command);
  return { changed: true, diff: result.diff, text: result.text, command, newSha256: sha256Hex(next) };
}
