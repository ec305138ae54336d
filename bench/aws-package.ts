/**
 * Benchmark: the packaged AWS functions as they ship. `osls package` (test/aws/osls.ts: offline, a temporary copy
 * of the repository), then per function zip: its size, its unzipped size, and its cold init — a fresh Node 22
 * process per run, cwd and LAMBDA_TASK_ROOT the unzipped code, nothing on the module path but the AWS SDK v3 scopes
 * (what the nodejs22.x runtime provides, resolved as test/aws/lambda-runtime.ts does), importing the handler file.
 * `initMs` is the import alone (what a cold start pays after the runtime is up); `processMs` is spawn to exit
 * (Node's own start-up included). Medians of N runs. Heavy (osls builds every bundle, then 5 processes per
 * function): on a shared machine, take the heavy lock first. Prints one JSON line.
 *
 *   npx node bench/aws-package.ts [runs=5]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageService, REPO } from '../test/aws/osls.ts';

const runs = Number(process.argv[2] ?? 5);
const SDK_SCOPES = ['@aws-sdk', '@smithy', '@aws-crypto'];

/** The child: registers the runtime's resolve fallback (bare imports → NODE_PATH), then times the handler import. */
const CHILD = `import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
const paths = (process.env.NODE_PATH ?? '').split(':').filter(Boolean).map((dir) => pathToFileURL(dir + '/index.js').href);
register('data:text/javascript,' + encodeURIComponent(\`
  let paths = [];
  export function initialize(data) { paths = data.paths; }
  export async function resolve(specifier, context, next) {
    try { return await next(specifier, context); } catch (error) {
      const bare = !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.includes(':');
      if (!bare || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
      for (const path of paths) { try { return await next(specifier, { ...context, parentURL: path }); } catch {} }
      throw error;
    }
  }\`), import.meta.url, { data: { paths } });
const handler = process.env._HANDLER;
const file = process.env.LAMBDA_TASK_ROOT + '/' + handler.slice(0, handler.lastIndexOf('.')) + '.mjs';
const started = performance.now();
const module = await import(pathToFileURL(file).href);
const ms = performance.now() - started;
if (typeof module[handler.slice(handler.lastIndexOf('.') + 1)] !== 'function') throw new Error('no handler in ' + file);
process.stdout.write(String(ms));
`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number) => Math.round(value * 10) / 10;
const sizeOf = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, entry) => sum + (entry.isDirectory() ? sizeOf(join(dir, entry.name)) : statSync(join(dir, entry.name)).size),
    0,
  );

const packaged = await packageService({ kafkaSubnetIds: 'subnet-0aaa1111', kafkaSecurityGroupIds: 'sg-0ccc3333' });
const root = mkdtempSync(join(tmpdir(), 'brokerlink-bench-package-'));
try {
  const sdk = join(root, 'runtime', 'node_modules');
  mkdirSync(sdk, { recursive: true });
  for (const scope of SDK_SCOPES) symlinkSync(join(REPO, 'node_modules', scope), join(sdk, scope));
  const child = join(root, 'runtime', 'init.mjs');
  writeFileSync(child, CHILD);

  type Figures = { zipBytes: number; unzippedBytes: number; initMs: number; processMs: number };
  const results: Record<string, Figures> = {};
  for (const resource of Object.values(packaged.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const handler = resource.Properties['Handler'] as string;
    const name = handler.split('/').pop()!.split('.')[0]!;
    const zip = join(packaged.out, `${name}.zip`);
    const code = join(root, 'task', name);
    mkdirSync(code, { recursive: true });
    execFileSync('unzip', ['-q', '-o', zip, '-d', code]);
    const env = {
      PATH: process.env['PATH'] ?? '',
      NODE_PATH: sdk,
      LAMBDA_TASK_ROOT: code,
      _HANDLER: handler,
      AWS_REGION: 'us-west-2',
      AWS_LAMBDA_FUNCTION_NAME: name,
    };
    const init: number[] = [];
    const wall: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      const output = execFileSync(process.execPath, [child], { cwd: code, env, timeout: 30_000 });
      wall.push(performance.now() - started);
      init.push(Number(output.toString()));
    }
    results[name] = {
      zipBytes: statSync(zip).size,
      unzippedBytes: sizeOf(code),
      initMs: round(median(init)),
      processMs: round(median(wall)),
    };
  }
  const all = Object.entries(results);
  const of = (key: keyof Figures) => all.map(([, figures]) => figures[key]);
  console.log(
    JSON.stringify({
      bench: 'aws-package',
      node: process.version,
      functions: all.length,
      runsPerFunction: runs,
      maxZipBytes: Math.max(...of('zipBytes')),
      maxUnzippedBytes: Math.max(...of('unzippedBytes')),
      medianInitMs: round(median(of('initMs'))),
      maxInitMs: Math.max(...of('initMs')),
      medianProcessMs: round(median(of('processMs'))),
      perFunction: results,
    }),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
  await packaged.close();
}
