/**
 * Errors of server.properties reading and editing. All are fatal for the broker they concern: retrying with the
 * same file and the same exposures gives the same answer, so the orchestrator should stop and report, never retry.
 * Each carries the original error as `cause` when there is one.
 */

import { BrokerlinkError } from '../errors.ts';

export type ListenerConflictCode =
  /** The exposure's listener name is the inter-broker listener (`inter.broker.listener.name`, or its default). */
  | 'name-is-inter-broker'
  /** The exposure's listener name is one of `controller.listener.names`. */
  | 'name-is-controller'
  /** A listener of that name already exists in `listeners` with another bind address: it is not ours. */
  | 'name-bound-elsewhere'
  /** Another listener already binds the exposure's port. */
  | 'port-in-use'
  /** The node is a KRaft controller only: it has no broker listeners to expose. */
  | 'not-a-broker';

export abstract class PropertiesError extends BrokerlinkError {}

/** The file is not readable as `java.util.Properties` reads it (for example a malformed `\uXXXX` escape). */
export class PropertiesSyntaxError extends PropertiesError {
  static readonly disposition = 'fail';
  override readonly name = 'PropertiesSyntaxError';
  /** 1-based line where the offending logical line starts. */
  readonly line: number;
  constructor(line: number, message: string, options?: ErrorOptions) {
    super(`server.properties line ${line}: ${message}`, options);
    this.line = line;
  }
}

/** A listener-related key holds a value Kafka itself would reject (so we refuse to guess what was meant). */
export class ListenerConfigInvalid extends PropertiesError {
  static readonly disposition = 'fail';
  override readonly name = 'ListenerConfigInvalid';
  readonly key: string;
  constructor(key: string, message: string, options?: ErrorOptions) {
    super(`server.properties \`${key}\`: ${message}`, options);
    this.key = key;
  }
}

/** The file uses a listener configuration brokerlink does not edit (pre-3.0 `port`/`host.name` keys, ...). */
export class UnsupportedListenerConfig extends PropertiesError {
  static readonly disposition = 'fail';
  override readonly name = 'UnsupportedListenerConfig';
  readonly keys: readonly string[];
  constructor(keys: readonly string[], message: string, options?: ErrorOptions) {
    super(message, options);
    this.keys = keys;
  }
}

/** An exposure cannot be added without breaking or taking over something that is not ours. Nothing is written. */
export class ListenerConflict extends PropertiesError {
  static readonly disposition = 'fail';
  override readonly name = 'ListenerConflict';
  readonly code: ListenerConflictCode;
  readonly listener: string;
  constructor(code: ListenerConflictCode, listener: string, message: string, options?: ErrorOptions) {
    super(`listener ${listener}: ${message}`, options);
    this.code = code;
    this.listener = listener;
  }
}

/** The exposures (or new-cluster parameters) handed in are invalid; `issues` name the offending paths. */
export class ExposureInvalid extends PropertiesError {
  static readonly disposition = 'fail';
  override readonly name = 'ExposureInvalid';
  readonly issues: readonly string[];
  constructor(issues: readonly string[], options?: ErrorOptions) {
    super(`invalid listener exposures: ${issues.join('; ')}`, options);
    this.issues = issues;
  }
}

/**
 * Internal guard: an edit would have changed the meaning of a key we did not mean to touch (only possible with
 * pathological files, e.g. a continuation backslash on the last line). Nothing is written.
 */
export class PropertiesEditUnsafe extends PropertiesError {
  static readonly disposition = 'fail';
  override readonly name = 'PropertiesEditUnsafe';
  readonly keys: readonly string[];
  constructor(keys: readonly string[], message: string, options?: ErrorOptions) {
    super(message, options);
    this.keys = keys;
  }
}
