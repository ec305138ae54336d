/**
 * Makes a throwaway test CA and a server certificate for 127.0.0.1 / localhost with the system `openssl`
 * (no network). For tests only: keys are unencrypted and live in a temp directory that is removed at once.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  /** PEM of the CA certificate (give to clients as `ca`). */
  ca: string;
  /** PEM of the server certificate, signed by the CA, SAN IP:127.0.0.1, DNS:localhost. */
  cert: string;
  /** PEM of the server's private key. */
  key: string;
}

export class TestCaFailed extends Error {
  override readonly name = 'TestCaFailed';
}

export function makeTestCa(options: { commonName?: string; days?: number } = {}): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'brokerlink-ca-'));
  const days = String(options.days ?? 2);
  const run = (args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new TestCaFailed(`openssl ${args[0]} failed (is openssl installed?)`, { cause: err });
    }
  };
  try {
    run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      days,
      '-subj',
      '/CN=brokerlink test CA',
    ]);
    run([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      `/CN=${options.commonName ?? 'localhost'}`,
    ]);
    writeFileSync(
      join(dir, 'ext.cnf'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
    );
    run([
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      days,
      '-extfile',
      'ext.cnf',
    ]);
    return {
      ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      cert: readFileSync(join(dir, 'server.crt'), 'utf8'),
      key: readFileSync(join(dir, 'server.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
