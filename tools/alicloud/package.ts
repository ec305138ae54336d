/**
 * Builds the Function Compute code package: functions/alicloud/index.ts bundled with esbuild for the nodejs20
 * runtime (CommonJS, every dependency inside: the FC runtime brings no Alibaba SDK), zipped as index.js.
 * `npm run package:alicloud` writes dist/alicloud/brokerlink-fc.zip and prints its SHA-256.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { zip } from './zip.ts';

// The Lambda bundles' plugins, for the same two reasons: the writer script is read from beside its module
// (inlined at build time), and @platformatic/wasm-utils reads a .wasm file beside its own (its `bundled` form
// embeds it). A code package holds index.js only: any such read would fail on Function Compute.
const plugins = createRequire(import.meta.url)('../../functions/aws/esbuild-plugins.cjs') as Plugin[];

export const PACKAGE_FILE = new URL('../../dist/alicloud/brokerlink-fc.zip', import.meta.url);

export async function bundle(): Promise<Buffer> {
  const result = await build({
    entryPoints: [new URL('../../functions/alicloud/index.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    // ali-oss's urllib requires proxy-agent only when an HTTP proxy is configured (not on Function Compute).
    external: ['proxy-agent'],
    plugins,
    // CommonJS has no import.meta: @platformatic/kafka calls createRequire(import.meta.url) when its schema
    // registry module loads (and for the optional native crc32c); the bundle's own file URL stands in for it.
    define: { 'import.meta.url': '__brokerlinkModuleUrl' },
    banner: { js: 'var __brokerlinkModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  return Buffer.from(result.outputFiles[0]!.contents);
}

let built: Promise<Buffer> | undefined;

/** The package of this checkout (built once per process: the sources do not change while it runs). */
export async function packageFunctions(): Promise<{ zip: Buffer; sha256: string }> {
  built ??= bundle();
  const code = await built;
  const archive = zip([{ name: 'index.js', data: code }]);
  return { zip: archive, sha256: createHash('sha256').update(archive).digest('hex') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { zip: archive, sha256 } = await packageFunctions();
  await mkdir(new URL('.', PACKAGE_FILE), { recursive: true });
  await writeFile(PACKAGE_FILE, archive);
  process.stdout.write(`wrote dist/alicloud/brokerlink-fc.zip (${archive.length} bytes, sha256 ${sha256})\n`);
}
