/**
 * Errors of the Google Cloud adapters. Each declares what the orchestrator (Cloud Workflows) does next:
 * 'retry' (transient: 429, 5xx, a lost fingerprint race), 'wait' (not ready yet), 'fail' (a person must act).
 */
import { BrokerlinkError } from '../../errors.ts';

/** A value for the metadata command channel breaks the agent's rules; nothing was sent. */
export class MetadataCommandInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'MetadataCommandInvalid';
  readonly field: string;
  constructor(field: string, problem: string, options?: ErrorOptions) {
    super(`metadata command ${field} ${problem}; nothing was sent`, { ...options, context: { field } });
    this.field = field;
  }
}

/** The command does not fit a metadata value (256 KiB). */
export class CommandTooLarge extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandTooLarge';
}

/** The agent's guest-attribute reply cannot be read (malformed, partial, or a checksum mismatch). */
export class CommandReplyInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandReplyInvalid';
}
