import { BrokerlinkError } from '../../shared/errors.ts';

/** The deploy configuration file is not valid; nothing was run. */
export class DeployConfigInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'DeployConfigInvalid';
}
