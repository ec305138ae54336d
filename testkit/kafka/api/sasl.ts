/** SaslHandshake and SaslAuthenticate of the test broker: PLAIN and SCRAM-SHA-256/512 against its configured users. */
import type { Reader } from '../codec.ts';
import {
  decodeSaslAuthenticateRequest,
  decodeSaslHandshakeRequest,
  ErrorCodes,
  encodeSaslAuthenticateResponse,
  encodeSaslHandshakeResponse,
} from '../protocol.ts';
import {
  createSaslServer,
  SASL_MECHANISMS,
  SaslAuthenticationFailed,
  type SaslMechanism,
  type ScramCredential,
  scramCredential,
} from '../sasl.ts';
import type { ConnState } from './context.ts';

export class SaslAuthority {
  private readonly users: Map<string, string>;
  private readonly scramCache = new Map<string, ScramCredential>();
  readonly mechanisms: SaslMechanism[];

  constructor(options: { users?: Record<string, string>; mechanisms?: SaslMechanism[] } = {}) {
    this.users = new Map(Object.entries(options.users ?? {}));
    this.mechanisms = options.mechanisms ?? [...SASL_MECHANISMS];
  }

  handshake(state: ConnState, r: Reader): Buffer {
    const { mechanism } = decodeSaslHandshakeRequest(r);
    if (state.sasl !== 'handshake') {
      state.close = state.sasl !== 'none';
      return encodeSaslHandshakeResponse(ErrorCodes.ILLEGAL_SASL_STATE, this.mechanisms);
    }
    if (!this.mechanisms.includes(mechanism as SaslMechanism)) {
      state.close = true;
      return encodeSaslHandshakeResponse(ErrorCodes.UNSUPPORTED_SASL_MECHANISM, this.mechanisms);
    }
    state.saslServer = createSaslServer(mechanism as SaslMechanism, this.users, (mech, user) => this.scram(mech, user));
    state.sasl = 'authenticate';
    return encodeSaslHandshakeResponse(ErrorCodes.NONE, this.mechanisms);
  }

  private scram(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string): ScramCredential | undefined {
    const password = this.users.get(user);
    if (password === undefined) return undefined;
    const key = `${mechanism}\u0000${user}`;
    let cred = this.scramCache.get(key);
    if (!cred) {
      cred = scramCredential(mechanism, password);
      this.scramCache.set(key, cred);
    }
    return cred;
  }

  authenticate(state: ConnState, r: Reader, v: number): Buffer {
    const { authBytes } = decodeSaslAuthenticateRequest(r, v);
    if (state.sasl !== 'authenticate' || !state.saslServer) {
      state.close = true;
      return encodeSaslAuthenticateResponse(v, {
        errorCode: ErrorCodes.ILLEGAL_SASL_STATE,
        errorMessage: 'Unexpected SaslAuthenticate request',
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0n,
      });
    }
    try {
      const step = state.saslServer.step(authBytes);
      if (step.done) state.sasl = 'authenticated';
      return encodeSaslAuthenticateResponse(v, {
        errorCode: ErrorCodes.NONE,
        errorMessage: null,
        authBytes: step.response,
        sessionLifetimeMs: 0n,
      });
    } catch (err) {
      state.close = true;
      return encodeSaslAuthenticateResponse(v, {
        errorCode: ErrorCodes.SASL_AUTHENTICATION_FAILED,
        errorMessage: err instanceof SaslAuthenticationFailed ? err.message : 'Authentication failed',
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0n,
      });
    }
  }
}
