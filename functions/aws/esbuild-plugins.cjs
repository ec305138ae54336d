/*
 * esbuild plugins for the Lambda bundles (serverless.yml: custom.esbuild.plugins; bench/aws-bundle.ts uses the same).
 *
 * @platformatic/wasm-utils (crc32c and compression codecs of @platformatic/kafka) reads `../dist/native.wasm` next to
 * its own module at import time, a file a single-file bundle does not have: the function would fail at init with
 * ENOENT. The package also ships `@platformatic/wasm-utils/bundled`, the same module with the WebAssembly embedded;
 * the bundles use that one.
 */
module.exports = [
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
