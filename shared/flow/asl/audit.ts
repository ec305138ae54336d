import {
  dispositionOfName,
  type ErrorName,
  errorNamesWith,
  isErrorName,
  retryPolicyOfName,
} from '../../error-catalogue.ts';
import { ENGINE_ERROR_PREFIXES, START_EXECUTION_RESOURCE } from './generate.ts';

/*
 * Checks the error handling of a Step Functions definition against the error catalogue — any definition, generated
 * or hand-written, so the same audit can be run on an old file (and was: see the closing note of issue 8):
 *  - every error a Retry, Catch or Fail names exists in the catalogue, or is the engine's own (States.*, Lambda.*,
 *    StepFunctions.*);
 *  - no Retry matches a fatal error;
 *  - every Lambda task retries every catalogued 'retry' error, except those it catches by name;
 *  - a Retry for a catalogued error uses that error's retry policy.
 */

export interface AslFinding {
  state: string;
  kind: 'unknown-error' | 'retries-fatal' | 'retry-missing' | 'policy-differs';
  detail: string;
}

interface Retrier {
  ErrorEquals?: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
}

const isEngineName = (name: string) => ENGINE_ERROR_PREFIXES.some((prefix) => name.startsWith(prefix));

function eachState(states: unknown, visit: (name: string, state: Record<string, unknown>) => void): void {
  if (states === null || typeof states !== 'object') return;
  for (const [name, value] of Object.entries(states as Record<string, Record<string, unknown>>)) {
    visit(name, value);
    const processor = (value['ItemProcessor'] ?? value['Iterator']) as { States?: unknown } | undefined;
    if (processor !== undefined) eachState(processor.States, visit);
    for (const branch of (value['Branches'] as { States?: unknown }[] | undefined) ?? [])
      eachState(branch.States, visit);
  }
}

export function aslErrorFindings(definition: Record<string, unknown>): AslFinding[] {
  const findings: AslFinding[] = [];
  const retryable = errorNamesWith('retry');
  eachState(definition['States'], (state, value) => {
    const named = (name: string, where: string) => {
      if (!isErrorName(name) && !isEngineName(name)) {
        findings.push({ state, kind: 'unknown-error', detail: `${where} names ${name}, which is no brokerlink error` });
      }
    };
    if (value['Type'] === 'Fail' && typeof value['Error'] === 'string') named(value['Error'], 'Fail');
    const retriers = (value['Retry'] as Retrier[] | undefined) ?? [];
    const catchers = (value['Catch'] as { ErrorEquals?: string[] }[] | undefined) ?? [];
    for (const catcher of catchers) for (const name of catcher.ErrorEquals ?? []) named(name, 'Catch');
    const retried = new Set<string>();
    for (const retrier of retriers) {
      for (const name of retrier.ErrorEquals ?? []) {
        named(name, 'Retry');
        retried.add(name);
        if (!isErrorName(name)) continue;
        const disposition = dispositionOfName(name);
        if (disposition === 'fail') {
          findings.push({ state, kind: 'retries-fatal', detail: `Retry matches ${name}, which is fatal` });
          continue;
        }
        const policy = retryPolicyOfName(name)!;
        const actual = {
          intervalSeconds: retrier.IntervalSeconds ?? 1,
          maxAttempts: retrier.MaxAttempts ?? 3,
          backoffRate: retrier.BackoffRate ?? 2,
        };
        if (JSON.stringify(actual) !== JSON.stringify(policy)) {
          findings.push({
            state,
            kind: 'policy-differs',
            detail: `Retry of ${name} is ${JSON.stringify(actual)}; its class says ${JSON.stringify(policy)}`,
          });
        }
      }
    }
    const lambdaTask = value['Type'] === 'Task' && value['Resource'] !== START_EXECUTION_RESOURCE;
    if (!lambdaTask || retried.has('States.ALL')) return;
    const caught = new Set(catchers.flatMap((catcher) => catcher.ErrorEquals ?? []));
    const missing = retryable.filter((name: ErrorName) => !retried.has(name) && !caught.has(name));
    if (missing.length > 0) {
      findings.push({ state, kind: 'retry-missing', detail: `never retries ${missing.join(', ')}` });
    }
  });
  return findings;
}
