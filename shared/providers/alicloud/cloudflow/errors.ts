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
  /** The input of the Fail state that ended the execution (the flows put the step's error in `error`). */
  readonly failInput: unknown;
  constructor(error: string, cause: string, failInput?: unknown) {
    const inner = (failInput as { error?: { Error?: string; Cause?: string } } | undefined)?.error;
    super(`execution failed: ${error}: ${cause}${inner?.Error ? ` (${inner.Error}: ${inner.Cause ?? ''})` : ''}`, {
      context: { error },
    });
    this.error = error;
    this.flowCause = cause;
    this.failInput = failInput;
  }
}
