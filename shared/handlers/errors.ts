import { BrokerlinkError } from '../errors.ts';

/*
 * Errors of the entry points of every cloud (functions/<cloud>/): each handler validates its deployment
 * configuration, and maps whatever it did not anticipate to UnexpectedError before the engine sees it.
 */

/** The function's environment (deployment configuration) is missing or malformed. Fatal: fix the deployment. */
export class FunctionConfigInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'FunctionConfigInvalid';
}

/** An error brokerlink did not anticipate. Never retried by the workflows: a person must look. */
export class UnexpectedError extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'UnexpectedError';
  readonly originalName: string;

  constructor(originalName: string, message: string, options?: ErrorOptions) {
    super(`${originalName}: ${message}`, options);
    this.originalName = originalName;
  }
}
