/*
 * esbuild plugins for the Lambda bundles (serverless.yml: custom.esbuild.plugins; bench/aws-bundle.ts and
 * functions/aws/bundle-assets.test.ts use the same).
 *
 * A Lambda zip holds the bundle and its chunks, nothing else: a module that reads a file from beside itself at run
 * time fails there with ENOENT (issue 10: brokerlink-writer.sh, read by every SSM command, made every config push
 * end in UnexpectedError). Two plugins make sure no bundle does:
 *
 * brokerlink-inline-assets: in the project's own sources, `readFileSync(new URL('./<file>', import.meta.url), 'utf8')`
 * — exactly this form, with a relative literal — is replaced by the file's text as a string literal at build time.
 * A missing file fails the build. Any other way of reading a file next to the code is left as it is, and the
 * bundle check (test/aws/artifact.test.ts, functions/aws/bundle-assets.test.ts) fails on the `new URL(...,
 * import.meta.url)` it leaves in the bundle.
 *
 * brokerlink-wasm-utils-bundled: @platformatic/wasm-utils (crc32c and compression codecs of @platformatic/kafka)
 * reads `../dist/native.wasm` next to its own module at import time. The package also ships
 * `@platformatic/wasm-utils/bundled`, the same module with the WebAssembly embedded; the bundles use that one.
 */
const { readFile } = require('node:fs/promises');
const { dirname, resolve, sep } = require('node:path');

const PROJECT = resolve(__dirname, '..', '..');
const INLINE_READ =
  /readFileSync\(\s*new URL\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*,\s*import\.meta\.url\s*\)\s*,\s*(['"])utf-?8\3\s*\)/g;

module.exports = [
  {
    name: 'brokerlink-inline-assets',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(PROJECT + sep) || args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const assets = [];
        for (const match of source.matchAll(INLINE_READ)) assets.push(resolve(dirname(args.path), match[2]));
        if (assets.length === 0) return undefined;
        const texts = await Promise.all(assets.map((asset) => readFile(asset, 'utf8')));
        let index = 0;
        const contents = source.replace(INLINE_READ, () => JSON.stringify(texts[index++]));
        return { contents, loader: 'ts', watchFiles: assets };
      });
    },
  },
  {
    name: 'brokerlink-wasm-utils-bundled',
    setup(build) {
      build.onResolve({ filter: /^@platformatic\/wasm-utils$/ }, async (args) => {
        const result = await build.resolve('@platformatic/wasm-utils/bundled', {
          kind: args.kind,
          resolveDir: args.resolveDir,
        });
        return result.errors.length > 0 ? { errors: result.errors } : { path: result.path };
      });
    },
  },
];
