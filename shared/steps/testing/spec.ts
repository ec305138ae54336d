import type { ClusterSpecInput } from '../../spec/schema.ts';
import { parseSpec } from '../../spec/validate.ts';

/** A valid local-provider spec for step tests; every fixture goes through the real validator. */
export function localSpec(overrides: Partial<ClusterSpecInput> = {}) {
  return parseSpec({
    cluster: 'orders',
    provider: { local: { host: '127.0.0.1', stateFile: '/tmp/brokerlink-steps-test/lb.json' } },
    brokers: {
      static: [
        { id: 1, host: '127.0.0.1' },
        { id: 2, host: '127.0.0.2' },
        { id: 3, host: '127.0.0.3' },
      ],
      propertiesPath: '/opt/kafka/config/server.properties',
      restart: { script: '/opt/kafka/bin/restart.sh' },
    },
    kafka: { bootstrap: ['127.0.0.1:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        bootstrapPort: 19092,
        brokerPorts: { from: 19093, to: 19100 },
        advertisedListenerPattern: '<broker_id>.kafka.example.internal:<port>',
      },
    ],
    rollout: { healthyChecks: 2, healthTimeoutSeconds: 60, canRollTimeoutSeconds: 30 },
    ...overrides,
  } satisfies ClusterSpecInput);
}

export const KRAFT_PROPERTIES = `# seed-like broker config
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:29092
listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092
advertised.listeners=INTERNAL://127.0.0.1:9092
listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
log.dirs=/var/lib/kafka/data
`;
