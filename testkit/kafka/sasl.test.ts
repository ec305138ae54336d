import { describe, expect, it } from 'vitest';
import { createSaslServer, SaslAuthenticationFailed, scramCredential } from './sasl.ts';

describe('SCRAM server', () => {
  it('reproduces the RFC 7677 SCRAM-SHA-256 exchange byte for byte', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const server = createSaslServer(
      'SCRAM-SHA-256',
      new Map(),
      (_m, user) => (user === 'user' ? scramCredential('SCRAM-SHA-256', 'pencil', salt, 4096) : undefined),
      { serverNonce: () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0' },
    );
    const first = server.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    expect(first.done).toBe(false);
    expect(first.response.toString()).toBe(
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    );
    const final = server.step(
      Buffer.from(
        'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      ),
    );
    expect(final).toEqual({
      done: true,
      principal: 'user',
      response: Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='),
    });
  });

  it('rejects a wrong proof, a tampered nonce and an unknown user', () => {
    const cred = scramCredential('SCRAM-SHA-512', 'right');
    const make = () => createSaslServer('SCRAM-SHA-512', new Map(), (_m, u) => (u === 'alice' ? cred : undefined));
    const s1 = make();
    const sf = s1.step(Buffer.from('n,,n=alice,r=abc')).response.toString();
    const nonce = /r=([^,]+)/.exec(sf)![1]!;
    expect(() => s1.step(Buffer.from(`c=biws,r=${nonce},p=${Buffer.alloc(64, 1).toString('base64')}`))).toThrow(
      'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
    const s2 = make();
    s2.step(Buffer.from('n,,n=alice,r=abc'));
    expect(() => s2.step(Buffer.from(`c=biws,r=abcX,p=${Buffer.alloc(64).toString('base64')}`))).toThrow(/nonce/);
    expect(() => make().step(Buffer.from('n,,n=mallory,r=abc'))).toThrow(SaslAuthenticationFailed);
  });
});

describe('PLAIN server', () => {
  const users = new Map([['alice', 'secret']]);
  const server = () => createSaslServer('PLAIN', users, () => undefined);
  it('accepts the right password and rejects others with Kafka messages', () => {
    expect(server().step(Buffer.from('\u0000alice\u0000secret'))).toMatchObject({ done: true, principal: 'alice' });
    expect(() => server().step(Buffer.from('\u0000alice\u0000nope'))).toThrow(
      'Authentication failed: Invalid username or password',
    );
    expect(() => server().step(Buffer.from('bob\u0000alice\u0000secret'))).toThrow(/authorization id/);
    expect(() => server().step(Buffer.from('alice'))).toThrow(/expected 3 tokens/);
  });
});
