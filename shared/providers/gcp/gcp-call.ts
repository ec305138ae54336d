import { BrokerlinkError } from '../../errors.ts';
import { GcpCallFailed, GcpRetryable } from './errors.ts';

/*
 * One place that turns a Google client error (google-gax GoogleError over REST: `httpStatusCode` and a gRPC
 * `code`; @google-cloud/storage ApiError: `code` is the HTTP status) into brokerlink's errors: 429 and 5xx (or
 * gRPC UNAVAILABLE / RESOURCE_EXHAUSTED / DEADLINE_EXCEEDED) are retryable, the rest fail. Callers handle the
 * statuses they expect (404, 409, 412) before this.
 */

const RETRYABLE_GRPC = new Set([4, 8, 14]); // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE

/** The HTTP status of a Google client error, or null (network failure, programming error). */
export function httpStatusOf(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as { httpStatusCode?: unknown; code?: unknown; response?: { status?: unknown } };
  if (typeof e.httpStatusCode === 'number') return e.httpStatusCode;
  if (typeof e.response?.status === 'number') return e.response.status;
  // Storage's ApiError carries the HTTP status as `code`; gax errors carry a gRPC code there (< 100).
  if (typeof e.code === 'number' && e.code >= 100) return e.code;
  return null;
}

export function isRetryable(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== null) return status === 429 || status >= 500;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return RETRYABLE_GRPC.has(code);
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(code);
}

export async function gcpCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof Error) || error instanceof BrokerlinkError) throw error;
    const status = httpStatusOf(error);
    if (isRetryable(error))
      throw new GcpRetryable(operation, status === null ? error.message : `HTTP ${status}`, { cause: error });
    throw new GcpCallFailed(operation, status, error.message, { cause: error });
  }
}
