import { readFileSync } from 'node:fs';

/*
 * Test support: what the bundle checks look for. A Lambda zip holds the bundle and its chunks only, so a bundle
 * must not reach for a file beside itself. esbuild keeps every `new URL('<relative>', import.meta.url)` it sees
 * (it is how code names a file next to a module), so such a URL left in a bundle is exactly a run-time asset read
 * that the `brokerlink-inline-assets` plugin (functions/aws/esbuild-plugins.cjs) did not inline.
 */

const FILE_URL = /new URL\(\s*["'`][^"'`]+["'`]\s*,\s*import\.meta\.url\s*\)/g;

/** Every file URL relative to the bundle in a bundle's text (empty when the bundle reads no asset). */
export function assetReferencesIn(text: string): string[] {
  return [...text.matchAll(FILE_URL)].map((match) => match[0]);
}

/** The functions serverless.yml deploys (`handler: functions/aws/<name>.handler`). */
export function deployedFunctions(): string[] {
  const text = readFileSync(new URL('../../../serverless.yml', import.meta.url), 'utf8');
  return [...text.matchAll(/^\s+handler: functions\/aws\/([A-Za-z]+)\.handler$/gm)].map((match) => match[1]!);
}
