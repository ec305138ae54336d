import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { writerScriptText } from '../../shared/broker-writer/protocol.ts';
import { assetReferencesIn, deployedFunctions } from './testing/bundle-check.ts';

/*
 * The fast half of "no asset is read from disk at run time" (the packaged, executed half is
 * test/aws/artifact.test.ts): every function bundled in memory with serverless.yml's esbuild settings and plugins,
 * and no bundle may still name a file beside itself.
 */

const plugins = createRequire(import.meta.url)('./esbuild-plugins.cjs') as Plugin[];
const DIR = new URL('.', import.meta.url).pathname;

async function bundle(entryPoints: string[]) {
  const result = await build({
    entryPoints,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    external: ['@aws-sdk/*', '@smithy/*'],
    plugins,
    outdir: join(DIR, '.bundle-check-out'),
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles;
}

describe('Lambda bundles carry their assets', () => {
  it('no deployed function bundle names a file beside itself, and the writer script is inlined', async () => {
    const names = deployedFunctions();
    expect(names.length).toBeGreaterThanOrEqual(16);
    const outputs = await bundle(names.map((name) => join(DIR, `${name}.ts`)));
    const references = outputs.flatMap((file) => assetReferencesIn(file.text).map((ref) => `${file.path}: ${ref}`));
    expect(references).toEqual([]);
    // The SSM document embeds the script at run time: the bundle carries its text as a string literal.
    const line = writerScriptText().split('\n')[1]!;
    expect(line).toContain('brokerlink-writer');
    expect(outputs.some((file) => file.text.includes(line))).toBe(true);
  }, 60_000);

  it('the check finds a file read the plugin does not inline (any form but the literal one)', async () => {
    const outputs = await bundle([join(DIR, 'testing', 'fixtures', 'reads-asset.ts')]);
    const references = outputs.flatMap((file) => assetReferencesIn(file.text));
    expect(references).toEqual(['new URL("./asset.txt",import.meta.url)']);
    // ...while the literal form in the same module was inlined.
    expect(outputs.some((file) => file.text.includes('inlined asset text'))).toBe(true);
  });
});
