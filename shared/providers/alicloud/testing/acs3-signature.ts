/*
 * FAKE (test support): the server side of Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), written from
 * the public "V3 request structure and signature" reference, independently of the SDK's signer:
 *
 *   CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 *   - CanonicalURI: the path, percent-encoded (RFC 3986); "/" for RPC-style APIs.
 *   - CanonicalQueryString: every query parameter, names and values percent-encoded (RFC 3986: unreserved
 *     A-Z a-z 0-9 - _ . ~ stay, space is %20, "*" is %2A), sorted by encoded name, "name=value" joined by "&".
 *   - CanonicalHeaders: the signed headers (lower-case names; host, content-type and every x-acs-* header must be
 *     among them), each "name:trimmed value\n", sorted by name.
 *   - HashedPayload: hex SHA-256 of the body; must equal the x-acs-content-sha256 header.
 *   StringToSign = "ACS3-HMAC-SHA256" \n hex(SHA-256(CanonicalRequest)); Signature = hex(HMAC-SHA256(secret, StringToSign)).
 *   Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>
 * Plus the replay rules the gateway applies: x-acs-date (ISO 8601 UTC) within 15 minutes, x-acs-signature-nonce
 * never seen before.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'ACS3-HMAC-SHA256';
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  path: string;
  /** Decoded query parameters (the raw query string is re-canonicalised from these). */
  query: ReadonlyArray<readonly [string, string]>;
  /** Header names lower-case, values as received. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

export type SignatureVerdict =
  | { ok: true; accessKeyId: string }
  | { ok: false; status: number; code: string; message: string };

export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalQueryString(query: ReadonlyArray<readonly [string, string]>): string {
  return query
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Signs like a client would (used only by the fake's own tests of tampering; the SDK signs for itself). */
export function signatureOf(request: SignedRequest, signedHeaders: readonly string[], secret: string): string {
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${(request.headers[name] ?? '').trim()}\n`).join('');
  const canonicalRequest = [
    request.method.toUpperCase(),
    request.path.split('/').map(rfc3986).join('/') || '/',
    canonicalQueryString(request.query),
    canonicalHeaders,
    signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
  const stringToSign = `${ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

export class SignatureVerifier {
  readonly #secrets: ReadonlyMap<string, string>;
  readonly #nonces = new Set<string>();
  readonly #now: () => number;

  constructor(credentials: Readonly<Record<string, string>>, now: () => number = Date.now) {
    this.#secrets = new Map(Object.entries(credentials));
    this.#now = now;
  }

  verify(request: SignedRequest): SignatureVerdict {
    const auth = request.headers.authorization;
    if (auth === undefined) return deny(400, 'MissingAuthorization', 'the Authorization header is missing');
    const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(auth);
    if (match === null) {
      return deny(400, 'IncompleteSignature', `the Authorization header is not an ${ALGORITHM} signature`);
    }
    const [, accessKeyId, signedList, signature] = match as unknown as [string, string, string, string];
    const secret = this.#secrets.get(accessKeyId);
    if (secret === undefined) return deny(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');

    const signedHeaders = signedList.split(';');
    const sorted = [...signedHeaders].sort();
    if (signedHeaders.some((name, i) => name !== sorted[i] || name !== name.toLowerCase())) {
      return deny(400, 'IncompleteSignature', 'SignedHeaders must be lower-case and sorted');
    }
    for (const name of Object.keys(request.headers)) {
      const mustSign = name === 'host' || name === 'content-type' || name.startsWith('x-acs-');
      if (mustSign && request.headers[name] !== undefined && !signedHeaders.includes(name)) {
        return deny(400, 'IncompleteSignature', `header ${name} must be signed`);
      }
    }
    const payloadHash = sha256Hex(request.body);
    if (request.headers['x-acs-content-sha256'] !== payloadHash) {
      return deny(400, 'InvalidParameter.ContentSha256', 'x-acs-content-sha256 does not match the body');
    }
    const date = request.headers['x-acs-date'];
    if (date === undefined || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(date)) {
      return deny(400, 'MissingTimestamp', 'x-acs-date must be an ISO 8601 UTC time (yyyy-MM-ddTHH:mm:ssZ)');
    }
    if (Math.abs(this.#now() - Date.parse(date)) > MAX_CLOCK_SKEW_MS) {
      return deny(400, 'InvalidTimeStamp.Expired', 'x-acs-date is more than 15 minutes away from the server time');
    }
    const nonce = request.headers['x-acs-signature-nonce'];
    if (nonce === undefined || nonce === '')
      return deny(400, 'MissingSignatureNonce', 'x-acs-signature-nonce is missing');
    const expected = signatureOf(request, signedHeaders, secret);
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      return deny(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    }
    if (this.#nonces.has(nonce)) return deny(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    this.#nonces.add(nonce);
    return { ok: true, accessKeyId };
  }
}

function deny(status: number, code: string, message: string): SignatureVerdict {
  return { ok: false, status, code, message };
}
