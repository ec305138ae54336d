import { describe, expect, it } from 'vitest';
import { decodeSpecBytes, firstInvalidUtf8 } from './bytes.ts';
import { SPEC_LIMITS } from './limits.ts';

/* A spec file's bytes: UTF-8 or refused with the offset of the first bad byte; bounded in size. */

const bytes = (...values: number[]) => new Uint8Array(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('firstInvalidUtf8', () => {
  it.each([
    ['a lone continuation byte', bytes(0x61, 0x80), 1],
    ['a truncated 2-byte sequence at the end', bytes(0x61, 0xc3), 1],
    ['a 3-byte sequence cut by ASCII', bytes(0xe2, 0x82, 0x41), 0],
    ['an overlong 2-byte "/"', bytes(0xc0, 0xaf), 0],
    ['an overlong 3-byte NUL', bytes(0xe0, 0x80, 0x80), 0],
    ['an encoded surrogate U+D800', bytes(0x41, 0xed, 0xa0, 0x80), 1],
    ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a byte that never occurs in UTF-8', bytes(0x41, 0x42, 0xff), 2],
    ['latin-1 "é" after valid UTF-8 "é"', new Uint8Array([...utf8('é'), 0xe9]), 2],
  ])('finds %s at its offset', (_name, input, offset) => {
    expect(firstInvalidUtf8(input)).toBe(offset);
  });

  it('accepts every kind of valid sequence up to U+10FFFF', () => {
    expect(firstInvalidUtf8(utf8('a é € 𝄞 \u{10ffff}'))).toBe(utf8('a é € 𝄞 \u{10ffff}').length);
  });
});

describe('decodeSpecBytes', () => {
  it('decodes UTF-8 and drops a UTF-8 byte-order mark', () => {
    expect(decodeSpecBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('cluster: é')]))).toEqual({
      ok: true,
      text: 'cluster: é',
    });
  });

  it('names the line and byte offset of the first byte that is not UTF-8', () => {
    const input = new Uint8Array([...utf8('a: 1\nb: caf'), 0xe9, ...utf8('\n')]);
    expect(decodeSpecBytes(input)).toEqual({
      ok: false,
      issues: [
        {
          path: 'line 2 (byte 11)',
          message: 'is not UTF-8: byte 0xE9 at offset 11 does not belong to a UTF-8 character; save the file as UTF-8',
        },
      ],
    });
  });

  it('calls a UTF-16 file UTF-16', () => {
    expect(decodeSpecBytes(bytes(0xfe, 0xff, 0x00, 0x61))).toMatchObject({
      ok: false,
      issues: [{ path: 'byte 0', message: expect.stringContaining('UTF-16') }],
    });
  });

  it('accepts exactly the size limit and refuses one byte more', () => {
    const atLimit = new Uint8Array(SPEC_LIMITS.maxBytes).fill(0x20);
    expect(decodeSpecBytes(atLimit).ok).toBe(true);
    expect(decodeSpecBytes(new Uint8Array(SPEC_LIMITS.maxBytes + 1).fill(0x20))).toEqual({
      ok: false,
      issues: [
        { path: '(file)', message: expect.stringMatching(/^is 1,048,577 bytes; a spec may be at most 1,048,576/) },
      ],
    });
  });
});
