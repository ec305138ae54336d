/**
 * The local load balancer as a process:
 *   node shared/providers/local/lb-main.ts --state <file> [--host 127.0.0.1] [--poll-ms 500]
 * Serves the ledger until SIGTERM/SIGINT. Prints one JSON line per served version to stdout
 * ({"event":"served",...}) and errors to stderr; appliers in other processes wait on `<file>.served.json`.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalLoadBalancer } from './load-balancer-daemon.ts';

// Run as `brokerlink local-lb`, it is named so in its usage (the CLI sets BROKERLINK_COMMAND).
const USAGE = `usage: ${process.env['BROKERLINK_COMMAND'] ?? 'lb-main.ts'} --state <file> [--host 127.x.y.z] [--poll-ms <ms>]`;

async function main(): Promise<void> {
  let values: { state?: string; host?: string; 'poll-ms'?: string };
  try {
    ({ values } = parseArgs({
      options: { state: { type: 'string' }, host: { type: 'string' }, 'poll-ms': { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.state === undefined) {
    process.stderr.write(`--state is required\n${USAGE}\n`);
    process.exit(2);
  }
  const host = values.host ?? '127.0.0.1';
  if (!/^127(?:\.\d{1,3}){3}$/.test(host)) {
    process.stderr.write(`--host must be a loopback IPv4 address (127.x.y.z), got ${host}\n`);
    process.exit(2);
  }
  const pollIntervalMs = values['poll-ms'] === undefined ? 500 : Number(values['poll-ms']);
  if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 10) {
    process.stderr.write(`--poll-ms must be a whole number ≥ 10\n`);
    process.exit(2);
  }
  const stateFile = resolve(values.state);
  let lastVersion = Number.NaN;
  const report = (): void => {
    const served = daemon.served();
    if (served.version === lastVersion) return;
    lastVersion = served.version;
    process.stdout.write(`${JSON.stringify({ event: 'served', stateFile, ...served })}\n`);
  };
  const daemon = await startLocalLoadBalancer({
    stateFile,
    host,
    pollIntervalMs,
    onError: (err) =>
      process.stderr.write(`${JSON.stringify({ event: 'error', name: err.name, message: err.message })}\n`),
  });
  report();
  const reporter = setInterval(report, pollIntervalMs);
  const stop = (): void => {
    clearInterval(reporter);
    daemon.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await main();
