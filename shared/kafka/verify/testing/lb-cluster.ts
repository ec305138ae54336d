/**
 * Test bed for verification: N testkit Kafka brokers (KRaft combined mode) behind the loopback port forwarder,
 * wired like the real thing — one bootstrap LB port fanning out to every broker's EXTERNAL listener, one LB port
 * per broker, and each broker advertising `b<id>.example.com:<its LB port>` on EXTERNAL. Tests then break the
 * wiring (swap ports, stop a broker, rewrite a broker's advertised port) and check the diagnosis.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startTestBroker,
  type TestBroker,
  type TestBrokerSasl,
  type TestBrokerTls,
} from '../../../../testkit/kafka/broker.ts';
import { TestCluster } from '../../../../testkit/kafka/cluster.ts';
import { type PortForwarder, type PortMapping, startPortForwarder } from '../../../net/port-forwarder.ts';
import type { VerificationInput } from '../input.ts';

export type ExternalProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export interface LbClusterOptions {
  brokerIds: readonly number[];
  externalProtocol?: ExternalProtocol;
  tls?: TestBrokerTls;
  sasl?: TestBrokerSasl;
  /** Advertised EXTERNAL address per broker; default `b<id>.example.com:<LB port>`. */
  advertise?: (id: number, lbPort: number) => string;
}

export interface LbCluster {
  cluster: TestCluster;
  brokers: Map<number, TestBroker>;
  forwarder: PortForwarder;
  bootstrapPort: number;
  /** LB port per broker id. */
  lbPorts: Map<number, number>;
  /** The planned wiring as verification input (PLAINTEXT unless the caller adds tls/sasl). */
  plan(extra?: Partial<VerificationInput>): VerificationInput;
  /** Points the LB ports at brokers: lbPortOwner maps an LB port's planned broker id to the broker it should reach. */
  rewire(route?: (plannedId: number) => number | null): Promise<void>;
  /** Rewrites one broker's server.properties with another advertised EXTERNAL address and restarts it. */
  readvertise(id: number, address: string): Promise<void>;
  close(): Promise<void>;
}

const PLACEHOLDER = { host: '127.0.0.1', port: 9 };

export async function startLbCluster(options: LbClusterOptions): Promise<LbCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'brokerlink-verify-'));
  const cluster = new TestCluster();
  const brokers = new Map<number, TestBroker>();
  const protocol = options.externalProtocol ?? 'PLAINTEXT';
  const ids = [...options.brokerIds];
  // LB listeners first (the broker must advertise their ports), pointed at a placeholder until brokers run.
  const forwarder = await startPortForwarder({
    mappings: [0, ...ids].map(() => ({ listenPort: 0, upstreams: [PLACEHOLDER] })),
    connectTimeoutMs: 2_000,
  });
  const [bootstrapPort, ...brokerLbPorts] = forwarder.ports;
  const lbPorts = new Map(ids.map((id, i) => [id, brokerLbPorts[i]!]));
  const advertised = new Map(
    ids.map((id) => [id, options.advertise?.(id, lbPorts.get(id)!) ?? `b${id}.example.com:${lbPorts.get(id)!}`]),
  );

  const propertiesPath = (id: number) => join(dir, `server-${id}.properties`);
  const writeProperties = async (id: number) => {
    const lines = [
      'process.roles=broker,controller',
      `node.id=${id}`,
      `controller.quorum.voters=${ids.map((v) => `${v}@127.0.0.1:0`).join(',')}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=INTERNAL',
      'listeners=INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
      `advertised.listeners=INTERNAL://127.0.0.1:0,EXTERNAL://${advertised.get(id)!}`,
      `listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:${protocol},CONTROLLER:PLAINTEXT`,
      'auto.create.topics.enable=false',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    ];
    await writeFile(propertiesPath(id), `${lines.join('\n')}\n`);
  };

  const route = { fn: (id: number): number | null => id };
  const mappings = (): PortMapping[] => {
    const external = (id: number | null) => {
      const port = id === null ? undefined : brokers.get(id)?.ports['EXTERNAL'];
      return port ? { host: '127.0.0.1', port } : PLACEHOLDER;
    };
    const running = ids.filter((id) => brokers.get(id)?.ports['EXTERNAL']);
    return [
      { listenPort: bootstrapPort!, upstreams: running.length > 0 ? running.map((id) => external(id)) : [PLACEHOLDER] },
      ...ids.map((id) => ({ listenPort: lbPorts.get(id)!, upstreams: [external(route.fn(id))] })),
    ];
  };

  try {
    for (const id of ids) {
      await writeProperties(id);
      brokers.set(
        id,
        await startTestBroker({
          propertiesPath: propertiesPath(id),
          cluster,
          ...(options.tls ? { tls: options.tls } : {}),
          ...(options.sasl ? { sasl: options.sasl } : {}),
        }),
      );
    }
    await forwarder.update(mappings());
  } catch (error) {
    for (const b of brokers.values()) await b.close();
    await forwarder.close();
    cluster.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    cluster,
    brokers,
    forwarder,
    bootstrapPort: bootstrapPort!,
    lbPorts,
    plan(extra = {}) {
      return {
        lbHost: '127.0.0.1',
        timeoutMs: 3_000,
        exposures: [
          {
            listener: 'EXTERNAL',
            bootstrapPorts: [bootstrapPort!],
            brokers: ids.map((id) => ({
              id,
              port: lbPorts.get(id)!,
              advertised: `b${id}.example.com:${lbPorts.get(id)!}`,
            })),
          },
        ],
        ...extra,
      };
    },
    async rewire(fn = (id) => id) {
      route.fn = fn;
      await forwarder.update(mappings());
    },
    async readvertise(id, address) {
      advertised.set(id, address);
      await writeProperties(id);
      await brokers.get(id)!.restart();
      await forwarder.update(mappings());
    },
    async close() {
      for (const b of brokers.values()) await b.close();
      await forwarder.close();
      cluster.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
