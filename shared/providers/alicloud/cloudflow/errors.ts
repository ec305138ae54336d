import { BrokerlinkError } from '../../../errors.ts';

/** The flow uses FDL this interpreter does not implement (so it cannot be trusted to run it as CloudFlow would). */
export class FdlUnsupported extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'FdlUnsupported';
}

/** An execution ended in a Fail state or with an uncaught error; `error` and `cause` are CloudFlow's. */
export class FlowExecutionFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'FlowExecutionFailed';
  readonly error: string;
  readonly flowCause: string;
  constructor(error: string, cause: string) {
    super(`execution failed: ${error}: ${cause}`, { context: { error } });
    this.error = error;
    this.flowCause = cause;
  }
}
