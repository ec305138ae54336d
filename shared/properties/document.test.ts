import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  editProperties,
  escapeKey,
  escapeValue,
  getProperty,
  parseProperties,
  propertiesToMap,
  serializeProperties,
} from './document.ts';
import { PropertiesEditUnsafe, PropertiesSyntaxError } from './errors.ts';

/** Tokens that exercise every rule of the format: separators, escapes, continuations, comments, all line ends. */
const token = fc.constantFrom(
  'a',
  'key',
  'listeners',
  'x.y',
  '=',
  ':',
  ' ',
  '  ',
  '\t',
  '\f',
  '\\',
  '\\\\',
  '\\ ',
  '\\=',
  '\\:',
  '\\u0041',
  '\\u00e9',
  '\\t',
  '\\n',
  '#',
  '!',
  '\n',
  '\r\n',
  '\r',
  '\\\n',
  '\\\r\n',
  '\\\r',
  '\u00e9',
  '\u00ff',
  'PLAINTEXT://:9092',
  ',',
);
const propertiesText = fc.array(token, { maxLength: 40 }).map((parts) => parts.join(''));

describe('parseProperties', () => {
  it('re-serializes any text byte for byte', () => {
    fc.assert(
      fc.property(propertiesText, (text) => {
        let doc: ReturnType<typeof parseProperties>;
        try {
          doc = parseProperties(text);
        } catch (e) {
          if (e instanceof PropertiesSyntaxError) return; // malformed \u: Java refuses these files too
          throw e;
        }
        expect(serializeProperties(doc)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('re-serializes arbitrary unicode text (including lone surrogates) byte for byte', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        try {
          expect(serializeProperties(parseProperties(text))).toBe(text);
        } catch (e) {
          if (!(e instanceof PropertiesSyntaxError)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('reads separators, whitespace, comments and escapes as java.util.Properties does', () => {
    const text = [
      '# comment = not a key',
      '   ! also a comment',
      '',
      'a=1',
      'b : 2',
      'c 3',
      '\td\t=\t 4 ',
      'e',
      'f=',
      'key\\ with\\ spaces = v',
      'sep\\=in\\:key=x',
      'uni=caf\\u00e9',
      'tabs=a\\tb',
      'other\\q=\\z',
      'g==5',
    ].join('\n');
    const map = propertiesToMap(parseProperties(text));
    expect(Object.fromEntries(map)).toEqual({
      a: '1',
      b: '2',
      c: '3',
      d: '4 ',
      e: '',
      f: '',
      'key with spaces': 'v',
      'sep=in:key': 'x',
      uni: 'caf\u00e9',
      tabs: 'a\tb',
      otherq: 'z',
      g: '=5',
    });
  });

  it('joins continuation lines, dropping the leading whitespace of each continuation', () => {
    const text = 'listeners=INTERNAL://0.0.0.0:9092,\\\n    EXTERNAL://0.0.0.0:39092\r\nnext=1';
    const doc = parseProperties(text);
    expect(getProperty(doc, 'listeners')).toBe('INTERNAL://0.0.0.0:9092,EXTERNAL://0.0.0.0:39092');
    expect(getProperty(doc, 'next')).toBe('1');
    expect(doc.entries.map((e) => e.kind)).toEqual(['property', 'property']);
  });

  it('treats a # on a continuation line as data, and a backslash at the end of a comment as nothing', () => {
    const doc = parseProperties('a=x\\\n  # y\n# c \\\nb=2\n');
    expect(Object.fromEntries(propertiesToMap(doc))).toEqual({ a: 'x# y', b: '2' });
  });

  it('keeps the last of duplicate keys, as Java does', () => {
    expect(getProperty(parseProperties('dup=1\ndup=2\ndup=3\n'), 'dup')).toBe('3');
  });

  it('accepts a final line without a newline, and CR-only line ends', () => {
    expect(Object.fromEntries(propertiesToMap(parseProperties('a=1\rb=2\r\nc=3')))).toEqual({
      a: '1',
      b: '2',
      c: '3',
    });
  });

  it('rejects a malformed \\uXXXX escape with the line number', () => {
    expect(() => parseProperties('ok=1\n\nbad=\\u00zz\n')).toThrowError(PropertiesSyntaxError);
    try {
      parseProperties('ok=1\n\nbad=\\u00zz\n');
    } catch (e) {
      expect((e as PropertiesSyntaxError).line).toBe(3);
    }
  });
});

describe('escapeKey/escapeValue', () => {
  it('produce text that reads back to the same key and value', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
        (k, v) => {
          const doc = parseProperties(`${escapeKey(k)}=${escapeValue(v)}\n`);
          expect(Object.fromEntries(propertiesToMap(doc))).toEqual({ [k]: v });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('editProperties', () => {
  it('rewrites only the edited entry, keeping its spacing and separator and every other byte', () => {
    const text = '# head\r\n\r\nlisteners = A://:1\r\n  other : keep\\\r\n   going\r\ntail=1';
    const out = editProperties(text, [{ key: 'listeners', value: 'A://:1,B://:2' }]);
    expect(out).toBe('# head\r\n\r\nlisteners = A://:1,B://:2\r\n  other : keep\\\r\n   going\r\ntail=1');
  });

  it('edits the last of duplicate keys (the one Java uses) and leaves the earlier ones alone', () => {
    const out = editProperties('k=1\nk=2\nz=0\n', [{ key: 'k', value: '3' }]);
    expect(out).toBe('k=1\nk=3\nz=0\n');
  });

  it('replaces a multi-line value with one line', () => {
    const out = editProperties('k=a,\\\n  b\nz=0\n', [{ key: 'k', value: 'a,b,c' }]);
    expect(out).toBe('k=a,b,c\nz=0\n');
  });

  it('adds a missing key after its anchor, using the file line ending', () => {
    const out = editProperties('a=1\r\nlisteners=X\r\nz=0\r\n', [
      { key: 'advertised.listeners', value: 'Y', insertAfter: ['listeners'] },
    ]);
    expect(out).toBe('a=1\r\nlisteners=X\r\nadvertised.listeners=Y\r\nz=0\r\n');
  });

  it('adds a missing key at the end of a file that has no final newline', () => {
    expect(editProperties('a=1', [{ key: 'b', value: '2' }])).toBe('a=1\nb=2\n');
  });

  it('does not let an added key join a trailing continuation line', () => {
    const out = editProperties('a=1\\', [{ key: 'b', value: '2' }]);
    expect(Object.fromEntries(propertiesToMap(parseProperties(out)))).toEqual({ a: '1', b: '2' });
  });

  it('adds a separator when the edited key had none', () => {
    const out = editProperties('k\nz=0\n', [{ key: 'k', value: 'v' }]);
    expect(Object.fromEntries(propertiesToMap(parseProperties(out)))).toEqual({ k: 'v', z: '0' });
  });

  it('returns the text unchanged when every edit is already in effect', () => {
    const text = 'k = v \\\n\nz=0';
    expect(editProperties(text, [{ key: 'k', value: 'v ' }])).toBe(text);
  });

  it('refuses an edit that would change an untouched key', () => {
    // A lone backslash at the very end makes Java read an empty key; closing that line would lose it.
    expect(() => editProperties('a=1\n\\', [{ key: 'b', value: '2' }])).toThrowError(PropertiesEditUnsafe);
  });

  it('keeps every untouched key and sets the edited ones, for any input', () => {
    fc.assert(
      fc.property(propertiesText, fc.constantFrom('listeners', 'a', 'key', 'new.key'), (text, key) => {
        let before: Map<string, string>;
        try {
          before = propertiesToMap(parseProperties(text));
        } catch {
          return;
        }
        let out: string;
        try {
          out = editProperties(text, [{ key, value: 'V1,V2', insertAfter: ['a'] }]);
        } catch (e) {
          if (e instanceof PropertiesEditUnsafe) return;
          throw e;
        }
        const after = propertiesToMap(parseProperties(out));
        before.set(key, 'V1,V2');
        expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
      }),
      { numRuns: 1000 },
    );
  });
});
