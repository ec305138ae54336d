/**
 * TEST FAKE entry point — runs one Kafka-protocol test broker (see broker.ts) in its own cluster view, as a
 * stand-in for a broker process: `node testkit/kafka/cli.ts --properties server.properties [--restart-delay-ms N]`.
 * Writes `<properties>.pid`, prints one JSON line `{"nodeId":..,"ports":{..}}` on stdout once listening (and again
 * after every restart). SIGHUP restarts (re-reading the file), SIGTERM/SIGINT exit cleanly and remove the pid file.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startTestBroker, type TestBroker } from './broker.ts';
import { TestCluster } from './cluster.ts';

const USAGE =
  'usage: cli.ts --properties <file> [--restart-delay-ms N] [--host-address 127.x.y.z] [--cluster-id ID] [--tls-cert file --tls-key file] [--sasl-user name=password ...]';

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse().values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (!values.properties) {
    process.stderr.write(`--properties is required\n${USAGE}\n`);
    process.exit(2);
  }
  const hostAddress = values['host-address'];
  if (hostAddress !== undefined && !/^127(?:\.\d{1,3}){3}$/.test(hostAddress)) {
    process.stderr.write(`--host-address must be a loopback IPv4 address (127.x.y.z)\n`);
    process.exit(2);
  }
  const restartDelayMs = values['restart-delay-ms'] === undefined ? undefined : Number(values['restart-delay-ms']);
  if (restartDelayMs !== undefined && !(Number.isInteger(restartDelayMs) && restartDelayMs >= 0)) {
    process.stderr.write(`--restart-delay-ms must be a non-negative integer\n`);
    process.exit(2);
  }
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) {
    process.stderr.write('--tls-cert and --tls-key go together\n');
    process.exit(2);
  }
  const users: Record<string, string> = {};
  for (const u of values['sasl-user'] ?? []) {
    const eq = u.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`--sasl-user takes name=password, got "${u}"\n`);
      process.exit(2);
    }
    users[u.slice(0, eq)] = u.slice(eq + 1);
  }
  const cluster = new TestCluster({ clusterId: values['cluster-id'] });
  const pidFile = `${values.properties}.pid`;
  let broker: TestBroker;
  try {
    broker = await startTestBroker({
      propertiesPath: values.properties,
      cluster,
      restartDelayMs,
      ...(hostAddress === undefined ? {} : { hostAddress }),
      tls: values['tls-cert']
        ? { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']!) }
        : undefined,
      sasl: Object.keys(users).length > 0 ? { users } : undefined,
    });
  } catch (err) {
    process.stderr.write(`test broker failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  const announce = (): void => {
    process.stdout.write(`${JSON.stringify({ nodeId: broker.nodeId, ports: broker.ports })}\n`);
  };
  announce();

  let restarting: Promise<void> | null = null;
  process.on('SIGHUP', () => {
    if (restarting) return;
    restarting = broker
      .restart()
      .then(announce, (err: Error) => {
        process.stderr.write(`restart failed: ${err.message}\n`);
      })
      .finally(() => {
        restarting = null;
      });
  });
  const shutdown = async () => {
    await broker.close();
    cluster.close();
    rmSync(pidFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

function parse() {
  return parseArgs({
    options: {
      properties: { type: 'string' },
      'restart-delay-ms': { type: 'string' },
      'host-address': { type: 'string' },
      'cluster-id': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'sasl-user': { type: 'string', multiple: true },
    },
    strict: true,
  });
}

await main();
