import { describe, expect, it } from 'vitest';
import { SpecInvalid } from './errors.ts';
import { AWS_SPEC, BAD_SPECS, LOCAL_SPEC } from './testing/bad-specs.ts';
import { parseSpecText, validateSpecBytes, validateSpecText } from './validate.ts';

/* The bad-spec corpus (./testing/bad-specs.ts) through the library entry points; cli/bad-specs.test.ts runs it through the CLI. */

const UNSAFE_IN_OUTPUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function issuesOf(spec: string | Uint8Array) {
  if (typeof spec !== 'string') {
    const result = validateSpecBytes(spec);
    return result.ok ? [] : result.issues;
  }
  try {
    parseSpecText(spec, 'corpus.yaml');
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(SpecInvalid);
    return [...(error as SpecInvalid).issues];
  }
}

describe('the corpus', () => {
  it('starts from two valid specs and holds at least 80 bad ones', () => {
    expect(validateSpecText(LOCAL_SPEC)).toMatchObject({ ok: true });
    expect(validateSpecText(AWS_SPEC)).toMatchObject({ ok: true });
    expect(BAD_SPECS.length).toBeGreaterThanOrEqual(80);
    expect(new Set(BAD_SPECS.map((c) => c.name)).size).toBe(BAD_SPECS.length);
  });
});

describe('parseSpecText refuses every bad spec with the path and our own words', () => {
  it.each(BAD_SPECS.map((c) => [c.name, c] as const))('%s', (_name, badSpec) => {
    const issues = issuesOf(badSpec.spec);
    expect(issues.map((issue) => issue.path)).toEqual(badSpec.paths);
    expect(issues[0]!.message).toContain(badSpec.message);
    for (const issue of issues) {
      expect(issue.message).not.toMatch(/Invalid input|expected \w+, received|Too (small|big)|Unrecognized key/);
      expect(`${issue.path}: ${issue.message}`).not.toMatch(UNSAFE_IN_OUTPUT);
      expect(issue.message.length).toBeLessThan(600);
    }
  });
});
