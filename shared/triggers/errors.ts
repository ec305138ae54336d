import { BrokerlinkError } from '../errors.ts';

/** A trigger event does not have the shape its rule promises (wrong rule wiring, or a hand-sent test event). */
export class TriggerEventInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'TriggerEventInvalid';
}
