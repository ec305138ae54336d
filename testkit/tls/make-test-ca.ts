/**
 * A throwaway test CA and one server certificate for 127.0.0.1 / localhost, made with the system `openssl`
 * (no network). For tests only: keys are unencrypted and their temp directory is removed at once.
 */
import { BrokerlinkError } from '../../shared/errors.ts';
import { makeCertificateAuthority } from './certificate-authority.ts';

export interface TestCa {
  /** PEM of the CA certificate (give to clients as `ca`). */
  ca: string;
  /** PEM of the server certificate, signed by the CA, SAN IP:127.0.0.1, DNS:localhost. */
  cert: string;
  /** PEM of the server's private key. */
  key: string;
}

export class TestCaFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'TestCaFailed';
}

export function makeTestCa(options: { commonName?: string } = {}): TestCa {
  let authority: ReturnType<typeof makeCertificateAuthority> | undefined;
  try {
    authority = makeCertificateAuthority('brokerlink test CA');
    const { cert, key } = authority.issue(options.commonName ?? 'localhost', ['localhost']);
    return { ca: authority.caCert, cert, key };
  } catch (err) {
    throw new TestCaFailed('openssl failed (is openssl installed?)', { cause: err });
  } finally {
    authority?.dispose();
  }
}
