/**
 * Turns whatever a socket or the Kafka client library threw into a ProbeError (./errors.ts), by walking the error's
 * `cause` / `errors` chain for codes and messages that tell the failures apart.
 */
import {
  AuthenticationError as KafkaAuthenticationError,
  ProtocolError as KafkaProtocolError,
  TimeoutError as KafkaTimeoutError,
} from '@platformatic/kafka';
import {
  ProbeAuthenticationFailed,
  ProbeConnectionFailed,
  ProbeConnectionRefused,
  ProbeError,
  ProbeTimedOut,
  ProbeTlsFailed,
  ProbeUnsupportedVersion,
  probeBrokerError,
} from './errors.ts';

const UNKNOWN_CA_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);
const EXPIRED_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const AUTH_ERROR_NAMES = new Set(['SASL_AUTHENTICATION_FAILED', 'UNSUPPORTED_SASL_MECHANISM', 'ILLEGAL_SASL_STATE']);
const FAILED_CONNECT_CODES = new Set(['ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  apiId?: unknown;
  apiCode?: unknown;
  serverErrorMessage?: unknown;
  canRetry?: unknown;
}

/** All errors reachable from `error` through `cause` and `errors` (AggregateError), outermost first. */
export function errorChain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 32) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const e = current as ErrorLike;
    out.push(e);
    if (e.cause !== undefined) queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  return out;
}

function messageOf(e: ErrorLike): string {
  return typeof e.message === 'string' ? e.message : '';
}

/**
 * Turns whatever a connection or request threw into a ProbeError. `operation` names what was attempted
 * ("connect", "Metadata", …) for the message. Already-classified ProbeErrors pass through unchanged.
 */
export function classifyProbeError(error: unknown, target: string, operation: string, timeoutMs: number): ProbeError {
  if (error instanceof ProbeError) return error;
  const chain = errorChain(error);
  const options = { cause: error };

  for (const e of chain) {
    const code = typeof e.code === 'string' ? e.code : '';
    const msg = messageOf(e);
    if (code === 'ECONNREFUSED') return new ProbeConnectionRefused(target, options);
    if (UNKNOWN_CA_CODES.has(code)) return new ProbeTlsFailed(target, 'unknown-ca', `${code}: ${msg}`, options);
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return new ProbeTlsFailed(target, 'hostname-mismatch', msg, options);
    if (EXPIRED_CODES.has(code)) return new ProbeTlsFailed(target, 'certificate-expired', `${code}: ${msg}`, options);
    if (msg === 'Broker requires TLS.') {
      return new ProbeTlsFailed(
        target,
        'broker-requires-tls',
        'the listener speaks TLS but TLS is not configured',
        options,
      );
    }
    if (
      msg.startsWith('TLS handshake failed') ||
      /wrong version number|packet length too long|unknown protocol/i.test(msg)
    ) {
      return new ProbeTlsFailed(
        target,
        'broker-not-tls',
        'TLS is configured but the listener does not answer TLS (plaintext listener?)',
        options,
      );
    }
    if (code.startsWith('ERR_SSL_') || code === 'EPROTO' || code.startsWith('ERR_TLS_')) {
      return new ProbeTlsFailed(target, 'handshake', `${code}: ${msg}`, options);
    }
  }
  for (const e of chain) {
    if (e instanceof KafkaAuthenticationError) {
      const inner = chain.find((x) => x instanceof KafkaProtocolError);
      const detail = inner
        ? `${String(inner.apiId)}${inner.serverErrorMessage ? `: ${String(inner.serverErrorMessage)}` : ''}`
        : messageOf(e);
      return new ProbeAuthenticationFailed(target, detail, options);
    }
    if (e instanceof KafkaProtocolError && typeof e.apiId === 'string' && AUTH_ERROR_NAMES.has(e.apiId)) {
      const server = typeof e.serverErrorMessage === 'string' ? `: ${e.serverErrorMessage}` : '';
      return new ProbeAuthenticationFailed(target, `${e.apiId}${server}`, options);
    }
  }
  for (const e of chain) {
    if (e instanceof KafkaTimeoutError || /timed out/i.test(messageOf(e))) {
      return new ProbeTimedOut(target, operation, timeoutMs, options);
    }
  }
  for (const e of chain) {
    if (e instanceof KafkaProtocolError && typeof e.apiId === 'string') {
      if (e.apiId === 'UNSUPPORTED_VERSION') {
        return new ProbeUnsupportedVersion(target, operation, 'the broker answered UNSUPPORTED_VERSION', options);
      }
      return probeBrokerError(
        target,
        operation,
        e.apiId,
        typeof e.apiCode === 'number' ? e.apiCode : null,
        typeof e.serverErrorMessage === 'string' ? e.serverErrorMessage : null,
        e.canRetry === true,
        options,
      );
    }
  }
  for (const e of chain) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (FAILED_CONNECT_CODES.has(code)) return new ProbeConnectionFailed(target, `${code}: ${messageOf(e)}`, options);
  }
  const closed = chain.find((e) => /connection closed/i.test(messageOf(e)));
  if (closed) {
    return new ProbeConnectionFailed(
      target,
      'closed by the peer before answering (broker down behind a load balancer, or a listener that expects TLS or SASL?)',
      options,
    );
  }
  const first = chain[0];
  return new ProbeConnectionFailed(target, first ? messageOf(first) || String(error) : String(error), options);
}
