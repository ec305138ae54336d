/**
 * Test certificates made with the real `openssl` CLI into a temp directory: a CA and a server certificate for
 * `localhost`/127.0.0.1 and an extra DNS name signed by it. Call `makeCertificateAuthority` twice for two
 * unrelated CAs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  caCert: string;
  /** Issues a server (or client) certificate for the given DNS names (+ 127.0.0.1). */
  issue(commonName: string, dnsNames: readonly string[]): { cert: string; key: string };
  dispose(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe', timeout: 20_000 });
}

export function makeCertificateAuthority(name: string): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'brokerlink-ca-'));
  openssl(
    [
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
      '2',
      '-subj',
      `/CN=${name}`,
    ],
    dir,
  );
  let serial = 0;
  return {
    caCert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    issue(commonName, dnsNames) {
      serial += 1;
      const base = `leaf${serial}`;
      const san = [...dnsNames.map((d) => `DNS:${d}`), 'IP:127.0.0.1'].join(',');
      writeFileSync(join(dir, `${base}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
      openssl(
        [
          'req',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          `${base}.key`,
          '-out',
          `${base}.csr`,
          '-subj',
          `/CN=${commonName}`,
        ],
        dir,
      );
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${base}.csr`,
          '-CA',
          'ca.crt',
          '-CAkey',
          'ca.key',
          '-set_serial',
          String(1000 + serial),
          '-out',
          `${base}.crt`,
          '-days',
          '2',
          '-extfile',
          `${base}.ext`,
        ],
        dir,
      );
      return {
        cert: readFileSync(join(dir, `${base}.crt`), 'utf8'),
        key: readFileSync(join(dir, `${base}.key`), 'utf8'),
      };
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
