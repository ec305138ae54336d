/**
 * Errors of the broker-side writer protocol, all fatal. `WriterArgumentInvalid` is raised before anything is sent to
 * a broker (fix the spec or the caller). `WriterOutputInvalid` means the channel returned something that is not the
 * script's answer (wrong script version or a broken channel). `WriterFailed` carries the script's own error code
 * (`not-found`, `io`, …); even `io` is fatal: it is parsed from a command that has finished, so running the same
 * task again would only read the same answer, and a host that cannot write its config file needs a person.
 */

import { BrokerlinkError } from '../errors.ts';
export abstract class BrokerWriterError extends BrokerlinkError {}

export class WriterArgumentInvalid extends BrokerWriterError {
  static readonly disposition = 'fail';
  override readonly name = 'WriterArgumentInvalid';
  readonly field: string;
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(`broker writer ${field}: ${message}`, options);
    this.field = field;
  }
}

export class WriterOutputInvalid extends BrokerWriterError {
  static readonly disposition = 'fail';
  override readonly name = 'WriterOutputInvalid';
  readonly output: string;
  constructor(output: string, message: string, options?: ErrorOptions) {
    super(`broker writer answered something unexpected: ${message}`, options);
    this.output = output.slice(0, 2000);
  }
}

export class WriterFailed extends BrokerWriterError {
  static readonly disposition = 'fail';
  override readonly name = 'WriterFailed';
  /** The script's error code: not-found, not-a-file, unreadable, invalid-path, invalid-base64, io, ... */
  readonly code: string;
  readonly exitCode: number | null;
  constructor(code: string, message: string, exitCode: number | null, options?: ErrorOptions) {
    super(`broker writer failed (${code}): ${message}`, options);
    this.code = code;
    this.exitCode = exitCode;
  }
}

/**
 * The server.properties brokerlink is about to write names another node (`node.id` / `broker.id`) than the broker
 * the write is meant for: the instance is tagged (or listed in the spec) as another broker than the one it runs.
 * Found either here before the write (`checkedOn: 'brokerlink'`) or by the writer on the host, on the bytes its
 * compare-and-swap matched (`'host'`). Nothing was written. Fatal: fix the tag or the spec entry.
 */
export class NodeIdMismatch extends BrokerWriterError {
  static readonly disposition = 'fail';
  override readonly name = 'NodeIdMismatch';
  readonly key: 'node.id' | 'broker.id';
  /** The file's value: a decimal id, `not-a-number` or `malformed`. */
  readonly found: string;
  readonly expected: number;
  readonly checkedOn: 'brokerlink' | 'host';
  constructor(
    details: { key: 'node.id' | 'broker.id'; found: string; expected: number; checkedOn: 'brokerlink' | 'host' },
    options?: ErrorOptions,
  ) {
    super(
      `server.properties has ${details.key}=${details.found}, not ${details.expected} (checked by ${details.checkedOn === 'host' ? 'the writer on the host' : 'brokerlink before writing'}); nothing was written`,
      {
        ...options,
        context: { key: details.key, found: details.found, expected: details.expected, checkedOn: details.checkedOn },
      },
    );
    this.key = details.key;
    this.found = details.found;
    this.expected = details.expected;
    this.checkedOn = details.checkedOn;
  }
}
