import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_SPECS, LOCAL_SPEC } from '../shared/spec/testing/bad-specs.ts';
import { EXIT } from './errors.ts';
import { main } from './main.ts';

/*
 * The bad-spec corpus (shared/spec/testing/bad-specs.ts) through the CLI: every case in-process through `main`
 * (validate, and plan for a few), and the cases marked `cli` through the real process (`bin/brokerlink.js` on this
 * Node), each exiting 1 with every issue as "  - <path>: <message>" on stderr.
 */

const BIN = fileURLToPath(new URL('../bin/brokerlink.js', import.meta.url));

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

function runProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...argv], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const issueLine = (path: string) => `  - ${path || '(root)'}: `;

describe('brokerlink validate on the bad-spec corpus', () => {
  let dir: string;
  const files = new Map<string, string>();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-bad-specs-'));
    await Promise.all(
      BAD_SPECS.map(async (badSpec, index) => {
        const file = join(dir, `case-${index}.yaml`);
        await writeFile(file, badSpec.spec);
        files.set(badSpec.name, file);
      }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(BAD_SPECS.map((c) => [c.name, c] as const))('exits 1 naming the path: %s', async (_name, badSpec) => {
    const result = await run(['validate', files.get(badSpec.name)!]);
    expect(result.code).toBe(EXIT.problem);
    for (const path of badSpec.paths) expect(result.stderr).toContain(issueLine(path));
    expect(result.stderr).toContain(badSpec.message);
  });

  it('prints the same issues as one JSON document with --json', async () => {
    for (const badSpec of BAD_SPECS.filter((c) => c.cli)) {
      const result = await run(['validate', files.get(badSpec.name)!, '--json']);
      expect(result.code).toBe(EXIT.problem);
      const parsed = JSON.parse(result.stdout) as { ok: boolean; issues: { path: string; message: string }[] };
      expect(parsed.ok).toBe(false);
      expect(parsed.issues.map((issue) => issue.path)).toEqual(badSpec.paths);
    }
  });

  it('refuses a bad spec the same way in plan, before observing anything', async () => {
    for (const badSpec of BAD_SPECS.filter((c) => c.cli)) {
      const result = await run(['plan', files.get(badSpec.name)!, '--observed', join(dir, 'never-read.json')]);
      expect(result.code).toBe(EXIT.problem);
      expect(result.stderr).toContain(issueLine(badSpec.paths[0]!));
    }
  });

  it.each(BAD_SPECS.filter((c) => c.cli).map((c) => [c.name, c] as const))(
    'the real CLI process exits 1 naming the path: %s',
    async (_name, badSpec) => {
      const result = await runProcess(['validate', files.get(badSpec.name)!]);
      expect(result.code).toBe(EXIT.problem);
      for (const path of badSpec.paths) expect(result.stderr).toContain(issueLine(path));
      expect(result.stderr).toContain(badSpec.message);
      expect(result.stderr).not.toMatch(/at .*\.ts:\d+|ReferenceError|RangeError|TypeError/); // no stack, no crash
    },
  );

  it('the real CLI process accepts the corpus base spec (exit 0)', async () => {
    const file = join(dir, 'base.yaml');
    await writeFile(file, LOCAL_SPEC);
    expect(await runProcess(['validate', file])).toMatchObject({ code: EXIT.ok });
  });
});
