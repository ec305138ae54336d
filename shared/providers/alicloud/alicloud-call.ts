import { BrokerlinkError } from '../../errors.ts';
import { AlicloudCallFailed, AlicloudServiceUnavailable, AlicloudThrottled } from './errors.ts';

/*
 * One place that turns the Alibaba SDK's errors (darabonba ClientError / ServerError / ThrottlingError, which carry
 * `code`, `statusCode` and `data`) into this module's named errors. Callers that expect a specific code
 * (InvalidPermission.Duplicate, Conflict.Port, …) test for it with `alicloudCode` before mapping.
 */

export function alicloudCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' && code !== 'undefined' ? code : undefined;
}

export function isAlicloudError(error: unknown, ...codes: string[]): boolean {
  const code = alicloudCode(error);
  return code !== undefined && codes.includes(code);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

export function mapAlicloudError(operation: string, error: unknown): Error {
  if (error instanceof BrokerlinkError) return error;
  const code = alicloudCode(error);
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && (code.startsWith('Throttling') || code === 'ServiceUnavailable.Throttling')) {
    return new AlicloudThrottled(operation, code, { cause: error });
  }
  if ((typeof status === 'number' && status >= 500) || (code !== undefined && NETWORK_CODES.has(code))) {
    return new AlicloudServiceUnavailable(operation, `${code ?? 'error'}: ${message}`, { cause: error });
  }
  if (code === undefined && typeof status !== 'number') {
    return new AlicloudServiceUnavailable(operation, message, { cause: error });
  }
  return new AlicloudCallFailed(operation, code ?? `HTTP ${String(status)}`, message, { cause: error });
}

export async function alicloudCall<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw mapAlicloudError(operation, error);
  }
}
