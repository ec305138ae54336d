import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { formatIssuePath } from '../util/issues.ts';
import { crossCheck } from './cross-checks.ts';
import { SpecInvalid, type SpecIssue } from './errors.ts';
import { type ClusterSpec, clusterSpecSchema } from './schema.ts';

export type SpecValidation = { ok: true; spec: ClusterSpec } | { ok: false; issues: SpecIssue[] };

/** Validates an already-parsed value (e.g. a Step Functions input). Reports every problem at once. */
export function validateSpec(value: unknown): SpecValidation {
  const parsed = clusterSpecSchema.safeParse(value, { reportInput: true }); // input tells missing from mistyped
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map(toSpecIssue) };
  const issues = crossCheck(parsed.data);
  return issues.length === 0 ? { ok: true, spec: parsed.data } : { ok: false, issues };
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function validateSpecText(text: string): SpecValidation {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((error) => ({
        path: error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '(document)',
        message: `is not valid YAML/JSON: ${error.message.split('\n')[0]}`,
      })),
    };
  }
  return validateSpec(document.toJS());
}

/** Like validateSpecText, but throws SpecInvalid (for callers that must not go on). */
export function parseSpecText(text: string, source = 'spec'): ClusterSpec {
  const result = validateSpecText(text);
  if (!result.ok) throw new SpecInvalid(result.issues, source);
  return result.spec;
}

export function parseSpec(value: unknown, source = 'spec'): ClusterSpec {
  const result = validateSpec(value);
  if (!result.ok) throw new SpecInvalid(result.issues, source);
  return result.spec;
}

function toSpecIssue(issue: z.core.$ZodIssue): SpecIssue {
  const path = formatIssuePath(issue.path);
  if (issue.code === 'invalid_key') return { path, message: issue.issues[0]?.message ?? issue.message };
  if (issue.code === 'unrecognized_keys') {
    return {
      path,
      message: `has unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}; remove ${issue.keys.length === 1 ? 'it' : 'them'} or fix the spelling`,
    };
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return { path, message: `is required (${issue.expected})` };
  }
  return { path, message: issue.message };
}
