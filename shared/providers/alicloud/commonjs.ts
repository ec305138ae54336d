/**
 * The `module.exports` of a CommonJS package (compiled TypeScript, `exports.default` = the client class), however
 * the importer exposes it: Node's ESM loader puts it on `default`, bundlers and vitest may hand it over as the
 * namespace itself. Import with `import * as ns` and pass the namespace here.
 */
export function commonJs<T extends object>(
  namespace: T,
): T extends { default: infer M } ? (M extends { default: unknown } ? M : T) : T {
  const candidate = (namespace as { default?: unknown }).default;
  const hasNestedDefault =
    typeof candidate === 'object' && candidate !== null && 'default' in candidate && Object.keys(candidate).length > 1;
  return (hasNestedDefault ? candidate : namespace) as never;
}
