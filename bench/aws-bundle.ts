/**
 * Benchmark: Lambda bundle size and module init time of every AWS function (serverless.yml's esbuild settings:
 * bundle, minify, ESM, node22, the require banner). Init time = importing the bundle in a fresh Node process (what a
 * cold start pays after the runtime is up), median of N processes per function. Also the size with the AWS SDK v3
 * left out (provided by the nodejs22.x runtime) for comparison. Prints one JSON line (targets: every bundle
 * ≤ 1.5 MB, median init ≤ 150 ms).
 *
 *   npx node bench/aws-bundle.ts [runs=5]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const runs = Number(process.argv[2] ?? 5);
const repo = fileURLToPath(new URL('..', import.meta.url));
const source = join(repo, 'functions', 'aws');
// Inside the repository so that, for the SDK-external variant, bare imports resolve to node_modules.
const out = join(repo, '.esbuild', `bench-aws-${process.pid}`);
const BANNER =
  "import { createRequire as __brokerlinkCreateRequire } from 'node:module'; const require = __brokerlinkCreateRequire(import.meta.url);";

const plugins = createRequire(import.meta.url)('../functions/aws/esbuild-plugins.cjs');

const functions = readdirSync(source)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => name.slice(0, -3))
  .filter(
    (name) =>
      /^[a-z][A-Za-z]+$/.test(name) &&
      !['config', 'deps', 'errors', 'log', 'middleware', 'notifier', 'runtime', 'triggers'].includes(name),
  )
  .filter((name) => name !== 'task-handler');

/** Bundles one function as serverless.yml does (code splitting: lazily loaded pieces are chunks of their own). */
async function bundle(name: string, dir: string, external: string[]): Promise<{ entry: string; bytes: number }> {
  const outdir = join(dir, name);
  await build({
    entryPoints: [join(source, `${name}.ts`)],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    banner: { js: BANNER },
    external,
    plugins,
    outdir,
    logLevel: 'error',
  });
  // What ships: the entry file and every chunk it may load.
  const bytes = readdirSync(outdir).reduce((sum, file) => sum + statSync(join(outdir, file)).size, 0);
  return { entry: join(outdir, `${name}.mjs`), bytes };
}

function initMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, AWS_REGION: 'us-west-2', AWS_LAMBDA_FUNCTION_NAME: 'bench' },
  });
  return Number(output.toString());
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const round = (value: number) => Math.round(value * 10) / 10;

mkdirSync(join(out, 'bundled'), { recursive: true });
mkdirSync(join(out, 'sdk-external'), { recursive: true });
try {
  type Figures = { bytes: number; bytesSdkExternal: number; initMedianMs: number; initMedianMsSdkExternal: number };
  const results: Record<string, Figures> = {};
  for (const name of functions) {
    const bundled = await bundle(name, join(out, 'bundled'), []);
    const external = await bundle(name, join(out, 'sdk-external'), ['@aws-sdk/*', '@smithy/*']);
    results[name] = {
      bytes: bundled.bytes,
      bytesSdkExternal: external.bytes,
      initMedianMs: round(median(Array.from({ length: runs }, () => initMs(bundled.entry)))),
      initMedianMsSdkExternal: round(median(Array.from({ length: runs }, () => initMs(external.entry)))),
    };
  }
  const all = Object.values(results);
  const pick = (key: keyof Figures) => all.map((figures) => figures[key]);
  console.log(
    JSON.stringify({
      bench: 'aws-bundle',
      functions: all.length,
      runsPerFunction: runs,
      deployed: 'sdk-external (serverless.yml custom.esbuild.exclude)',
      maxBytes: Math.max(...pick('bytesSdkExternal')),
      medianInitMs: round(median(pick('initMedianMsSdkExternal'))),
      maxInitMs: Math.max(...pick('initMedianMsSdkExternal')),
      sdkBundled: { maxBytes: Math.max(...pick('bytes')), medianInitMs: round(median(pick('initMedianMs'))) },
      targetBytes: 1_500_000,
      targetInitMs: 150,
      okSize: Math.max(...pick('bytesSdkExternal')) <= 1_500_000,
      okInit: median(pick('initMedianMsSdkExternal')) <= 150,
      perFunction: results,
    }),
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
