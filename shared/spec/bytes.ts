import { isUtf8 } from 'node:buffer';
import type { SpecIssue } from './errors.ts';
import { SPEC_LIMITS } from './limits.ts';

/*
 * A spec file's bytes to text. A spec is UTF-8 (YAML 1.2 and JSON both are): other bytes are refused with the
 * offset of the first one that is not UTF-8, instead of silently becoming U+FFFD in a tag or a host name.
 */

export type DecodedSpec = { ok: true; text: string } | { ok: false; issues: SpecIssue[] };

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

export function decodeSpecBytes(bytes: Uint8Array): DecodedSpec {
  const size = sizeIssue(bytes.length);
  if (size !== undefined) return { ok: false, issues: [size] };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      ok: false,
      issues: [
        {
          path: 'byte 0',
          message: 'the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8',
        },
      ],
    };
  }
  const start = UTF8_BOM.every((byte, index) => bytes[index] === byte) ? UTF8_BOM.length : 0;
  const body = bytes.subarray(start);
  if (!isUtf8(body)) {
    const offset = start + firstInvalidUtf8(body);
    const line = 1 + countNewlines(bytes, offset);
    return {
      ok: false,
      issues: [
        {
          path: `line ${line} (byte ${offset})`,
          message: `is not UTF-8: byte 0x${bytes[offset]!.toString(16).toUpperCase().padStart(2, '0')} at offset ${offset} does not belong to a UTF-8 character; save the file as UTF-8`,
        },
      ],
    };
  }
  return { ok: true, text: new TextDecoder('utf-8').decode(body) };
}

/** The size-limit problem for a spec of `bytes` bytes, if it is too large. */
export function sizeIssue(bytes: number): SpecIssue | undefined {
  if (bytes <= SPEC_LIMITS.maxBytes) return undefined;
  return {
    path: '(file)',
    message: `is ${bytes.toLocaleString('en-US')} bytes; a spec may be at most ${SPEC_LIMITS.maxBytes.toLocaleString('en-US')} bytes (1 MiB; a spec of 1,000 brokers is about 100 kB) — is this the right file?`,
  };
}

/**
 * Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF). Only called once `isUtf8` said there is one.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    let length: number;
    let min = 0x80;
    let max = 0xbf;
    if (lead < 0x80) length = 1;
    else if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) min = 0xa0; // overlong
      if (lead === 0xed) max = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) min = 0x90; // overlong
      if (lead === 0xf4) max = 0x8f; // above U+10FFFF
    } else return index;
    for (let k = 1; k < length; k++) {
      const next = bytes[index + k];
      const low = k === 1 ? min : 0x80;
      const high = k === 1 ? max : 0xbf;
      if (next === undefined || next < low || next > high) return index;
    }
    index += length;
  }
  return bytes.length;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) count++;
  return count;
}
