import { BrokerlinkError } from '../../errors.ts';
import { AwsCallFailed, AwsServiceUnavailable, AwsThrottled } from './errors.ts';

/*
 * One place that turns SDK exceptions into this module's named errors. The SDK has already retried
 * (see clients.ts: adaptive retry mode); whatever is left is mapped here. Callers that expect a specific
 * AWS error (DuplicateListener, ParameterAlreadyExists, ...) test for it with `awsErrorName` before mapping.
 */

/** Error codes AWS services use for throttling (ELBv2 `Throttling`, EC2 `RequestLimitExceeded`, SSM `ThrottlingException`, ...). */
export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'TooManyUpdates',
  'PriorRequestNotComplete',
  'SlowDown',
  'EC2ThrottledException',
]);

/** The AWS error code of an SDK exception (`name`, or `Code` on some EC2 errors), or undefined for other errors. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as { name?: unknown; Code?: unknown; $metadata?: unknown };
  if (record.$metadata === undefined) return undefined;
  if (typeof record.name === 'string' && record.name !== 'Error') return record.name;
  if (typeof record.Code === 'string') return record.Code;
  return undefined;
}

/**
 * Whether an SDK exception has one of the given AWS error codes. The SDK names modeled errors after their class
 * (`DuplicateListenerException` for the wire code `DuplicateListener`), so both spellings match.
 */
export function isAwsError(error: unknown, ...codes: string[]): boolean {
  const name = awsErrorName(error);
  if (name === undefined) return false;
  const bare = name.endsWith('Exception') ? name.slice(0, -'Exception'.length) : name;
  return codes.some((code) => code === name || code === bare);
}

/** Maps an SDK exception to AwsThrottled / AwsServiceUnavailable / AwsCallFailed (brokerlink's errors pass through). */
export function mapAwsError(operation: string, error: unknown): Error {
  if (error instanceof BrokerlinkError) return error;
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  if (name !== undefined && THROTTLING_CODES.has(name)) return new AwsThrottled(operation, { cause: error });
  const fault = (error as { $fault?: unknown } | null)?.$fault;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (fault === 'server' || (status !== undefined && status >= 500)) {
    return new AwsServiceUnavailable(operation, `${name ?? 'error'}: ${message}`, { cause: error });
  }
  return new AwsCallFailed(operation, name ?? 'Unknown', message, { cause: error });
}

/** Runs one SDK call and maps whatever it throws. */
export async function awsCall<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw mapAwsError(operation, error);
  }
}

/** Drains an SDK paginator into one array, mapping errors like awsCall. */
export async function collectPages<P, T>(
  operation: string,
  pages: AsyncIterable<P>,
  pick: (page: P) => readonly T[] | undefined,
): Promise<T[]> {
  const items: T[] = [];
  try {
    for await (const page of pages) items.push(...(pick(page) ?? []));
  } catch (error) {
    throw mapAwsError(operation, error);
  }
  return items;
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
