import type { CatchRule, Condition, Step, Workflow } from './contract.ts';
import { errorReferenceProblems } from './errors.ts';

/*
 * The facts every engine's workflow must have, proven on the contract itself (and so on every file generated from
 * it). `flowProblems` returns what is wrong, as sentences; an empty list means:
 *  - structure: step ids are unique, every successor exists in the same list (a loop body cannot jump out of its
 *    loop), no step falls off the end of its list, every step can be reached;
 *  - errors: every error named exists in the catalogue, steps wait only on 'wait' errors, catch-alls come last;
 *  - loops: every cycle contains a wait step, so nothing polls in a hot loop and no function has to sleep;
 *  - lock: on every path on which the acquire step succeeded — including every failure of every later step — a
 *    release step runs before the execution ends. Paths are followed with what the choices on them imply about
 *    the state (after `mode == "apply"` the mode is still apply unless a step wrote it), so a branch that cannot
 *    be taken with the lock held does not count as a leak.
 */

export function flowProblems(workflow: Workflow): string[] {
  const problems = [...structureProblems(workflow), ...loopProblems(workflow)];
  if (workflow.lock !== undefined && problems.length === 0) problems.push(...lockProblems(workflow));
  return problems;
}

// ---------------------------------------------------------------- graph

type Edge = { to: string; failure: boolean; rule?: CatchRule };

/** Every list of steps: the workflow's own, and each forEach body, with a label for messages. */
function stepLists(steps: readonly Step[], label = 'workflow'): { label: string; steps: readonly Step[] }[] {
  const lists = [{ label, steps }];
  for (const step of steps) if (step.kind === 'forEach') lists.push(...stepLists(step.steps, `${step.id} body`));
  return lists;
}

const FALLS_THROUGH = new Set<Step['kind']>(['task', 'wait', 'set', 'count', 'forEach', 'startWorkflow']);

/** The successor on success (for fall-through steps), or undefined when there is none or it falls off the list. */
function successor(steps: readonly Step[], index: number): string | undefined {
  const step = steps[index]!;
  if (!FALLS_THROUGH.has(step.kind)) return undefined;
  return (step as { next?: string }).next ?? steps[index + 1]?.id;
}

function catchRules(step: Step): readonly CatchRule[] {
  return step.kind === 'task' || step.kind === 'forEach' ? (step.catch ?? []) : [];
}

/** Whether a failure of this step can escape its catch rules (and end the list it is in). */
function canFailUncaught(step: Step): boolean {
  const failing = step.kind === 'task' || step.kind === 'forEach' || step.kind === 'startWorkflow';
  return failing && !catchRules(step).some((rule) => rule.errors === 'any');
}

function edges(steps: readonly Step[], index: number): Edge[] {
  const step = steps[index]!;
  const out: Edge[] = [];
  const next = successor(steps, index);
  if (next !== undefined) out.push({ to: next, failure: false });
  if (step.kind === 'choice') {
    for (const choice of step.cases) out.push({ to: choice.next, failure: false });
    out.push({ to: step.otherwise, failure: false });
  }
  for (const rule of catchRules(step)) out.push({ to: rule.next, failure: true, rule });
  return out;
}

// ---------------------------------------------------------------- structure and errors

function structureProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { label, steps } of stepLists(workflow.steps)) {
    if (steps.length === 0) {
      problems.push(`${label} has no steps`);
      continue;
    }
    const ids = new Set(steps.map((step) => step.id));
    steps.forEach((step, index) => {
      if (seen.has(step.id)) problems.push(`step id ${step.id} is used twice`);
      seen.add(step.id);
      if (FALLS_THROUGH.has(step.kind) && successor(steps, index) === undefined) {
        problems.push(`${step.id} (${label}) has no next step and is the last of its list`);
      }
      for (const edge of edges(steps, index)) {
        if (!ids.has(edge.to)) problems.push(`${step.id} goes to ${edge.to}, which is not a step of the ${label}`);
      }
      if (step.kind === 'task') problems.push(...errorReferenceProblems(step));
      if (step.kind === 'forEach') problems.push(...errorReferenceProblems(step));
      if (step.kind === 'wait' && !(Number.isInteger(step.seconds) && step.seconds >= 1)) {
        problems.push(`${step.id} waits ${step.seconds} s; waits are whole seconds >= 1`);
      }
    });
    const reached = new Set([steps[0]!.id]);
    const queue = [0];
    while (queue.length > 0) {
      for (const edge of edges(steps, queue.shift()!)) {
        const target = steps.findIndex((step) => step.id === edge.to);
        if (target >= 0 && !reached.has(edge.to)) {
          reached.add(edge.to);
          queue.push(target);
        }
      }
    }
    for (const step of steps) if (!reached.has(step.id)) problems.push(`${step.id} (${label}) can never run`);
  }
  const lock = workflow.lock;
  if (lock !== undefined) {
    const all = stepLists(workflow.steps).flatMap((list) => list.steps);
    const task = (id: string) => all.find((step) => step.id === id);
    const acquire = task(lock.acquire);
    if (acquire?.kind !== 'task' || acquire.task !== 'acquireLock') {
      problems.push(`lock: ${lock.acquire} is not an acquireLock task`);
    }
    for (const id of [lock.release, lock.releaseOnFailure]) {
      const release = task(id);
      if (release?.kind !== 'task' || release.task !== 'releaseLock')
        problems.push(`lock: ${id} is not a releaseLock task`);
    }
    if (!workflow.steps.some((step) => step.id === lock.acquire)) {
      problems.push(`lock: ${lock.acquire} must be a step of the workflow itself, not of a loop body`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------- loops

/** Every cycle (strongly connected component with an edge back) of a list must contain a wait step. */
function loopProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const { label, steps } of stepLists(workflow.steps)) {
    const indexOf = new Map(steps.map((step, index) => [step.id, index]));
    const successors = steps.map((_, index) =>
      edges(steps, index)
        .map((edge) => indexOf.get(edge.to))
        .filter((target): target is number => target !== undefined),
    );
    for (const component of stronglyConnected(successors)) {
      const cyclic = component.length > 1 || successors[component[0]!]!.includes(component[0]!);
      if (cyclic && !component.some((index) => steps[index]!.kind === 'wait')) {
        const ids = component.map((index) => steps[index]!.id).join(' → ');
        problems.push(`loop ${ids} (${label}) never waits: an engine would poll in a hot loop`);
      }
    }
  }
  return problems;
}

/** Tarjan's algorithm over adjacency lists; components in reverse topological order. */
function stronglyConnected(successors: readonly number[][]): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  const components: number[][] = [];
  let counter = 0;
  const visit = (node: number) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of successors[node]!) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: number[] = [];
      let member: number;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (let node = 0; node < successors.length; node++) if (!index.has(node)) visit(node);
  return components;
}

// ---------------------------------------------------------------- lock released on every path

/** What the path so far implies about the state: per path, a known string value, excluded values, presence. */
interface Fact {
  eq?: string;
  not?: string[];
  present?: boolean;
}
type Facts = Readonly<Record<string, Fact>>;

const key = (path: readonly string[]) => path.join('.');

function written(facts: Facts, path: readonly string[], present: boolean): Facts {
  const prefix = key(path);
  const out: Record<string, Fact> = {};
  for (const [name, fact] of Object.entries(facts)) {
    if (name !== prefix && !name.startsWith(`${prefix}.`)) out[name] = fact;
  }
  if (present) out[prefix] = { present: true };
  return out;
}

function truth(condition: Condition, facts: Facts): boolean | undefined {
  switch (condition.kind) {
    case 'equals': {
      const fact = facts[key(condition.path)];
      if (fact?.eq !== undefined) return fact.eq === condition.value;
      if (fact?.not?.includes(condition.value) || fact?.present === false) return false;
      return undefined;
    }
    case 'isPresent': {
      const fact = facts[key(condition.path)];
      return fact?.present ?? (fact?.eq !== undefined ? true : undefined);
    }
    case 'and': {
      const values = condition.all.map((part) => truth(part, facts));
      if (values.includes(false)) return false;
      return values.every((value) => value === true) ? true : undefined;
    }
    case 'or': {
      const values = condition.any.map((part) => truth(part, facts));
      if (values.includes(true)) return true;
      return values.every((value) => value === false) ? false : undefined;
    }
    default:
      return undefined;
  }
}

