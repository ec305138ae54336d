/**
 * Server side of the SASL mechanisms the test broker accepts: PLAIN (RFC 4616) and SCRAM-SHA-256/512
 * (RFC 5802 / RFC 7677) with real salted passwords, nonces, client-proof verification and server signatures,
 * computed with node:crypto. Error messages are the ones Kafka brokers return in SaslAuthenticate.
 */

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { BrokerlinkError } from '../../shared/errors.ts';

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Authentication failed; `message` is what goes into SaslAuthenticateResponse.ErrorMessage. */
export class SaslAuthenticationFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'SaslAuthenticationFailed';
}

export interface SaslStep {
  response: Buffer;
  /** The exchange is complete and the client is authenticated. */
  done: boolean;
  principal?: string;
}

export interface SaslServer {
  step(token: Buffer): SaslStep;
}

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

type Hash = 'sha256' | 'sha512';
const HASH: Record<Exclude<SaslMechanism, 'PLAIN'>, { hash: Hash; size: number }> = {
  'SCRAM-SHA-256': { hash: 'sha256', size: 32 },
  'SCRAM-SHA-512': { hash: 'sha512', size: 64 },
};

/** Kafka's minimum (and kafka-configs' default) iteration count. */
export const SCRAM_ITERATIONS = 4096;

export function scramCredential(
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = SCRAM_ITERATIONS,
): ScramCredential {
  const { hash, size } = HASH[mechanism];
  const salted = pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, size, hash);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  return {
    salt,
    iterations,
    storedKey: createHash(hash).update(clientKey).digest(),
    serverKey: createHmac(hash, salted).update('Server Key').digest(),
  };
}

export function createSaslServer(
  mechanism: SaslMechanism,
  users: ReadonlyMap<string, string>,
  scramCredentials: (mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string) => ScramCredential | undefined,
  options: { serverNonce?: () => string } = {},
): SaslServer {
  if (mechanism === 'PLAIN') return plainServer(users);
  const serverNonce = options.serverNonce ?? (() => randomBytes(18).toString('base64url'));
  return scramServer(mechanism, (user) => scramCredentials(mechanism, user), serverNonce);
}

function plainServer(users: ReadonlyMap<string, string>): SaslServer {
  return {
    step(token) {
      const parts = token.toString('utf8').split('\u0000');
      if (parts.length !== 3) {
        throw new SaslAuthenticationFailed('Invalid SASL/PLAIN response: expected 3 tokens, got ' + parts.length);
      }
      const [authzid, user, password] = parts as [string, string, string];
      if (user === '') throw new SaslAuthenticationFailed('Authentication failed: username not specified');
      if (password === '') throw new SaslAuthenticationFailed('Authentication failed: password not specified');
      if (authzid !== '' && authzid !== user) {
        throw new SaslAuthenticationFailed(
          'Authentication failed: Client requested an authorization id that is different from username',
        );
      }
      const expected = users.get(user);
      if (expected === undefined || !safeEqual(Buffer.from(expected), Buffer.from(password))) {
        throw new SaslAuthenticationFailed('Authentication failed: Invalid username or password');
      }
      return { response: Buffer.alloc(0), done: true, principal: user };
    },
  };
}

function scramServer(
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
  credentialOf: (user: string) => ScramCredential | undefined,
  serverNonce: () => string,
): SaslServer {
  const { hash } = HASH[mechanism];
  const invalid = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
  let state: 'first' | 'final' | 'done' = 'first';
  let gs2Header = '';
  let clientFirstBare = '';
  let serverFirst = '';
  let nonce = '';
  let user = '';
  let cred: ScramCredential | undefined;

  return {
    step(token) {
      const text = token.toString('utf8');
      if (state === 'first') {
        // gs2-header = ("n" | "y" | "p=...") "," [ "a=" authzid ] ","
        const m = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/s.exec(text);
        if (!m) throw new SaslAuthenticationFailed(`Invalid SCRAM client first message`);
        if (m[1]!.startsWith('p=')) throw new SaslAuthenticationFailed('Channel binding is not supported');
        gs2Header = `${m[1]},${m[2] ?? ''},`;
        clientFirstBare = m[3]!;
        const attrs = parseAttributes(clientFirstBare);
        const name = attrs.get('n');
        const clientNonce = attrs.get('r');
        if (name === undefined || clientNonce === undefined || clientNonce === '') {
          throw new SaslAuthenticationFailed('Invalid SCRAM client first message');
        }
        user = name.replace(/=2C/g, ',').replace(/=3D/g, '=');
        const authzid = m[2]?.slice(2);
        if (authzid && authzid !== user) {
          throw new SaslAuthenticationFailed(
            'Authentication failed: Client requested an authorization id that is different from username',
          );
        }
        cred = credentialOf(user);
        if (!cred) throw new SaslAuthenticationFailed(invalid);
        nonce = clientNonce + serverNonce();
        serverFirst = `r=${nonce},s=${cred.salt.toString('base64')},i=${cred.iterations}`;
        state = 'final';
        return { response: Buffer.from(serverFirst, 'utf8'), done: false };
      }
      if (state === 'final') {
        state = 'done';
        const attrs = parseAttributes(text);
        const proofB64 = attrs.get('p');
        const pIndex = text.lastIndexOf(',p=');
        if (proofB64 === undefined || pIndex < 0)
          throw new SaslAuthenticationFailed('Invalid SCRAM client final message');
        if (attrs.get('c') !== Buffer.from(gs2Header, 'utf8').toString('base64')) {
          throw new SaslAuthenticationFailed('Invalid SCRAM client final message: channel binding mismatch');
        }
        if (attrs.get('r') !== nonce)
          throw new SaslAuthenticationFailed('Invalid SCRAM client final message: nonce mismatch');
        const withoutProof = text.slice(0, pIndex);
        const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
        const c = cred!;
        const clientSignature = createHmac(hash, c.storedKey).update(authMessage).digest();
        const proof = Buffer.from(proofB64, 'base64');
        if (proof.length !== clientSignature.length) throw new SaslAuthenticationFailed(invalid);
        const clientKey = Buffer.alloc(proof.length);
        for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
        const computedStoredKey = createHash(hash).update(clientKey).digest();
        if (!safeEqual(computedStoredKey, c.storedKey)) throw new SaslAuthenticationFailed(invalid);
        const serverSignature = createHmac(hash, c.serverKey).update(authMessage).digest('base64');
        return { response: Buffer.from(`v=${serverSignature}`, 'utf8'), done: true, principal: user };
      }
      throw new SaslAuthenticationFailed('Unexpected SCRAM message after authentication completed');
    },
  };
}

function parseAttributes(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
