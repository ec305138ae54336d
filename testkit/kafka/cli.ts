/**
 * TEST FAKE entry point — runs Kafka-protocol test brokers (see broker.ts) as stand-ins for broker processes. Every
 * `--properties` file is one broker; brokers started together share one cluster view (live brokers, topics, ISR),
 * so several of them form a cluster; `--host-address` (one, or one per broker) is the "host" each plays.
 *   node testkit/kafka/cli.ts --properties a.properties --host-address 127.0.0.11 --properties b.properties ...
 * Per broker it writes `<properties>.pid` and `<properties>.control` (the restart control port that
 * restart-testbroker.sh talks to), and prints one JSON line `{"nodeId":..,"ports":{..}}` once listening and again
 * after every restart. SIGHUP restarts every broker (re-reading its file); SIGTERM/SIGINT exit cleanly.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startTestBroker, type TestBroker } from './broker.ts';
import { TestCluster } from './cluster.ts';
import { type RestartControl, startRestartControl } from './control.ts';

// Run as `brokerlink testbroker`, it is named so in its usage (the CLI sets BROKERLINK_COMMAND).
const USAGE = `usage: ${process.env['BROKERLINK_COMMAND'] ?? 'cli.ts'} --properties <file> [--properties <file> ...] [--host-address 127.x.y.z ...] [--topic name:partitions:rf:minIsr ...] [--restart-delay-ms N] [--cluster-id ID] [--tls-cert file --tls-key file] [--sasl-user name=password ...]`;

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
  const propertiesPaths = values.properties;
  const hostAddresses = values['host-address'] ?? [];
  if (hostAddresses.length > 1 && hostAddresses.length !== propertiesPaths.length) {
    process.stderr.write('give one --host-address per --properties (or one for all)\n');
    process.exit(2);
  }
  for (const address of hostAddresses) {
    if (!/^127(?:\.\d{1,3}){3}$/.test(address)) {
      process.stderr.write(`--host-address must be a loopback IPv4 address (127.x.y.z), got ${address}\n`);
      process.exit(2);
    }
  }
  const topics = (values.topic ?? []).map(parseTopic);
  const cluster = new TestCluster({ clusterId: values['cluster-id'] });
  const running: { broker: TestBroker; control: RestartControl; pidFile: string }[] = [];
  const announce = (broker: TestBroker): void => {
    process.stdout.write(`${JSON.stringify({ nodeId: broker.nodeId, ports: broker.ports })}\n`);
  };
  try {
    for (const [index, propertiesPath] of propertiesPaths.entries()) {
      const hostAddress = hostAddresses[hostAddresses.length === 1 ? 0 : index];
      const broker = await startTestBroker({
        propertiesPath,
        cluster,
        restartDelayMs,
        ...(hostAddress === undefined ? {} : { hostAddress }),
        tls: values['tls-cert']
          ? { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']!) }
          : undefined,
        sasl: Object.keys(users).length > 0 ? { users } : undefined,
      });
      const control = await startRestartControl({
        broker,
        propertiesPath,
        ...(restartDelayMs === undefined ? {} : { restartDelayMs }),
        start: () => broker.start().then(() => announce(broker)),
        onStartError: (err) => process.stderr.write(`restart of broker ${broker.nodeId} failed: ${err.message}\n`),
      });
      const pidFile = `${propertiesPath}.pid`;
      writeFileSync(pidFile, `${process.pid}\n`);
      running.push({ broker, control, pidFile });
      announce(broker);
    }
    for (const topic of topics) {
      cluster.createTopic(topic.name, topic.partitions, {
        replicationFactor: Math.min(topic.replicationFactor, running.length),
        minInsyncReplicas: topic.minInsyncReplicas,
      });
    }
  } catch (err) {
    process.stderr.write(`test broker failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  }

  let restarting: Promise<void> | null = null;
  process.on('SIGHUP', () => {
    if (restarting) return;
    restarting = Promise.all(
      running.map(({ broker }) =>
        broker.restart().then(
          () => announce(broker),
          (err: Error) => process.stderr.write(`restart failed: ${err.message}\n`),
        ),
      ),
    )
      .then(() => undefined)
      .finally(() => {
        restarting = null;
      });
  });
  const shutdown = async () => {
    for (const { broker, control, pidFile } of running) {
      await control.close();
      await broker.close();
      rmSync(pidFile, { force: true });
    }
    cluster.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** `name:partitions:replicationFactor:minInsyncReplicas`, e.g. `orders:6:3:2`. */
function parseTopic(text: string) {
  const match = /^([A-Za-z0-9._-]{1,249}):(\d{1,4}):(\d{1,2}):(\d{1,2})$/.exec(text);
  if (match === null) {
    process.stderr.write(`--topic takes name:partitions:replicationFactor:minInsyncReplicas, got "${text}"\n`);
    process.exit(2);
  }
  return {
    name: match[1]!,
    partitions: Number(match[2]),
    replicationFactor: Number(match[3]),
    minInsyncReplicas: Number(match[4]),
  };
}

function parse() {
  return parseArgs({
    options: {
      properties: { type: 'string', multiple: true },
      'restart-delay-ms': { type: 'string' },
      'host-address': { type: 'string', multiple: true },
      topic: { type: 'string', multiple: true },
      'cluster-id': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'sasl-user': { type: 'string', multiple: true },
    },
    strict: true,
  });
}

await main();