/** The facts with `condition` assumed to be `value`, or null if that contradicts them. */
function assume(condition: Condition, facts: Facts, value: boolean): Facts | null {
  const known = truth(condition, facts);
  if (known !== undefined) return known === value ? facts : null;
  const name = 'path' in condition ? key(condition.path) : '';
  const fact = facts[name] ?? {};
  switch (condition.kind) {
    case 'equals':
      return value
        ? { ...facts, [name]: { eq: condition.value, present: true } }
        : { ...facts, [name]: { ...fact, not: [...(fact.not ?? []), condition.value].sort() } };
    case 'isPresent':
      return { ...facts, [name]: value ? { ...fact, present: true } : { present: false } };
    case 'and':
      if (!value) return facts;
      return condition.all.reduce<Facts | null>((acc, part) => (acc === null ? null : assume(part, acc, true)), facts);
    case 'or':
      if (value) return facts;
      return condition.any.reduce<Facts | null>((acc, part) => (acc === null ? null : assume(part, acc, false)), facts);
    default:
      return facts;
  }
}

function lockProblems(workflow: Workflow): string[] {
  const lock = workflow.lock!;
  const steps = workflow.steps;
  const indexOf = new Map(steps.map((step, index) => [step.id, index]));
  const problems = new Set<string>();
  const visited = new Set<string>();
  const queue: { index: number; held: boolean; facts: Facts; trail: string[] }[] = [
    { index: 0, held: false, facts: {}, trail: [] },
  ];
  const go = (to: string, held: boolean, facts: Facts, trail: string[]) => {
    const index = indexOf.get(to);
    if (index !== undefined) queue.push({ index, held, facts, trail });
  };
  while (queue.length > 0) {
    const { index, held, facts, trail } = queue.shift()!;
    const step = steps[index]!;
    const seenKey = `${step.id}|${held}|${JSON.stringify(facts)}`;
    if (visited.has(seenKey)) continue;
    visited.add(seenKey);
    const path = [...trail, step.id];
    if (held && (step.id === lock.release || step.id === lock.releaseOnFailure)) continue;
    if (held && (step.kind === 'succeed' || step.kind === 'fail')) {
      problems.add(`the lock is still held when the execution ends at ${step.id} (${path.slice(-6).join(' → ')})`);
      continue;
    }
    if (held && canFailUncaught(step)) {
      problems.add(`a failure of ${step.id} ends the execution with the lock held (no catch-all leads to a release)`);
    }
    switch (step.kind) {
      case 'choice': {
        let remaining: Facts | null = facts;
        for (const choice of step.cases) {
          if (remaining === null) break;
          const taken = assume(choice.when, remaining, true);
          if (taken !== null) go(choice.next, held, taken, path);
          if (truth(choice.when, remaining) === true) remaining = null;
          else remaining = assume(choice.when, remaining, false);
        }
        if (remaining !== null) go(step.otherwise, held, remaining, path);
        break;
      }
      case 'succeed':
      case 'fail':
        break;
      default: {
        const next = successor(steps, index);
        let after = facts;
        if (step.kind === 'task' || step.kind === 'forEach' || step.kind === 'startWorkflow') {
          if (step.resultAt !== null) after = written(facts, step.resultAt, true);
        } else if (step.kind === 'set') {
          after = written(facts, step.at, step.value !== null);
        } else if (step.kind === 'count') {
          after = written(facts, step.counter, true);
        }
        if (next !== undefined) go(next, held || step.id === lock.acquire, after, path);
        for (const rule of catchRules(step)) {
          go(rule.next, held, rule.errorAt === null ? facts : written(facts, rule.errorAt, true), path);
        }
      }
    }
  }
  return [...problems];
}
