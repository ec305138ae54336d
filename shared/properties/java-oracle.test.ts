/**
 * Differential test against the real java.util.Properties (OpenJDK, run through the source launcher). The JDK is
 * part of this project's machine image; on a machine without `java` these tests are reported as skipped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editProperties, parseProperties, propertiesToMap } from './document.ts';
import { PropertiesEditUnsafe, PropertiesSyntaxError } from './errors.ts';
import { javaAvailable, javaLoad, type OracleResult } from './testing/oracle.ts';

const token = fc.constantFrom(
  'a',
  'k',
  '=',
  ':',
  ' ',
  '\t',
  '\f',
  '\\',
  '\\\\',
  '\\ ',
  '\\=',
  '\\u0041',
  '\\u00',
  '\\t',
  '\\r',
  '#',
  '!',
  '\n',
  '\r\n',
  '\r',
  '\\\n',
  '\\\r\n',
  '\\\r',
  '\u00e9',
  '\u00a0',
  ',',
);
const text = fc.array(token, { maxLength: 30 }).map((parts) => parts.join(''));

function ours(input: string): OracleResult {
  try {
    const map = propertiesToMap(parseProperties(input));
    return { ok: [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
  } catch (e) {
    if (e instanceof PropertiesSyntaxError) return { error: 'malformed' };
    throw e;
  }
}

const normalise = (r: OracleResult): OracleResult => ('error' in r ? { error: 'malformed' } : r);

// Skipped only where no JDK is installed (the oracle is the real java.util.Properties); CI machines have one.
describe.skipIf(!javaAvailable)('against java.util.Properties', () => {
  it('reads generated files to the same keys and values (or rejects the same malformed ones)', () => {
    const inputs = fc.sample(text, { numRuns: 3000, seed: 20240611 });
    inputs.push('\\', '\\\n', '\\\r\n', '\\\r', 'a=1\\', 'a\\\n\n=b', '  \\\n  x=1', '\\\n#x=1');
    const java = javaLoad(inputs);
    const mismatches = inputs
      .map((input, i) => ({ input, java: normalise(java[i]!), ours: ours(input) }))
      .filter((r) => JSON.stringify(r.java) !== JSON.stringify(r.ours));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('after an edit, Java reads the edited key as set and every other key as before', () => {
    const inputs = fc.sample(text, { numRuns: 800, seed: 7 });
    const cases: { edited: string; expected: OracleResult }[] = [];
    for (const input of inputs) {
      const before = ours(input);
      if ('error' in before) continue;
      let edited: string;
      try {
        edited = editProperties(input, [{ key: 'listeners', value: ' EXTERNAL://[::]:39092,A=B', insertAfter: ['a'] }]);
      } catch (e) {
        if (e instanceof PropertiesEditUnsafe) continue;
        throw e;
      }
      const map = new Map(before.ok);
      map.set('listeners', ' EXTERNAL://[::]:39092,A=B');
      cases.push({ edited, expected: { ok: [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) } });
    }
    const java = javaLoad(cases.map((c) => c.edited));
    const mismatches = cases.filter((c, i) => JSON.stringify(java[i]) !== JSON.stringify(c.expected));
    expect(cases.length).toBeGreaterThan(600);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
