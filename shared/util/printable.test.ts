import { describe, expect, it } from 'vitest';
import { formatIssuePath } from './issues.ts';
import { firstUnsafeCharacter, quoted } from './printable.ts';

describe('firstUnsafeCharacter', () => {
  it.each([
    ['NUL', 'a\u0000', 'U+0000'],
    ['a newline', 'a\nb', 'U+000A'],
    ['a carriage return', 'a\r', 'U+000D'],
    ['a tab', '\tb', 'U+0009'],
    ['ESC', 'x\u001b[31m', 'U+001B'],
    ['DEL', 'x\u007f', 'U+007F'],
    ['a C1 control', 'x\u0085', 'U+0085'],
    ['a line separator', 'x\u2028', 'U+2028'],
    ['a right-to-left override', 'x\u202e', 'U+202E'],
    ['a first-strong isolate', 'x\u2068', 'U+2068'],
    ['an Arabic letter mark', 'x\u061c', 'U+061C'],
    ['a zero-width joiner', 'x\u200d', 'U+200D'],
    ['a byte-order mark', '\ufeffx', 'U+FEFF'],
    ['the replacement character', 'x\ufffd', 'U+FFFD'],
    ['a lone high surrogate', 'x\ud83d', 'U+D83D'],
    ['a lone low surrogate', '\ude00x', 'U+DE00'],
  ])('finds %s', (_name, text, codePoint) => {
    expect(firstUnsafeCharacter(text)?.codePoint).toBe(codePoint);
  });

  it.each(['kafka-1.internal', 'usw2-az1', 'Zürich', '東京', 'emoji 😀 pair', 'a b'])('accepts %j', (text) => {
    expect(firstUnsafeCharacter(text)).toBeUndefined();
  });
});

describe('quoted', () => {
  it('escapes quotes, backslashes and unsafe characters, and cuts long text stating its length', () => {
    expect(quoted('a"b\\c\n\u202e')).toBe('"a\\"b\\\\c\\u000a\\u202e"');
    expect(quoted('x'.repeat(100), 10)).toBe(`"${'x'.repeat(10)}…" (100 characters)`);
  });
});

describe('formatIssuePath', () => {
  it('dots plain keys and quotes the others, so a key cannot fake a path or break a line', () => {
    expect(formatIssuePath(['exposures', 0, 'advertisedListenerPattern', 'usw2-az1'])).toBe(
      'exposures[0].advertisedListenerPattern.usw2-az1',
    );
    expect(formatIssuePath(['tags', 'brokerlink:cluster'])).toBe('tags.brokerlink:cluster');
    expect(formatIssuePath(['tags', 'kubernetes.io/role'])).toBe('tags["kubernetes.io/role"]');
    expect(formatIssuePath(['tags', 'a\n  - cluster: fake'])).toBe('tags["a\\u000a  - cluster: fake"]');
  });
});
