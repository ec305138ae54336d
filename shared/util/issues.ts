/** One problem with an input, located by a path such as `exposures[0].brokerPorts.to`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** A zod issue path as people write it: `exposures[0].brokerPorts.to` (empty for the root). */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    return text === '' ? String(segment) : `${text}.${String(segment)}`;
  }, '');
}

/** One line per issue, as error messages list them. */
export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`).join('\n');
}
