import { BrokerlinkError } from '../../shared/errors.ts';

/** Errors of the Kafka-protocol test broker (testkit only). */

/** Bytes on the wire do not follow the Kafka protocol (truncated, bad length, bad varint). The connection is closed. */
export class ProtocolViolation extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ProtocolViolation';
}

/** server.properties cannot be used to start a broker (missing node id, listener without protocol, ...). */
export class BrokerConfigInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'BrokerConfigInvalid';
}

/** The broker could not start: a listener could not be bound, or the cluster was told to fail this start. */
export class BrokerStartFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'BrokerStartFailed';
}

/** A control hook of the TestCluster was used wrongly (unknown topic, partition, broker). */
export class ClusterStateInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ClusterStateInvalid';
}

/** A wait on the test cluster did not see its condition in time. */
export class WaitTimedOut extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'WaitTimedOut';
}
