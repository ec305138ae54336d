import { readFile } from 'node:fs/promises';
import { formatIssues, SpecInvalid } from '../shared/spec/errors.ts';
import type { ClusterSpec } from '../shared/spec/schema.ts';
import { validateSpecText } from '../shared/spec/validate.ts';
import { FileUnreadable, ProblemFound } from './errors.ts';

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

export async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new FileUnreadable(
      `cannot read ${what} "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
}

/** Reads and validates a spec file; on problems prints every one of them and stops with exit 1. */
export async function loadSpecFile(path: string, io: Output): Promise<{ spec: ClusterSpec; text: string }> {
  const text = await readTextFile(path, 'spec');
  const result = validateSpecText(text);
  if (!result.ok) {
    io.err(
      `${path} is invalid (${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}):\n${formatIssues(result.issues)}`,
    );
    throw new ProblemFound('spec invalid', { cause: new SpecInvalid(result.issues, path) });
  }
  return { spec: result.spec, text };
}
