import { describe, expect, it } from 'vitest';
import { SPEC_LIMITS } from './limits.ts';
import { LOCAL_SPEC } from './testing/bad-specs.ts';
import { validateSpecText } from './validate.ts';
import { yamlToValue } from './yaml-value.ts';

/* The YAML reader on its own: what it builds, what it refuses, and the limits at their edges. */

const value = (text: string) => {
  const result = yamlToValue(text);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
};
const issues = (text: string) => {
  const result = yamlToValue(text);
  return result.ok ? [] : result.issues;
};

describe('yamlToValue: values', () => {
  it('builds plain objects, lists and scalars as the YAML says', () => {
    expect(value('a: 1\nb: [x, "y", true, null, -5]\nc: { d: 0 }\n')).toEqual({
      a: 1,
      b: ['x', 'y', true, null, -5],
      c: { d: 0 },
    });
  });

  it('keeps "__proto__" as an own key: no key reaches the prototype', () => {
    const built = value('__proto__: { polluted: true }\nconstructor: x\n') as Record<string, unknown>;
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(Object.keys(built)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads plain keys as written, so a tag named 0x1 stays "0x1"', () => {
    expect(value('tags: { 0x1: a, 010: b, true: c }\n')).toEqual({ tags: { '0x1': 'a', '010': 'b', true: 'c' } });
  });

  it('resolves an alias to the last anchor of its name before it', () => {
    expect(value('a: &x 1\nb: *x\nc: &x 2\nd: *x\n')).toEqual({ a: 1, b: 1, c: 2, d: 2 });
  });

  it('accepts a spec with 120 ordinary aliases (the library default refused it at 100)', () => {
    const brokers = Array.from(
      { length: 120 },
      (_, i) => `    - { id: ${i + 1}, host: 127.0.2.${i + 1}, azId: *zone }`,
    );
    const spec = LOCAL_SPEC.replace(
      / {2}static:\n(?: {4}- .*\n)+/,
      `  static:\n    - { id: 1000, host: 127.0.3.1, azId: &zone zone-a }\n${brokers.join('\n')}\n`,
    ).replace('to: 19099', 'to: 19299');
    const result = validateSpecText(spec);
    expect(result.ok ? result.spec.brokers.static?.length : result.issues).toBe(121);
  });

  it('accepts aliases that add exactly the budget, and refuses one value more', () => {
    const list = (n: number) => `a: &a [${Array.from({ length: n - 1 }, () => '1').join(',')}]\n`;
    // a holds n values (the list and its n - 1 items); k aliases of it add k × n.
    const n = 1000;
    const k = SPEC_LIMITS.maxAliasValues / n;
    const uses = (count: number) => `b: [${Array.from({ length: count }, () => '*a').join(',')}]\n`;
    expect(yamlToValue(list(n) + uses(k)).ok).toBe(true);
    expect(issues(`${list(n)}${uses(k)}c: *a\n`)).toEqual([
      { path: 'c', message: expect.stringContaining('makes aliases add more than 100,000 values') },
    ]);
  });

  it('counts depth through aliases: a chain of anchors cannot nest deeper than the limit', () => {
    const chain = ['l0: &l0 [x]'];
    for (let i = 1; i <= SPEC_LIMITS.maxDepth; i++) chain.push(`l${i}: &l${i} [*l${i - 1}]`);
    expect(issues(`${chain.join('\n')}\n`)).toEqual([
      // l30 is [*l29] of height 31 inside the top-level mapping: 32 levels; l31 makes 33.
      { path: `l${SPEC_LIMITS.maxDepth - 1}`, message: expect.stringContaining('once aliases are expanded') },
    ]);
  });

  it('refuses a depth of 33 and accepts 32, counting the top-level mapping', () => {
    const nested = (levels: number) => `a: ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}\n`;
    expect(yamlToValue(nested(SPEC_LIMITS.maxDepth)).ok).toBe(true);
    expect(issues(nested(SPEC_LIMITS.maxDepth + 1))).toEqual([
      { path: 'line 1, column 35', message: expect.stringContaining('nests more than 32 levels') },
    ]);
  });

  it('survives nesting far beyond the stack (20,000 brackets) with one clear issue', () => {
    expect(issues(`${'['.repeat(20_000)}${']'.repeat(20_000)}`)).toEqual([
      { path: 'line 1, column 33', message: expect.stringContaining('nests more than 32 levels') },
    ]);
  });
});

describe('yamlToValue: numbers', () => {
  it.each(['0', '7', '-3', '65535', '2147483647'])('accepts the plain decimal %s', (written) => {
    expect(value(`n: ${written}\n`)).toEqual({ n: Number(written) });
  });

  it.each(['0x10', '0o17', '1e3', '1.0', '+1', '01', '-0', '.nan', '-.inf', '9007199254740993'])(
    'refuses %s',
    (written) => {
      expect(issues(`n: ${written}\n`)).toEqual([
        { path: 'n', message: expect.stringContaining(`is written "${written}"`) },
      ]);
    },
  );

  it('leaves quoted digits a string for the schema to judge', () => {
    expect(value('n: "0x10"\n')).toEqual({ n: '0x10' });
  });
});

describe('yamlToValue: what a spec does not use', () => {
  it('refuses an alias used as a key, and an empty key', () => {
    expect(issues('a: &k x\nm: { *k : 1 }\n')).toEqual([
      { path: 'm', message: expect.stringContaining('an alias as a key') },
    ]);
    expect(issues('m: { : 1 }\n')).toEqual([{ path: 'm', message: expect.stringContaining('an empty key') }]);
  });

  it('reports only the first syntax error and says how many follow', () => {
    expect(issues('a: [1, 2\nb: {\n')).toEqual([
      { path: expect.stringMatching(/^line \d+, column \d+$/), message: expect.stringMatching(/further YAML error/) },
    ]);
  });

  it('finds duplicates among 40,000 keys without comparing every pair (linear, see bench/validate-spec-large.ts)', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `  k${i}: v`);
    keys.push('  k17: again');
    expect(issues(`tags:\n${keys.join('\n')}\n`)).toEqual([
      { path: 'tags.k17', message: expect.stringContaining('appears twice in the same mapping (line 19, column 3') },
    ]);
  });
});
