import { readFile } from 'node:fs/promises';
import type { SecretResolver } from '../ports.ts';

/*
 * What every cloud's SecretResolver shares: a reference is `<scheme>:<name>`; `env:NAME` (an environment variable
 * of the function / CLI) and `file:/path` (a file's text, one trailing newline dropped) work everywhere; the rest are
 * the cloud's own secret stores, each a scheme of its adapter. Values are cached per resolver (one per invocation),
 * so health gates do not fetch a password per probe; a failed lookup is not cached, so a retry asks again.
 */

/** Fetches the secret `name` of one cloud scheme (`reference` is the whole reference, for errors). */
export type SecretScheme = (name: string, reference: string) => Promise<string>;

export interface CloudSecretResolverOptions {
  /** The cloud in messages: `scheme "x" is not available on <cloud>`. */
  cloud: string;
  /** The cloud's own schemes, in the order messages list them. */
  schemes: Readonly<Record<string, SecretScheme>>;
  env?: Readonly<Record<string, string | undefined>>;
  /** The adapter's error for a reference that cannot be resolved. */
  unavailable: (reference: string, problem: string, options?: ErrorOptions) => Error;
}

export function cloudSecretResolver(options: CloudSecretResolverOptions): SecretResolver {
  const cache = new Map<string, Promise<string>>();
  const { unavailable } = options;
  const names = ['env', 'file', ...Object.keys(options.schemes)];
  const usable = `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;

  async function fetch(reference: string): Promise<string> {
    const colon = reference.indexOf(':');
    const scheme = colon < 0 ? '' : reference.slice(0, colon);
    const name = reference.slice(colon + 1);
    if (name === '') throw unavailable(reference, 'the reference names nothing after the scheme');
    if (scheme === 'env') {
      const value = (options.env ?? process.env)[name];
      if (value === undefined) throw unavailable(reference, `environment variable ${name} is not set`);
      return value;
    }
    if (scheme === 'file') {
      return readFile(name, 'utf8')
        .then((text) => text.replace(/\r?\n$/, ''))
        .catch((error: unknown) => {
          throw unavailable(reference, (error as Error).message, { cause: error });
        });
    }
    const own = Object.hasOwn(options.schemes, scheme) ? options.schemes[scheme] : undefined;
    if (own === undefined) {
      throw unavailable(reference, `scheme "${scheme}" is not available on ${options.cloud} (use ${usable})`);
    }
    return own(name, reference);
  }

  return {
    resolve(reference: string): Promise<string> {
      let value = cache.get(reference);
      if (value === undefined) {
        value = fetch(reference);
        cache.set(reference, value);
        value.catch(() => cache.delete(reference));
      }
      return value;
    },
  };
}
