import { ScriptExited } from '../errors.ts';
import type { Output } from '../io.ts';
import { runScript } from '../run-script.ts';

/**
 * A Kafka-protocol test broker (testkit/kafka) for trying brokerlink by hand: it binds the listeners of the
 * given server.properties, writes <file>.pid, restarts (re-reading the file) on SIGHUP and exits on SIGTERM.
 */
export async function testBrokerCommand(argv: string[], _io: Output): Promise<void> {
  const code = await runScript('testkit/kafka/cli.ts', argv, 'brokerlink testbroker');
  if (code !== 0) throw new ScriptExited(code, 'test broker');
}
