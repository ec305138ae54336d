/**
 * brokerlink-writer.sh as a file on disk, for runners that execute it from there: the local provider and test
 * fakes. Not for Lambda paths (a bundle has no file beside it; the command documents ship `writerScriptText()` of
 * ./protocol.ts instead): esbuild keeps `new URL(..., import.meta.url)` in any bundle that imports this module, and
 * the bundle checks (functions/aws/bundle-assets.test.ts, test/aws/artifact.test.ts) fail on it.
 */
export const WRITER_SCRIPT_URL: URL = new URL('./brokerlink-writer.sh', import.meta.url);
