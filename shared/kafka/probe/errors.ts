/**
 * Errors of the Kafka probe. Every failure of a probe call is one of these, so callers (the verify step,
 * the rolling-restart gates, the CLI) can tell "nothing listens there" from "something answers but is not
 * the broker we wanted" without reading messages. The original error is always kept as `cause`. Turning a client
 * library's error into one of these is ./classify.ts (kept apart so that this file loads no Kafka client: the
 * error catalogue, and with it every function's error mapping, imports it).
 */

import { BrokerlinkError } from '../../errors.ts';

export type ProbeErrorKind =
  | 'connection-refused'
  | 'connection-failed'
  | 'timeout'
  | 'tls'
  | 'authentication'
  | 'wrong-broker'
  | 'unsupported-version'
  | 'broker-error'
  | 'invalid-options';

/** Why a TLS connection failed, as far as the error tells. */
export type TlsFailureReason =
  | 'unknown-ca'
  | 'hostname-mismatch'
  | 'certificate-expired'
  | 'broker-requires-tls'
  | 'broker-not-tls'
  | 'handshake';

export abstract class ProbeError extends BrokerlinkError {
  abstract readonly kind: ProbeErrorKind;
  /** `host:port` the probe talked to. */
  readonly target: string;
  constructor(target: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.target = target;
  }
}

/** Nothing listens on the port (ECONNREFUSED): broker down, LB target missing, or a wrong port. */
export class ProbeConnectionRefused extends ProbeError {
  static readonly disposition = 'retry';
  override readonly name = 'ProbeConnectionRefused';
  readonly kind = 'connection-refused' as const;
  constructor(target: string, options?: ErrorOptions) {
    super(target, `connection to ${target} refused (nothing listens there, or the LB has no healthy target)`, options);
  }
}

/** The connection was reset, closed by the peer, or the host could not be reached/resolved. */
export class ProbeConnectionFailed extends ProbeError {
  static readonly disposition = 'retry';
  override readonly name = 'ProbeConnectionFailed';
  readonly kind = 'connection-failed' as const;
  readonly detail: string;
  constructor(target: string, detail: string, options?: ErrorOptions) {
    super(target, `connection to ${target} failed: ${detail}`, options);
    this.detail = detail;
  }
}

