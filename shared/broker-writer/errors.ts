/**
 * Errors of the broker-side writer protocol. `WriterArgumentInvalid` is raised before anything is sent to a broker
 * (fatal: fix the spec or the caller). `WriterOutputInvalid` means the channel returned something that is not the
 * script's answer (fatal: wrong script version or a broken channel). `WriterFailed` carries the script's own error
 * code; `retryable` is true only for I/O failures on the host.
 */
export abstract class BrokerWriterError extends Error {}

export class WriterArgumentInvalid extends BrokerWriterError {
  override readonly name = 'WriterArgumentInvalid';
  readonly field: string;
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(`broker writer ${field}: ${message}`, options);
    this.field = field;
  }
}

export class WriterOutputInvalid extends BrokerWriterError {
  override readonly name = 'WriterOutputInvalid';
  readonly output: string;
  constructor(output: string, message: string, options?: ErrorOptions) {
    super(`broker writer answered something unexpected: ${message}`, options);
    this.output = output.slice(0, 2000);
  }
}

export class WriterFailed extends BrokerWriterError {
  override readonly name = 'WriterFailed';
  /** The script's error code: not-found, not-a-file, unreadable, invalid-path, invalid-base64, io, ... */
  readonly code: string;
  readonly exitCode: number | null;
  readonly retryable: boolean;
  constructor(code: string, message: string, exitCode: number | null, options?: ErrorOptions) {
    super(`broker writer failed (${code}): ${message}`, options);
    this.code = code;
    this.exitCode = exitCode;
    this.retryable = code === 'io';
  }
}
