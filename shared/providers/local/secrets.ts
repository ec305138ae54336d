/**
 * Secret references for the local provider: `env:NAME` (an environment variable) and `file:/path` (a file's
 * content, one trailing newline removed). Cloud secret stores are not reachable locally and are refused by name.
 */
import { readFile } from 'node:fs/promises';
import type { SecretResolver } from '../../ports.ts';
import { SecretUnavailable } from './errors.ts';

export interface LocalSecretsOptions {
  /** Environment to read `env:` references from. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export function createLocalSecrets(options: LocalSecretsOptions = {}): SecretResolver {
  const env = options.env ?? process.env;
  return {
    async resolve(reference: string): Promise<string> {
      const colon = reference.indexOf(':');
      const scheme = colon < 0 ? '' : reference.slice(0, colon);
      const name = colon < 0 ? '' : reference.slice(colon + 1);
      if (name === '') throw new SecretUnavailable(reference, 'expected "<scheme>:<name>"');
      if (scheme === 'env') {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          throw new SecretUnavailable(reference, 'not a valid environment variable name');
        }
        const value = env[name];
        if (value === undefined) throw new SecretUnavailable(reference, `environment variable ${name} is not set`);
        return value;
      }
      if (scheme === 'file') {
        if (!name.startsWith('/')) throw new SecretUnavailable(reference, 'file references need an absolute path');
        try {
          return (await readFile(name, 'utf8')).replace(/\r?\n$/, '');
        } catch (err) {
          throw new SecretUnavailable(reference, `cannot read ${name}`, { cause: err });
        }
      }
      throw new SecretUnavailable(
        reference,
        `scheme "${scheme}" is not available to the local provider (use env: or file:)`,
      );
    },
  };
}
