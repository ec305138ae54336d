/** Kafka-protocol test broker (TEST FAKE; see README.md). */
export {
  startTestBroker,
  type TestBroker,
  type TestBrokerOptions,
  type TestBrokerSasl,
  type TestBrokerTls,
} from './broker.ts';
export { type BrokerRegistration, newClusterId, TestCluster, type TestClusterOptions } from './cluster.ts';
export * from './errors.ts';
export { kraftProperties, type StartTestClusterOptions, startTestCluster, type TestClusterHandle } from './fixtures.ts';
export { RawKafkaConnection } from './raw-client.ts';
export type { SaslMechanism } from './sasl.ts';
