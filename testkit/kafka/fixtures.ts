/**
 * Helpers to stand up test brokers from generated server.properties files in a temp directory.
 * `startTestCluster` starts N KRaft combined-mode nodes (or ZooKeeper-mode brokers) sharing one TestCluster.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBroker, type TestBroker, type TestBrokerSasl, type TestBrokerTls } from './broker.ts';
import { TestCluster, type TestClusterOptions } from './cluster.ts';

export interface TestClusterHandle {
  cluster: TestCluster;
  brokers: TestBroker[];
  dir: string;
  /** Path of broker i's server.properties. */
  propertiesPath(i: number): string;
  /** Rewrites broker i's server.properties (takes effect at its next restart). */
  writeProperties(i: number, text: string): void;
  close(): Promise<void>;
}

export interface StartTestClusterOptions extends TestClusterOptions {
  /** Node ids, default [1, 2, 3]. */
  nodeIds?: number[];
  /** server.properties text per node id; default: KRaft combined mode with PLAINTEXT + CONTROLLER on port 0. */
  properties?: (nodeId: number) => string;
  tls?: TestBrokerTls;
  sasl?: TestBrokerSasl;
  restartDelayMs?: number;
}

export function kraftProperties(nodeId: number, extra = ''): string {
  return [
    `process.roles=broker,controller`,
    `node.id=${nodeId}`,
    `controller.listener.names=CONTROLLER`,
    `listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT`,
    `inter.broker.listener.name=PLAINTEXT`,
    `log.dirs=/tmp/kraft-combined-logs-${nodeId}`,
    extra,
  ].join('\n');
}

export async function startTestCluster(options: StartTestClusterOptions = {}): Promise<TestClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'brokerlink-testbroker-'));
  const cluster = new TestCluster(options);
  const ids = options.nodeIds ?? [1, 2, 3];
  const paths = ids.map((id) => join(dir, `broker-${id}.properties`));
  const brokers: TestBroker[] = [];
  const handle: TestClusterHandle = {
    cluster,
    brokers,
    dir,
    propertiesPath: (i) => paths[i]!,
    writeProperties: (i, text) => writeFileSync(paths[i]!, text),
    async close() {
      await Promise.all(brokers.map((b) => b.close()));
      cluster.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const [i, id] of ids.entries()) {
      writeFileSync(paths[i]!, (options.properties ?? kraftProperties)(id));
      brokers.push(
        await startTestBroker({
          propertiesPath: paths[i]!,
          cluster,
          tls: options.tls,
          sasl: options.sasl,
          restartDelayMs: options.restartDelayMs,
        }),
      );
    }
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}
