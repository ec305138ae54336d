import { BrokerlinkError } from '../../../errors.ts';

/** The flow uses FDL this interpreter does not implement (so it cannot be trusted to run it as CloudFlow would). */
export class FdlUnsupported extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'FdlUnsupported';
}

/**
 * An execution ended in a Fail state or with an error nothing caught. `code` and `detail` are CloudFlow's (a Fail
 * state's `Code` and `Detail`, or the uncaught error's); `failInput` is the input of the Fail state that ended the
 * execution, where brokerlink's flows keep the caught error (`error: { Code, Detail }`).
 */
export class FlowExecutionFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'FlowExecutionFailed';
  readonly code: string;
  readonly detail: string;
  readonly failInput: unknown;
  constructor(code: string, detail: string, failInput?: unknown, options?: { cause?: unknown }) {
    const caught = (failInput as { error?: { Code?: unknown; Detail?: unknown } } | undefined)?.error;
    const cause = typeof caught?.Detail === 'string' ? ` (${String(caught.Code)}: ${caught.Detail})` : '';
    super(`execution failed: ${code}: ${detail}${cause}`, { context: { code }, cause: options?.cause });
    this.code = code;
    this.detail = detail;
    this.failInput = failInput;
  }
}
