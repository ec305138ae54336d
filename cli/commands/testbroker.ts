import { ProblemFound } from '../errors.ts';
import type { Output } from '../io.ts';
import { runScript } from '../run-script.ts';

export const usage =
  'brokerlink testbroker --properties <file> [--properties <file> ...] [--host-address 127.x.y.z ...] [--topic name:partitions:rf:minIsr] [--restart-delay-ms <n>]';

/**
 * A Kafka-protocol test broker (testkit/kafka) for trying brokerlink by hand: it binds the listeners of the
 * given server.properties, writes <file>.pid, restarts (re-reading the file) on SIGHUP and exits on SIGTERM.
 */
export async function testBrokerCommand(argv: string[], _io: Output): Promise<void> {
  const code = await runScript('testkit/kafka/cli.ts', argv);
  if (code !== 0) throw new ProblemFound(`test broker exited with ${code}`);
}
