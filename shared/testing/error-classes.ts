import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/*
 * Test support: finds every error class declared in the repository's TypeScript sources, so the error catalogue
 * test can insist that none is forgotten (a new class, or a whole new errors.ts). Source scanning, not imports: a
 * module nobody imports yet must be found too. The class body is cut out with a small tokenizer that skips strings,
 * template literals and comments, so braces inside messages do not confuse it.
 */

export type ErrorClassArea = 'production' | 'cli' | 'test-support' | 'tooling';

export interface DeclaredErrorClass {
  /** Path relative to the repository root, with `/` separators. */
  file: string;
  className: string;
  baseName: string;
  exported: boolean;
  abstract: boolean;
  /** The literal of `override readonly name = '…'` in the class body, if any. */
  nameLiteral: string | undefined;
  declaresDisposition: boolean;
  area: ErrorClassArea;
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', '.cache', '.git', '.serverless', 'coverage']);
const CLASS_HEAD = /(^|\n)[ \t]*(export[ \t]+)?(abstract[ \t]+)?class[ \t]+(\w+)[ \t]+extends[ \t]+([\w.]+)[^{]*\{/g;

/** Every `.ts` file under `root` except dependencies, caches and test files (`*.test.ts`). */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        out.push(join(dir, entry.name));
      }
    }
  };
  walk(root);
  return out.sort();
}

/**
 * Which rules a file's error classes follow: production code (shared/, functions/) is catalogued; the CLI's own
 * errors, test support (testkit/, test/, any testing/ folder) and tooling (bench/, tools/, demo/) must not be.
 */
export function areaOf(file: string): ErrorClassArea {
  const parts = file.split('/');
  if (parts[0] === 'testkit' || parts[0] === 'test' || parts.includes('testing')) return 'test-support';
  if (parts[0] === 'cli') return 'cli';
  if (parts[0] === 'bench' || parts[0] === 'tools' || parts[0] === 'demo') return 'tooling';
  return 'production';
}

/** Every class that extends Error, BrokerlinkError or (transitively) another error class found in `root`. */
export function declaredErrorClasses(root: string): DeclaredErrorClass[] {
  const all: DeclaredErrorClass[] = [];
  for (const path of sourceFiles(root)) {
    const text = readFileSync(path, 'utf8');
    const file = relative(root, path).split(sep).join('/');
    for (const match of text.matchAll(CLASS_HEAD)) {
      const bodyStart = (match.index ?? 0) + match[0].length;
      const body = text.slice(bodyStart, closingBrace(text, bodyStart));
      const ownBody = stripNestedBlocks(body);
      all.push({
        file,
        className: match[4]!,
        baseName: match[5]!,
        exported: match[2] !== undefined,
        abstract: match[3] !== undefined,
        nameLiteral: /override\s+readonly\s+name\s*=\s*'([^']*)'/.exec(ownBody)?.[1],
        declaresDisposition: /static\s+readonly\s+disposition\s*=/.test(ownBody),
        area: areaOf(file),
      });
    }
  }
  const errorNames = new Set(['Error', 'BrokerlinkError']);
  let grew = true;
  while (grew) {
    grew = false;
    for (const declared of all) {
      if (!errorNames.has(declared.className) && errorNames.has(declared.baseName)) {
        errorNames.add(declared.className);
        grew = true;
      }
    }
  }
  return all.filter((declared) => errorNames.has(declared.baseName) && declared.className !== 'BrokerlinkError');
}

/** Index of the `}` that closes the block whose body starts at `start` (just after its `{`). */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  let i = start;
  const templates: number[] = [];
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) return text.length;
      continue;
    }
    if (c === '/' && next === '*') {
      i = text.indexOf('*/', i + 2) + 2;
      if (i < 2) return text.length;
      continue;
    }
    if (c === "'" || c === '"') {
      i = skipString(text, i, c);
      continue;
    }
    if (c === '`') {
      i = skipTemplate(text, i + 1, templates, depth);
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') {
      if (templates.length > 0 && templates.at(-1) === depth) {
        templates.pop();
        i = skipTemplate(text, i + 1, templates, depth);
        continue;
      }
      depth--;
      if (depth === 0) return i;
    }
    i++;
  }
  return text.length;
}

function skipString(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Skips template text from `start` to its closing backtick, or to a `${`, whose depth is pushed on `templates`. */
function skipTemplate(text: string, start: number, templates: number[], depth: number): number {
  let i = start;
  while (i < text.length) {
    if (text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text[i] === '`') return i + 1;
    if (text[i] === '$' && text[i + 1] === '{') {
      templates.push(depth + 1);
      return i + 2;
    }
    i++;
  }
  return i;
}

/** The class body without the bodies of its methods, so only the class's own member declarations remain. */
function stripNestedBlocks(body: string): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    if (body[i] === '{') {
      const end = closingBrace(body, i + 1);
      out += '{}';
      i = end + 1;
      continue;
    }
    out += body[i];
    i++;
  }
  return out;
}
