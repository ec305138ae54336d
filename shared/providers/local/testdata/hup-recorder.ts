/*
 * TEST STAND-IN for a test broker process, used only to exercise restart-testbroker.sh on its own: like
 * testkit/kafka/cli.ts it is started with `--properties <file>`, writes its pid to `<file>.pid`, treats SIGHUP as
 * "restart" (here: appends a line to `<file>.restarts`) and exits on SIGTERM.
 */
import { appendFileSync, unlinkSync, writeFileSync } from 'node:fs';

const index = process.argv.indexOf('--properties');
const props = index >= 0 ? process.argv[index + 1] : undefined;
if (props === undefined) {
  process.stderr.write('usage: hup-recorder.ts --properties <file>\n');
  process.exit(2);
}
writeFileSync(`${props}.pid`, `${process.pid}\n`);
process.on('SIGHUP', () => appendFileSync(`${props}.restarts`, 'restart\n'));
process.on('SIGTERM', () => {
  unlinkSync(`${props}.pid`);
  process.exit(0);
});
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
