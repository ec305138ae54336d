import { BrokerlinkError } from './errors.ts';

/*
 * Errors that every adapter of a port (shared/ports.ts) raises in the same way, whatever the cloud, so a workflow
 * handles them alike and the error catalogue holds one class per name.
 */

/** A secret reference has an unknown scheme, or names a secret that does not exist or has no usable value. */
export class SecretUnavailable extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'SecretUnavailable';
  readonly reference: string;
  constructor(reference: string, detail: string, options?: ErrorOptions) {
    super(`secret ${reference} cannot be resolved: ${detail}`, options);
    this.reference = reference;
  }
}
