/**
 * Runs inputs through the real `java.util.Properties` (see PropertiesOracle.java) when a JDK is installed.
 * Test helper only; the machine image of this project has OpenJDK 17.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type OracleResult = { ok: [string, string][] } | { error: string };

export const javaAvailable: boolean = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;

const source = fileURLToPath(new URL('./PropertiesOracle.java', import.meta.url));

/** Loads every input (latin1 text, one char per byte) with java.util.Properties in one JVM run. */
export function javaLoad(inputs: readonly string[]): OracleResult[] {
  const stdin = inputs.map((text) => Buffer.from(text, 'latin1').toString('base64')).join('\n') + '\n';
  const run = spawnSync('java', [source], { input: stdin, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`java oracle failed (${run.status}): ${run.stderr}`);
  const lines = run.stdout.split('\n').filter((l) => l.length > 0);
  if (lines.length !== inputs.length)
    throw new Error(`java oracle answered ${lines.length} of ${inputs.length} inputs`);
  return lines.map((l) => JSON.parse(l) as OracleResult);
}
