/** Errors of the Kafka-protocol test broker (testkit only). */

/** Bytes on the wire do not follow the Kafka protocol (truncated, bad length, bad varint). The connection is closed. */
export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
}

/** server.properties cannot be used to start a broker (missing node id, listener without protocol, ...). */
export class BrokerConfigInvalid extends Error {
  override readonly name = 'BrokerConfigInvalid';
}

/** The broker could not start: a listener could not be bound, or the cluster was told to fail this start. */
export class BrokerStartFailed extends Error {
  override readonly name = 'BrokerStartFailed';
}

/** A control hook of the TestCluster was used wrongly (unknown topic, partition, broker). */
export class ClusterStateInvalid extends Error {
  override readonly name = 'ClusterStateInvalid';
}

/** A wait on the test cluster did not see its condition in time. */
export class WaitTimedOut extends Error {
  override readonly name = 'WaitTimedOut';
}
