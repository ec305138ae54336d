import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROVIDER_KINDS } from '../shared/spec/schema.ts';
import { sourceFiles } from '../shared/testing/error-classes.ts';

/*
 * Issue 8, item 3: what differs per cloud is data in shared/providers/<cloud>/ (its profile) and one registry that
 * builds its adapters. So no production file of shared/ outside shared/providers/, nor of cli/, decides anything by
 * the provider's kind: no kind compared or switched on as a string ('aws', case 'gcp', ...), no look at one cloud's
 * section of the spec (spec.provider.local, provider['aws'], 'aws' in provider), no import of one cloud's folder.
 * Comments and the text inside other strings (help texts, messages) are not code and are not scanned.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KINDS = PROVIDER_KINDS.join('|');

/** Where a provider's kind may be named in code outside shared/providers/, and why. */
const ALLOWED: readonly { file: string; pattern: RegExp; why: string }[] = [
  {
    file: 'shared/spec/schema.ts',
    pattern: /^export const PROVIDER_KINDS = \[/,
    why: 'the spec names its providers: the list every registry is keyed by',
  },
  {
    file: 'shared/error-catalogue.ts',
    pattern: /from '\.\/providers\/[a-z]+\/[a-z/-]+\.ts'/,
    why: 'the catalogue lists every production error class, the adapters’ included',
  },
];

/**
 * Per line of a TypeScript file: its code with comments removed and every string literal's text replaced by `_`,
 * and the texts of the literals that start on it.
 */
function linesOf(text: string): { code: string; literals: string[]; source: string }[] {
  const sources = text.split('\n');
  const lines = sources.map((source) => ({ code: '', literals: [] as string[], source }));
  let line = 0;
  const skipTo = (end: number, from: number) => {
    for (let k = from; k < end; k++) if (text[k] === '\n') line++;
    return end;
  };
  for (let i = 0; i < text.length; ) {
    const two = text.slice(i, i + 2);
    if (two === '//') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (two === '/*') {
      const end = text.indexOf('*/', i + 2);
      i = skipTo(end === -1 ? text.length : end + 2, i);
    } else if (text[i] === "'" || text[i] === '"' || text[i] === '`') {
      const quote = text[i]!;
      let j = i + 1;
      while (j < text.length && text[j] !== quote) j += text[j] === '\\' ? 2 : 1;
      lines[line]!.literals.push(text.slice(i + 1, j));
      lines[line]!.code += `${quote}_${quote}`;
      i = skipTo(j + 1, i);
    } else {
      if (text[i] === '\n') line++;
      else lines[line]!.code += text[i];
      i++;
    }
  }
  return lines;
}

/** Every line of `text` that decides by a provider's kind, as `line: source`. */
function providerKindSwitches(text: string): string[] {
  const found: string[] = [];
  linesOf(text).forEach(({ code, literals, source }, index) => {
    const names = literals.some((literal) => new RegExp(`^(${KINDS})$`).test(literal));
    const section = new RegExp(`\\bprovider\\??\\.(${KINDS})\\b|\\.(${KINDS})\\s*[!=]==?`).test(code);
    const folder = literals.some((literal) => new RegExp(`(^|/)providers/(${KINDS})/`).test(literal));
    if (names || section || (folder && /^\s*(import|export)\b|\bfrom\s*['"]_|\bimport\(/.test(code))) {
      found.push(`${index + 1}: ${source.trim()}`);
    }
  });
  return found;
}

const rel = (path: string) => relative(ROOT, path).split(sep).join('/');
const scanned = (file: string) => (/^shared\//.test(file) && !/^shared\/providers\//.test(file)) || /^cli\//.test(file);
const isSupport = (file: string) => file.split('/').includes('testing');

describe('provider-neutral core', () => {
  it('finds a kind compared, switched on, or looked up, and an import of one cloud’s folder (the scan works)', () => {
    const sample = [
      "if (kind === 'aws') return 1;",
      "switch (kind) { case 'gcp': break; }",
      'const local = spec.provider.local;',
      'const on = spec.provider?.alicloud !== undefined;',
      "const aws = spec.provider['aws'];",
      "import { x } from '../shared/providers/aws/clients.ts';",
      "} from '../shared/providers/local/lock.ts';",
      "const m = await import('./providers/gcp/factory.ts');",
      "// if (kind === 'aws') in a comment is no code",
      "/* nor in a block comment: switch (kind) { case 'gcp': } */",
      "io.out('set provider.local.stateFile in the spec');",
      'const adapters = await createProviderAdapters(spec, options.providers);',
    ].join('\n');
    expect(providerKindSwitches(sample).map((line) => Number(line.split(':')[0]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('has no provider-kind switch in shared/ outside shared/providers/, nor in cli/', () => {
    const files = sourceFiles(ROOT)
      .map(rel)
      .filter(scanned)
      .filter((file) => !isSupport(file));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) =>
      providerKindSwitches(readFileSync(join(ROOT, file), 'utf8')).map((line) => ({
        file,
        line,
        source: line.slice(line.indexOf(': ') + 2),
      })),
    );
    const allowedBy = (hit: (typeof found)[number]) =>
      ALLOWED.find((allowed) => allowed.file === hit.file && allowed.pattern.test(hit.source));
    expect(found.filter((hit) => allowedBy(hit) === undefined).map((hit) => `${hit.file}:${hit.line}`)).toEqual([]);
    // Every allowance is still needed (the scan sees it), so none outlives its reason unnoticed.
    for (const allowed of ALLOWED)
      expect(
        found.some((hit) => allowedBy(hit) === allowed),
        allowed.file,
      ).toBe(true);
  });
});
