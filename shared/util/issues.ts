import { quoted } from './printable.ts';

/** One problem with an input, located by a path such as `exposures[0].brokerPorts.to`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** A key that can stand in a dotted path as it is; any other key is printed quoted: `tags["kubernetes.io/role"]`. */
const PLAIN_KEY = /^[A-Za-z0-9_:@+-]{1,100}$/;

/**
 * A zod issue path as people write it: `exposures[0].brokerPorts.to` (empty for the root). Keys come from the
 * input (tag names, zone names), so one that is not a plain name is quoted and escaped: a key cannot break the
 * line, fake another path segment, or make a message of a megabyte.
 */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : withKey(text, String(segment))),
    '',
  );
}

/** `path` followed by one more key: `a.b.key`, or `a.b["odd key"]`. */
export function withKey(path: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${path}[${quoted(key, 60)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** One line per issue, as error messages list them. */
export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`).join('\n');
}
