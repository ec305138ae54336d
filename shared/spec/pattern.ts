/*
 * Advertised listener patterns: "<broker_id>.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com:<port>".
 * A pattern renders to the host:port a consumer dials for one broker; the host must be a valid DNS name because
 * the consumer's private DNS zone resolves it to the private-link endpoint.
 */

import { hasOwnKey, ownValue } from '../util/own.ts';

const PLACEHOLDER = /<([a-z][a-z0-9_]*)>/g;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function placeholdersIn(pattern: string): string[] {
  return [...new Set([...pattern.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

export function formatBrokerId(format: string, nodeId: number): string {
  return format.replace('{id}', String(nodeId));
}

export type RenderResult =
  | { kind: 'rendered'; host: string; port: number; address: string }
  | { kind: 'pending'; missing: string[] };

/**
 * Fills the placeholders. Values that are `null` (declared but not known yet) make the result `pending`
 * instead of failing: LB work can go ahead while broker config waits for the value.
 */
export function renderPattern(pattern: string, values: Readonly<Record<string, string | null>>): RenderResult {
  const missing = placeholdersIn(pattern).filter((name) => {
    const value = ownValue(values, name);
    return value === null || value === undefined;
  });
  if (missing.length > 0) return { kind: 'pending', missing };
  const address = pattern.replace(PLACEHOLDER, (_, name: string) => ownValue(values, name)!);
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  return { kind: 'rendered', host, port, address };
}

/** Returns why `host` is not a valid DNS host name, or undefined when it is (RFC 1123: labels ≤ 63, name ≤ 253). */
export function dnsNameProblem(host: string): string | undefined {
  if (host.length === 0) return 'the host name is empty';
  if (host.length > 253) return `the host name is ${host.length} characters long; at most 253 are allowed`;
  for (const label of host.split('.')) {
    if (label.length > 63) return `the label "${label}" is ${label.length} characters long; at most 63 are allowed`;
    if (!DNS_LABEL.test(label)) {
      return `the label "${label}" is not a valid DNS label (lower-case a-z, 0-9 and "-", not starting or ending with "-")`;
    }
  }
  return undefined;
}

/** Structural check of one pattern, independent of any broker. Returns problems as sentences. */
export function patternProblems(pattern: string, declared: Readonly<Record<string, string | null>>): string[] {
  const problems: string[] = [];
  if (!pattern.includes('<broker_id>')) {
    problems.push('must contain <broker_id> so every broker gets its own name');
  }
  if (!/:<port>$/.test(pattern)) {
    problems.push('must end with ":<port>" so every broker advertises its own load-balancer port');
  } else if (pattern.indexOf('<port>') !== pattern.length - '<port>'.length) {
    problems.push('may use <port> only once, after the last ":"');
  }
  for (const name of placeholdersIn(pattern)) {
    if (name !== 'broker_id' && name !== 'port' && !hasOwnKey(declared, name)) {
      problems.push(
        `uses <${name}>, which is not declared: add it to this exposure's placeholders (null while not known yet), or fix the spelling`,
      );
    }
  }
  const stray = pattern.replace(PLACEHOLDER, '').match(/[<>]/);
  if (stray) problems.push('has an unbalanced "<" or ">"; placeholders look like <broker_id>');
  return problems;
}
