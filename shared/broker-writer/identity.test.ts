/**
 * The node-id guard reads server.properties twice — in TypeScript before a write (shared/properties/identity.ts)
 * and on the host by brokerlink-writer.sh (`identity` mode, the same code its `write` runs) — and the two must agree
 * on every file, or the host check would refuse what brokerlink planned (or let through what it refused). Generated
 * files mix the identity keys with every Properties construct that can hide or change them: separators, escapes,
 * continuations, comments, all three line endings, duplicates, signs, zeros, whitespace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PropertiesSyntaxError } from '../properties/errors.ts';
import { fileIdentity, type IdentityValue } from '../properties/identity.ts';
import { buildIdentityArgv, parseIdentityOutput } from './protocol.ts';

const SCRIPT = fileURLToPath(new URL('./brokerlink-writer.sh', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'brokerlink-identity-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function onHost(bytes: Buffer, name: string): { nodeId: string; brokerId: string } {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const r = spawnSync('bash', [SCRIPT, ...buildIdentityArgv(file)], { encoding: 'utf8', timeout: 20_000 });
  const { nodeId, brokerId } = parseIdentityOutput(r.stdout, r.status);
  return { nodeId, brokerId };
}

const shown = (value: IdentityValue) =>
  value.kind === 'id' ? String(value.id) : value.kind === 'unset' ? 'unset' : 'not-a-number';

function inBrokerlink(bytes: Buffer): { nodeId: string; brokerId: string } {
  try {
    const identity = fileIdentity(bytes.toString('latin1'));
    return { nodeId: shown(identity['node.id']), brokerId: shown(identity['broker.id']) };
  } catch (error) {
    if (error instanceof PropertiesSyntaxError) return { nodeId: 'malformed', brokerId: 'malformed' };
    throw error;
  }
}

const key = fc.constantFrom('node.id', 'broker.id', 'node\\.id', 'broker\\u002eid', 'node.i\\\n  d', 'nodeid', 'x');
const separator = fc.constantFrom('=', ':', ' ', '\t', ' = ', '  :', '\f', ' \\\n =');
const value = fc.constantFrom(
  '1',
  '3',
  '0003',
  ' 3 ',
  '+3',
  '-1',
  '-0',
  '-2',
  '',
  'abc',
  '2147483647',
  '2147483648',
  '\\u0033',
  '\\u00zz',
  '3\\\n   1',
  '\\t3',
  '3\u00a0',
  '\u0663',
  '<set me>',
);
const ending = fc.constantFrom('\n', '\r\n', '\r', '');
const line = fc.oneof(
  fc.tuple(key, separator, value, ending).map(([k, s, v, e]) => `${k}${s}${v}${e}`),
  fc.tuple(fc.constantFrom('#', '!', '  #', ' '), key, value, ending).map(([c, k, v, e]) => `${c}${k}=${v}${e}`),
  fc.constantFrom('\n', '\r\n', 'listeners=PLAINTEXT://:9092\n', 'a=b\\\n', '   \n', 'log.dirs=/x\\\\\n'),
);
const file = fc.array(line, { maxLength: 8 }).map((lines) => Buffer.from(lines.join(''), 'latin1'));

describe('node-id reading: brokerlink and the host writer agree', () => {
  it('on generated files (node.id and broker.id hidden in every Properties construct)', () => {
    const samples = fc.sample(file, { numRuns: 250, seed: 20261201 });
    const compared = samples.map((bytes, i) => ({
      text: bytes.toString('latin1'),
      host: onHost(bytes, `g${i}`),
      ours: inBrokerlink(bytes),
    }));
    const mismatches = compared.filter((c) => c.host.nodeId !== c.ours.nodeId || c.host.brokerId !== c.ours.brokerId);
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The generator reaches every kind of answer, so agreement is not agreement on "unset" alone.
    const kinds = new Set(
      compared.flatMap((c) => [c.ours.nodeId, c.ours.brokerId]).map((v) => (/^\d+$/.test(v) ? 'id' : v)),
    );
    expect([...kinds].sort()).toEqual(['id', 'malformed', 'not-a-number', 'unset']);
  });

  it.each([
    ['the last definition wins', 'node.id=1\nnode.id=3\n', '3', 'unset'],
    ['a commented-out id does not count', '#node.id=3\n! broker.id=4\nnode.id=1\n', '1', 'unset'],
    ['a continued value', 'node.id=\\\n    3\n', '3', 'unset'],
    ['an escaped key', 'node\\.id=3\nbroker\\u002eid=3\n', '3', '3'],
    ['whitespace as separator, spaces trimmed', 'node.id   3  \n', '3', 'unset'],
    ['CR line endings', 'a=1\rnode.id=3\rbroker.id=-1\r', '3', 'unset'],
    ['a bad \\u escape anywhere', 'x=\\u12\nnode.id=1\n', 'malformed', 'malformed'],
    ['an id Kafka could not parse', 'node.id=3a\n', 'not-a-number', 'unset'],
  ])('%s', (_name, text, nodeId, brokerId) => {
    const bytes = Buffer.from(text, 'latin1');
    expect(onHost(bytes, 'case')).toEqual({ nodeId, brokerId });
    expect(inBrokerlink(bytes)).toEqual({ nodeId, brokerId });
  });
});
