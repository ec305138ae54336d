import { BrokerlinkError } from '../errors.ts';

/** Errors of the port-mapping TCP forwarder. */

/** A listener could not be bound (port taken, bad host): nothing was changed for that mapping. */
export class ForwarderListenFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ForwarderListenFailed';
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, options?: { cause?: unknown }) {
    super(`cannot listen on ${host}:${port}`, options);
    this.host = host;
    this.port = port;
  }
}

/** The mappings handed to the forwarder are not usable (bad port, duplicate listen port, no upstream). */
export class ForwarderConfigInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ForwarderConfigInvalid';
}

/** The forwarder was used after close(). */
export class ForwarderClosed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ForwarderClosed';
  constructor() {
    super('port forwarder is closed');
  }
}
