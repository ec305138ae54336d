import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../shared/testing/error-classes.ts';

/*
 * Where test support lives: in `testing/` folders beside the code it supports (and in the top-level testkit/ of
 * test peers, and test/), never among production files, under one name.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIPPED = new Set(['node_modules', '.cache', '.git', '.serverless', 'coverage']);
const rel = (path: string) => relative(ROOT, path).split(sep).join('/');
const isSupport = (file: string) => /^(testkit|test)\//.test(file) || file.split('/').includes('testing');
const isProduction = (file: string) => /^(shared|functions|cli)\//.test(file) && !isSupport(file);

function directories(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || SKIPPED.has(entry.name)) continue;
    out.push(rel(join(dir, entry.name)));
    directories(join(dir, entry.name), out);
  }
  return out;
}

describe('test support layout', () => {
  it('uses one folder name for test support: testing/ (no testdata/, fixtures/, test-*.ts elsewhere)', () => {
    // Inside a testing/ folder (or testkit/, test/) sub-folders are named as a test needs (fixtures/ of one test).
    const otherNames = directories(ROOT).filter(
      (dir) => /(^|\/)(testdata|fixtures|test-utils|__fixtures__)$/.test(dir) && !isSupport(dir),
    );
    expect(otherNames).toEqual([]);
    const looseFiles = sourceFiles(ROOT)
      .map(rel)
      .filter((file) => /(^|\/)test-[^/]*\.ts$/.test(file) && !isSupport(file));
    expect(looseFiles).toEqual([]);
  });

  it('keeps every fake in test support, not among production files', () => {
    const fakes = sourceFiles(ROOT)
      .map(rel)
      .filter((file) => isProduction(file))
      .filter((file) => /\bFAKES?\b/.test(readFileSync(join(ROOT, file), 'utf8').split('\n').slice(0, 40).join('\n')));
    expect(fakes).toEqual([]);
  });

  it('lets no production file import test support', () => {
    const imports = sourceFiles(ROOT)
      .map(rel)
      .filter(isProduction)
      .flatMap((file) =>
        [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^import[^;]*?from '([^']+)'/gms)]
          .map((match) => match[1]!)
          .filter((target) => /(^|\/)(testing|testkit)\//.test(target))
          .map((target) => `${file} imports ${target}`),
      );
    expect(imports).toEqual([]);
  });
});
