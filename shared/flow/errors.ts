import {
  dispositionOfName,
  type ErrorName,
  errorNamesWith,
  isErrorName,
  retryPolicyOfName,
} from '../error-catalogue.ts';
import type { RetryPolicy } from '../errors.ts';
import type { TaskStep } from './contract.ts';

/*
 * Which errors a task step tries again, derived from the error catalogue (never hand-kept): every catalogued 'retry'
 * error, except those the step catches by name (it has its own answer to them, e.g. ConfigConflict starts the push
 * over from the read), plus the 'wait' errors the step waits on — each with its class's retry policy, grouped by
 * policy in catalogue order. An engine adds its own transient errors (Step Functions' `Lambda.*`) to these rules.
 */

export interface RetryRule {
  readonly errors: readonly ErrorName[];
  readonly policy: RetryPolicy;
}

/** Catalogued names a step's catch rules name explicitly. */
export function caughtByName(step: Pick<TaskStep, 'catch'>): Set<ErrorName> {
  return new Set((step.catch ?? []).flatMap((rule) => (rule.errors === 'any' ? [] : rule.errors)));
}

export function retryRules(step: Pick<TaskStep, 'catch' | 'waitsOn'>): RetryRule[] {
  const caught = caughtByName(step);
  const names = [
    ...errorNamesWith('retry').filter((name) => !caught.has(name)),
    ...(step.waitsOn ?? []).filter((name) => !caught.has(name)),
  ];
  const rules: { errors: ErrorName[]; policy: RetryPolicy }[] = [];
  for (const name of names) {
    const policy = retryPolicyOfName(name);
    if (policy === undefined) throw new TypeError(`${name} is fatal and cannot be retried`);
    const same = rules.find((rule) => samePolicy(rule.policy, policy));
    if (same) same.errors.push(name);
    else rules.push({ errors: [name], policy });
  }
  return rules;
}

export function samePolicy(a: RetryPolicy, b: RetryPolicy): boolean {
  return a.intervalSeconds === b.intervalSeconds && a.maxAttempts === b.maxAttempts && a.backoffRate === b.backoffRate;
}

/** Problems with the error names a step refers to: unknown, or waiting on an error that is not a 'wait' error. */
export function errorReferenceProblems(step: Pick<TaskStep, 'id' | 'catch' | 'waitsOn'>): string[] {
  const problems: string[] = [];
  for (const name of step.waitsOn ?? []) {
    if (!isErrorName(name)) problems.push(`${step.id} waits on ${name}, which is not in the error catalogue`);
    else if (dispositionOfName(name) !== 'wait') {
      problems.push(`${step.id} waits on ${name}, whose disposition is '${dispositionOfName(name)}', not 'wait'`);
    }
  }
  const rules = step.catch ?? [];
  rules.forEach((rule, index) => {
    if (rule.errors === 'any') {
      if (index !== rules.length - 1) problems.push(`${step.id}: a catch-all must be the last catch rule`);
      return;
    }
    for (const name of rule.errors) {
      if (!isErrorName(name)) problems.push(`${step.id} catches ${name}, which is not in the error catalogue`);
    }
  });
  return problems;
}
