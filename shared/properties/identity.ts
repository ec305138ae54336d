import { MAX_NODE_ID as INT32_MAX } from '../model/schemas.ts';
import { getProperty, parseProperties } from './document.ts';

/*
 * Which Kafka node a server.properties belongs to: its `node.id` (KRaft) and `broker.id` (ZooKeeper mode, and an
 * alias KRaft still reads). A file is only ever written for the broker it names: a host whose instance tag (or
 * static spec entry) says broker 1 while its file says node.id=3 runs broker 3, and giving it broker 1's advertised
 * address would send broker 1's clients to broker 3.
 *
 * Read as Kafka reads it: `java.util.Properties` (last definition wins, escapes decoded), the value trimmed and
 * parsed as `Integer.parseInt` does (sign, leading zeros); -1 is Kafka's "not set" (ZooKeeper mode generates the id,
 * and meta.properties then holds it). A value that is not an int32 cannot be this broker's file (Kafka would not
 * start with it), so it is a mismatch too. The host-side writer (brokerlink-writer.sh, `identity` mode) applies the
 * same rules; identity.test.ts checks the two against each other.
 */

export const IDENTITY_KEYS = ['node.id', 'broker.id'] as const;
export type IdentityKey = (typeof IDENTITY_KEYS)[number];

/** What an identity key says: an id, "not set", or a value that is no int32 (shown as `not-a-number`). */
export type IdentityValue = { kind: 'id'; id: number } | { kind: 'unset' } | { kind: 'invalid' };

export interface IdentityMismatch {
  key: IdentityKey;
  /** The file's value in printable form: a decimal id or `not-a-number`. */
  found: string;
}

/** Kafka's reading of one identity value (after `java.util.Properties` decoding). */
export function identityValue(raw: string): IdentityValue {
  // String.trim(): every char up to U+0020 at either end; Integer.parseInt: optional sign, decimal digits.
  const trimmed = raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  const match = /^([+-]?)0*([0-9]{1,10})$/.exec(trimmed);
  if (match === null) return { kind: 'invalid' };
  const magnitude = Number(match[2]);
  if (match[1] === '-' && magnitude !== 0) return magnitude === 1 ? { kind: 'unset' } : { kind: 'invalid' };
  return magnitude > INT32_MAX ? { kind: 'invalid' } : { kind: 'id', id: magnitude };
}

/** The node id and broker id a file sets (latin1 text, as Kafka reads bytes); absent keys are `unset`. */
export function fileIdentity(text: string): Record<IdentityKey, IdentityValue> {
  const document = parseProperties(text);
  const read = (key: IdentityKey): IdentityValue => {
    const value = getProperty(document, key);
    return value === undefined ? { kind: 'unset' } : identityValue(value);
  };
  return { 'node.id': read('node.id'), 'broker.id': read('broker.id') };
}

/** The first identity key of the file that names another node than `expectedId`, if any. */
export function identityMismatch(text: string, expectedId: number): IdentityMismatch | undefined {
  const identity = fileIdentity(text);
  for (const key of IDENTITY_KEYS) {
    const value = identity[key];
    if (value.kind === 'invalid') return { key, found: 'not-a-number' };
    if (value.kind === 'id' && value.id !== expectedId) return { key, found: String(value.id) };
  }
  return undefined;
}
