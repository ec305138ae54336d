import { formatIssuePath } from '../util/issues.ts';
import { firstUnsafeCharacter, quoted } from '../util/printable.ts';
import type { SpecIssue } from './errors.ts';

/*
 * Every string in a spec names something — a host, a tag, a zone, a file, a schedule, a secret — and every key
 * is a name too. None may hold a control character, a line break, a bidirectional override or an invisible
 * character (shared/util/printable.ts says which and why): such a value ends a line in a log or a properties file,
 * shows differently than it compares, or makes two names look alike. This runs over the whole value before the
 * schema, so it covers fields the schema accepts as free text (tags, zones, instance ids, tls.serverName, the
 * local stateFile, drift.schedule) and every field added later.
 *
 * The key `__proto__` is refused too: the schema library drops it from a mapping without a word, which would
 * silently widen a tag selector.
 */

type PathSegment = string | number;

export interface NameProblem extends SpecIssue {
  /** The path as segments, to drop the schema's own complaint about the same value. */
  segments: readonly PathSegment[];
}

export function nameProblems(value: unknown, limit: number): NameProblem[] {
  const problems: NameProblem[] = [];
  const stack: Array<{ value: unknown; path: PathSegment[] }> = [{ value, path: [] }];
  while (stack.length > 0 && problems.length < limit) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem !== undefined) problems.push({ path: formatIssuePath(path), segments: path, message: problem });
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], path: [...path, index] });
      }
      continue;
    }
    const keys = Object.keys(current);
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index]!;
      const keyProblem =
        key === '__proto__'
          ? 'is "__proto__", which brokerlink does not accept as a name (JavaScript gives it a meaning of its own); rename it'
          : stringProblem(key);
      if (keyProblem !== undefined) {
        problems.push({
          path: formatIssuePath([...path, key]),
          segments: [...path, key],
          message: `the key ${keyProblem}`,
        });
        continue;
      }
      stack.push({ value: (current as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return problems;
}

function stringProblem(text: string): string | undefined {
  const unsafe = firstUnsafeCharacter(text);
  if (unsafe === undefined) return undefined;
  return `contains ${unsafe.kind} (${unsafe.codePoint} at position ${unsafe.index + 1} of ${quoted(text, 40)}); names cannot hold control, line-break, invisible or bidirectional-override characters — retype the value`;
}
