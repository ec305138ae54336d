/*
 * Test helper run as a separate process by state-file.test.ts: applies `count` openPort actions
 * (ports from..from+count-1) to the ledger, one read-modify-write each, to race another process doing the same.
 */
import { applyLocalAction, updateLocalState } from '../state-file.ts';

const [file, fromText, countText] = process.argv.slice(2);
if (file === undefined || fromText === undefined || countText === undefined) {
  process.stderr.write('usage: applier.ts <stateFile> <fromPort> <count>\n');
  process.exit(2);
}
const from = Number(fromText);
const count = Number(countText);
for (let i = 0; i < count; i += 1) {
  await updateLocalState(file, (s) => applyLocalAction(s, { kind: 'openPort', port: from + i, cidrs: [] }), {
    lockTimeoutMs: 30_000,
  });
}
process.stdout.write('done\n');