/** No answer within the time limit (connect, TLS/SASL handshake, or a request). */
export class ProbeTimedOut extends ProbeError {
  static readonly disposition = 'retry';
  override readonly name = 'ProbeTimedOut';
  readonly kind = 'timeout' as const;
  readonly timeoutMs: number;
  readonly operation: string;
  constructor(target: string, operation: string, timeoutMs: number, options?: ErrorOptions) {
    super(target, `${operation} on ${target} timed out after ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
    this.operation = operation;
  }
}

/** TLS could not be established: unknown CA, name mismatch, expired certificate, TLS vs plaintext mix-up. */
export class ProbeTlsFailed extends ProbeError {
  static readonly disposition = 'fail';
  override readonly name = 'ProbeTlsFailed';
  readonly kind = 'tls' as const;
  readonly reason: TlsFailureReason;
  constructor(target: string, reason: TlsFailureReason, detail: string, options?: ErrorOptions) {
    super(target, `TLS with ${target} failed (${reason}): ${detail}`, options);
    this.reason = reason;
  }
}

/** SASL was refused: wrong credentials, or the mechanism is not enabled on that listener. */
export class ProbeAuthenticationFailed extends ProbeError {
  static readonly disposition = 'fail';
  override readonly name = 'ProbeAuthenticationFailed';
  readonly kind = 'authentication' as const;
  readonly detail: string;
  constructor(target: string, detail: string, options?: ErrorOptions) {
    super(target, `SASL authentication with ${target} failed: ${detail}`, options);
    this.detail = detail;
  }
}

/** The port answered as another broker than the one expected. `reachedId` is null when it could not be told. */
export class ProbeWrongBroker extends ProbeError {
  static readonly disposition = 'fail';
  override readonly name = 'ProbeWrongBroker';
  readonly kind = 'wrong-broker' as const;
  readonly expectedId: number;
  readonly reachedId: number | null;
  constructor(target: string, expectedId: number, reachedId: number | null, options?: ErrorOptions) {
    super(
      target,
      reachedId === null
        ? `${target} is not broker ${expectedId} (its own id could not be read)`
        : `${target} reached broker ${reachedId}, expected broker ${expectedId}`,
      options,
    );
    this.expectedId = expectedId;
    this.reachedId = reachedId;
  }
}

/** The broker does not speak a version of an API this probe needs (broker older than Kafka 2.8, or not Kafka). */
export class ProbeUnsupportedVersion extends ProbeError {
  static readonly disposition = 'fail';
  override readonly name = 'ProbeUnsupportedVersion';
  readonly kind = 'unsupported-version' as const;
  readonly api: string;
  constructor(target: string, api: string, detail: string, options?: ErrorOptions) {
    super(target, `${target} does not support a usable version of ${api}: ${detail}`, options);
    this.api = api;
  }
}

interface BrokerErrorFields {
  /** Kafka error name, e.g. `CLUSTER_AUTHORIZATION_FAILED`. */
  readonly errorName: string;
  readonly errorCode: number | null;
  readonly serverMessage: string | null;
}

function brokerErrorMessage(target: string, operation: string, errorName: string, serverMessage: string | null) {
  return `${operation} on ${target} failed: ${errorName}${serverMessage ? ` (${serverMessage})` : ''}`;
}

/**
 * The broker answered with a Kafka error code that Kafka does not call retriable (e.g. CLUSTER_AUTHORIZATION_FAILED):
 * asking again gives the same answer.
 */
export class ProbeBrokerError extends ProbeError implements BrokerErrorFields {
  static readonly disposition = 'fail';
  override readonly name = 'ProbeBrokerError';
  readonly kind = 'broker-error' as const;
  readonly errorName: string;
  readonly errorCode: number | null;
  readonly serverMessage: string | null;
  constructor(
    target: string,
    operation: string,
    errorName: string,
    errorCode: number | null,
    serverMessage: string | null,
    options?: ErrorOptions,
  ) {
    super(target, brokerErrorMessage(target, operation, errorName, serverMessage), options);
    this.errorName = errorName;
    this.errorCode = errorCode;
    this.serverMessage = serverMessage;
  }
}

/**
 * The broker answered with a Kafka error code that Kafka calls retriable (a leader election, a request timeout, not
 * enough replicas yet), or with an empty answer: asking again a little later may succeed.
 */
export class ProbeBrokerRetriable extends ProbeError implements BrokerErrorFields {
  static readonly disposition = 'retry';
  override readonly name = 'ProbeBrokerRetriable';
  readonly kind = 'broker-error' as const;
  readonly errorName: string;
  readonly errorCode: number | null;
  readonly serverMessage: string | null;
  constructor(
    target: string,
    operation: string,
    errorName: string,
    errorCode: number | null,
    serverMessage: string | null,
    options?: ErrorOptions,
  ) {
    super(target, brokerErrorMessage(target, operation, errorName, serverMessage), options);
    this.errorName = errorName;
    this.errorCode = errorCode;
    this.serverMessage = serverMessage;
  }
}

/** A broker's error answer as the class that says whether asking again may help (`retriable`, from Kafka). */
export function probeBrokerError(
  target: string,
  operation: string,
  errorName: string,
  errorCode: number | null,
  serverMessage: string | null,
  retriable: boolean,
  options?: ErrorOptions,
): ProbeBrokerError | ProbeBrokerRetriable {
  return retriable
    ? new ProbeBrokerRetriable(target, operation, errorName, errorCode, serverMessage, options)
    : new ProbeBrokerError(target, operation, errorName, errorCode, serverMessage, options);
}

/** The options handed to the probe are unusable (bad port, missing SASL password, …). Nothing was sent. */
export class ProbeOptionsInvalid extends ProbeError {
  static readonly disposition = 'fail';
  override readonly name = 'ProbeOptionsInvalid';
  readonly kind = 'invalid-options' as const;
  constructor(target: string, detail: string, options?: ErrorOptions) {
    super(target, `probe options for ${target} are invalid: ${detail}`, options);
  }
}
