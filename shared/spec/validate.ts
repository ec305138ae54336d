import type { z } from 'zod';
import { withResolvedPaths } from '../providers/profiles.ts';
import { formatIssuePath } from '../util/issues.ts';
import { quoted } from '../util/printable.ts';
import { decodeSpecBytes, sizeIssue } from './bytes.ts';
import { crossCheck } from './cross-checks.ts';
import { SpecInvalid, type SpecIssue } from './errors.ts';
import { SPEC_LIMITS } from './limits.ts';
import { nameProblems } from './names.ts';
import { type ClusterSpec, clusterSpecSchema } from './schema.ts';
import { describeExpected, describeValue, specWording } from './wording.ts';
import { yamlToValue } from './yaml-value.ts';

/*
 * The spec validator: bytes → text → value → spec, each stage bounded and none throwing on bad input. Every
 * problem comes back as `path: what is wrong, how to fix`, all of them at once (up to SPEC_LIMITS.maxIssues).
 *   bytes  size limit, UTF-8 (with the offset of the first bad byte)            ./bytes.ts
 *   text   YAML: depth, aliases, duplicate keys, number forms, one document   ./yaml-value.ts
 *   value  names free of control characters, then the schema, then cross-field rules
 */

export type SpecValidation = { ok: true; spec: ClusterSpec } | { ok: false; issues: SpecIssue[] };

export interface SpecReadOptions {
  /** Folder of the spec file: relative files of the provider section (`provider.local.stateFile`) resolve against it. */
  baseDir?: string;
}

const TOP_LEVEL_KEYS = 'cluster, provider, brokers, kafka and exposures';

/** Validates an already-parsed value (e.g. a Step Functions input). Reports every problem at once. */
export function validateSpec(value: unknown, options: SpecReadOptions = {}): SpecValidation {
  if (value === null || value === undefined) {
    return failed([
      {
        path: '',
        message: `the spec is empty; it needs at least ${TOP_LEVEL_KEYS} (docs/spec.md, docs/examples/aws-orders.yaml)`,
      },
    ]);
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return failed([{ path: '', message: `must be a mapping of ${TOP_LEVEL_KEYS}, got ${describeValue(value)}` }]);
  }

  const badNames = nameProblems(value, SPEC_LIMITS.maxIssues);
  const parsed = clusterSpecSchema.safeParse(value, { reportInput: true, error: specWording });
  // A value whose name is already refused gets no second complaint from the schema.
  const refused = (segments: readonly PropertyKey[]) => badNames.some((bad) => startsWith(segments, bad.segments));
  const schemaIssues = parsed.success
    ? []
    : parsed.error.issues
        .map((issue) =>
          issue.code === 'unrecognized_keys'
            ? { ...issue, keys: issue.keys.filter((key) => !refused([...issue.path, key])) }
            : issue,
        )
        .filter((issue) => issue.code !== 'unrecognized_keys' || issue.keys.length > 0)
        .flatMap((issue) => toSpecIssues(issue))
        .filter(({ segments }) => !refused(segments))
        .map(({ issue }) => issue);
  const issues: SpecIssue[] = [...badNames.map(({ path, message }) => ({ path, message })), ...schemaIssues];
  if (issues.length > 0 || !parsed.success) return failed(issues);

  const crossIssues = crossCheck(parsed.data);
  if (crossIssues.length > 0) return failed(crossIssues);
  return { ok: true, spec: resolvePaths(parsed.data, options) };
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function validateSpecText(text: string, options: SpecReadOptions = {}): SpecValidation {
  const size = sizeIssue(Buffer.byteLength(text, 'utf8'));
  if (size !== undefined) return failed([size]);
  const parsed = yamlToValue(text);
  if (!parsed.ok) return failed(parsed.issues);
  return validateSpec(parsed.value, options);
}

/** A spec file's bytes: size and UTF-8 first, then as validateSpecText. */
export function validateSpecBytes(bytes: Uint8Array, options: SpecReadOptions = {}): SpecValidation {
  const decoded = decodeSpecBytes(bytes);
  if (!decoded.ok) return failed(decoded.issues);
  return validateSpecText(decoded.text, options);
}

/** Like validateSpecText, but throws SpecInvalid (for callers that must not go on). */
export function parseSpecText(text: string, source = 'spec', options: SpecReadOptions = {}): ClusterSpec {
  const result = validateSpecText(text, options);
  if (!result.ok) throw new SpecInvalid(result.issues, source);
  return result.spec;
}

export function parseSpec(value: unknown, source = 'spec'): ClusterSpec {
  const result = validateSpec(value);
  if (!result.ok) throw new SpecInvalid(result.issues, source);
  return result.spec;
}

function failed(issues: SpecIssue[]): SpecValidation {
  if (issues.length <= SPEC_LIMITS.maxIssues) return { ok: false, issues };
  const shown = issues.slice(0, SPEC_LIMITS.maxIssues);
  shown.push({
    path: '',
    message: `and ${issues.length - shown.length} more problems (fixing the ones above often clears many of them)`,
  });
  return { ok: false, issues: shown };
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => path[index] === segment);
}

function resolvePaths(spec: ClusterSpec, options: SpecReadOptions): ClusterSpec {
  return options.baseDir === undefined ? spec : withResolvedPaths(spec, options.baseDir);
}

/**
 * A schema issue in our words. A union whose input matched one option's type (a mapping given to "string or
 * mapping") reports that option's own problems rather than "matches none of the forms".
 */
function toSpecIssues(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): ZodIssueAt[] {
  const at = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union') {
    const typed = issue.errors.filter(
      (option) => !option.some((inner) => inner.path.length === 0 && inner.code === 'invalid_type'),
    );
    if (typed.length === 1) return typed[0]!.flatMap((inner) => toSpecIssues(inner, at));
  }
  return [{ segments: at, issue: { path: formatIssuePath(at), message: wordingOf(issue) } }];
}

interface ZodIssueAt {
  segments: readonly PropertyKey[];
  issue: SpecIssue;
}

function wordingOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined && !issue.message.startsWith('is required')) {
    return `is required: ${describeExpected(issue.expected)}`;
  }
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.slice(0, 10).map((key) => quoted(key, 60));
    const more = issue.keys.length > keys.length ? ` and ${issue.keys.length - keys.length} more` : '';
    return `has unknown key${issue.keys.length === 1 ? '' : 's'} ${keys.join(', ')}${more}; remove ${issue.keys.length === 1 ? 'it' : 'them'} or fix the spelling`;
  }
  return issue.message;
}
