import { BrokerlinkError } from '../errors.ts';

/** Errors of the provider registry (registry.ts). */

/**
 * The spec names a provider that brokerlink can plan for (it has a profile) but has no adapters for yet, so nothing
 * can be observed or changed there. Fatal: plan offline from an observed-state snapshot instead.
 */
export class ProviderAdaptersUnavailable extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'ProviderAdaptersUnavailable';
  readonly provider: string;

  constructor(provider: string, options?: ErrorOptions) {
    super(
      `provider "${provider}" has no adapter yet; plan offline with --observed <file> (docs/observed-state.md)`,
      options,
    );
    this.provider = provider;
  }
}
