/*
 * FAKE (test support): the shared plumbing of the in-memory AWS model in ./fake-aws.ts — call recording,
 * injected faults (throttling) and pagination tokens. Errors are built from the SDK's own exception classes
 * where the SDK models them (so `name`, `$fault` and `instanceof` match what the real service returns) and from
 * the service's base exception with the AWS error code as name otherwise (EC2, unmodeled throttles).
 */
import * as ec2 from '@aws-sdk/client-ec2';
import * as elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as secretsManager from '@aws-sdk/client-secrets-manager';
import * as ssm from '@aws-sdk/client-ssm';

export type FakeService = 'ec2' | 'elbv2' | 'ssm' | 'secretsManager';

export interface RecordedCall {
  service: FakeService;
  operation: string;
  input: Record<string, unknown>;
  /** The AWS error code the call failed with, if it did. */
  error?: string;
}

export interface InjectedFault {
  service: FakeService;
  operation: string;
  /** How many more calls fail this way. */
  remaining: number;
  code: string;
}

const BASES = {
  ec2: ec2.EC2ServiceException,
  elbv2: elbv2.ElasticLoadBalancingV2ServiceException,
  ssm: ssm.SSMServiceException,
  secretsManager: secretsManager.SecretsManagerServiceException,
} as const;

const MODULES: Record<FakeService, Record<string, unknown>> = {
  ec2,
  elbv2,
  ssm,
  secretsManager,
};

/** The code each service uses for throttling on the wire (what the SDK surfaces as `name`). */
export const THROTTLE_CODE: Record<FakeService, string> = {
  ec2: 'RequestLimitExceeded',
  elbv2: 'Throttling',
  ssm: 'ThrottlingException',
  secretsManager: 'ThrottlingException',
};

type ExceptionCtor = new (options: { message: string; $metadata: Record<string, unknown> }) => Error;

/** An SDK exception as the client would throw it for AWS error `code`. */
export function awsError(service: FakeService, code: string, message: string): Error {
  const metadata = { httpStatusCode: 400, requestId: 'fake-request' };
  const modeled = MODULES[service][code];
  if (typeof modeled === 'function' && modeled.prototype instanceof BASES[service]) {
    return new (modeled as ExceptionCtor)({ message, $metadata: metadata });
  }
  const Base = BASES[service];
  return new Base({ name: code, $fault: 'client', $metadata: metadata, message });
}

/** Pagination over an array: the token is the next start index, as an opaque string. */
export function paginate<T>(
  service: FakeService,
  items: readonly T[],
  token: string | undefined,
  pageSize: number,
): { page: T[]; next: string | undefined } {
  const start = token === undefined || token === '' ? 0 : Number.parseInt(Buffer.from(token, 'base64').toString(), 10);
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    throw awsError(service, service === 'ec2' ? 'InvalidNextToken' : 'ValidationError', `invalid token ${token}`);
  }
  const end = start + pageSize;
  return {
    page: items.slice(start, end),
    next: end < items.length ? Buffer.from(String(end)).toString('base64') : undefined,
  };
}

/** Deterministic hex ids (so a test's resource ids are stable between runs). */
export class IdSource {
  #counter = 0;
  next(width: number): string {
    this.#counter += 1;
    return this.#counter.toString(16).padStart(width, '0');
  }
}
