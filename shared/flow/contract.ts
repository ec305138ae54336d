import type { ErrorName } from '../error-catalogue.ts';
import type { TaskName } from '../steps/tasks.ts';

/*
 * The flow contract: brokerlink's workflows (provision, drift check) as engine-neutral data — which task runs in
 * which order, the poll loops and how long they wait, which errors are tried again (derived from the error
 * catalogue), where failures go, and that the cluster lock is released on every path. Written once
 * (./provision.ts, ./drift-check.ts); each engine turns it into its own workflow language (./asl/ generates the
 * Step Functions files in statemachines/), and ./check.ts proves the facts on the contract itself.
 *
 * The shape is a graph of named steps, as every engine we target has one (Step Functions and CloudFlow states,
 * Cloud Workflows steps with `next`): a step names its successor, or falls through to the step after it in its
 * list. Step ids are the names a person sees in the engine's console, and the names progress lines follow.
 * Nothing here is engine syntax: data is addressed by `StatePath`, not `$.x` or `${x}`; the engine's execution id,
 * task resources and its own error names are the generators' business.
 */

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** A location in the workflow's state document (the JSON the steps read and write), e.g. `['discovered', 'spec']`. */
export type StatePath = readonly string[];

/** A value a step hands on. */
export type Value =
  /** Read from the state document. */
  | { readonly kind: 'state'; readonly path: StatePath }
  /** The engine's id of this execution (unique per execution; the lock owner). */
  | { readonly kind: 'executionId' }
  /** The current item of the enclosing `forEach`. */
  | { readonly kind: 'item' }
  | { readonly kind: 'literal'; readonly value: Json };

/** Named values: a task's input, an output, a forEach item. */
export type Fields = Readonly<Record<string, Value>>;

export type Condition =
  | { readonly kind: 'equals'; readonly path: StatePath; readonly value: string }
  /** The value is `true`. It must be present: combine with `isPresent` for optional input (engines fail on absent). */
  | { readonly kind: 'isTrue'; readonly path: StatePath }
  | { readonly kind: 'isPresent'; readonly path: StatePath }
  | { readonly kind: 'lessThan'; readonly path: StatePath; readonly value: number }
  | { readonly kind: 'and'; readonly all: readonly Condition[] }
  | { readonly kind: 'or'; readonly any: readonly Condition[] };

/** Where a task's failure goes. Rules are tried in order; `'any'` matches every error (keep it last). */
export interface CatchRule {
  readonly errors: readonly ErrorName[] | 'any';
  /** Where the caught error is put (engine-shaped: the generator decides what an error looks like), or dropped. */
  readonly errorAt: StatePath | null;
  readonly next: string;
}

interface StepBase {
  /** Unique in the workflow; the state / step name in the engine. */
  readonly id: string;
  /** The successor; omitted: the next step of the same list. Steps that end (succeed, fail) and choices have none. */
  readonly next?: string;
  /** Why the step is there or shaped so, for a person reading the engine file (generators emit it as a comment). */
  readonly note?: string;
}

/** One call of a task of shared/steps/tasks.ts. */
export interface TaskStep extends StepBase {
  readonly kind: 'task';
  readonly task: TaskName;
  readonly input: Fields;
  /** Where the result is put in the state document; null: the result is dropped. */
  readonly resultAt: StatePath | null;
  /**
   * Catalogued 'wait' errors this task waits out: the engine tries the task again with the error's own retry
   * policy. Every catalogued 'retry' error is tried again anyway (unless a catch rule names it).
   */
  readonly waitsOn?: readonly ErrorName[];
  readonly catch?: readonly CatchRule[];
  /** The progress line shown while this step runs (CLI, demo); steps without one are not announced. */
  readonly progress?: string;
}

export interface ChoiceStep extends Omit<StepBase, 'next'> {
  readonly kind: 'choice';
  readonly cases: readonly { readonly when: Condition; readonly next: string }[];
  readonly otherwise: string;
}

/** The engine pauses (no function ever sleeps). */
export interface WaitStep extends StepBase {
  readonly kind: 'wait';
  readonly seconds: number;
}

/** Puts a constant at a path of the state document. */
export interface SetStep extends StepBase {
  readonly kind: 'set';
  readonly at: StatePath;
  readonly value: Json;
}

/** Adds one to the number at `counter` (the last segment's parent holds only the counter). */
export interface CountStep extends StepBase {
  readonly kind: 'count';
  readonly counter: StatePath;
}

/** Ends this workflow (or this forEach item) successfully with `output`. */
export interface SucceedStep extends Omit<StepBase, 'next'> {
  readonly kind: 'succeed';
  /** Named values, or one value (e.g. the item's result). */
  readonly output: Fields | Value;
}

/** Ends the execution as failed: with a catalogued error, or with the error a catch rule put at `rethrow`. */
export type FailStep = Omit<StepBase, 'next'> & { readonly kind: 'fail' } & (
    | { readonly error: ErrorName; readonly cause: string }
    | { readonly rethrow: StatePath }
  );

/**
 * Runs `steps` once per item of the array at `items` (at most `concurrency` at a time), each item's state being
 * `item`; the items' outputs, in order, are put at `resultAt`. An item that fails fails the whole step at once,
 * and items not yet started never start (with concurrency 1: later brokers are never touched).
 */
export interface ForEachStep extends StepBase {
  readonly kind: 'forEach';
  readonly items: StatePath;
  readonly concurrency: number;
  readonly item: Fields;
  readonly steps: readonly Step[];
  readonly resultAt: StatePath;
  readonly catch?: readonly CatchRule[];
  readonly progress?: string;
}

/** Starts another workflow of this contract (without waiting for it). */
export interface StartWorkflowStep extends StepBase {
  readonly kind: 'startWorkflow';
  readonly workflow: WorkflowName;
  readonly input: Fields;
  readonly resultAt: StatePath;
  readonly progress?: string;
}

export type Step =
  | TaskStep
  | ChoiceStep
  | WaitStep
  | SetStep
  | CountStep
  | SucceedStep
  | FailStep
  | ForEachStep
  | StartWorkflowStep;

export type WorkflowName = 'provision' | 'drift-check';

/**
 * The cluster lock of a workflow: taken by `acquire`, given back by `release` on success and by
 * `releaseOnFailure` on every failure path after it was taken (./check.ts proves it). `heldAt` is where the
 * acquire step leaves its result, so later steps can tell whether this execution holds the lock.
 */
export interface LockScope {
  readonly acquire: string;
  readonly release: string;
  readonly releaseOnFailure: string;
  readonly heldAt: StatePath;
}

export interface Workflow {
  readonly name: WorkflowName;
  /** One line: what the workflow is (the engine's comment / description). */
  readonly comment: string;
  /** A few lines for a person reading the engine file: the flow at a glance. */
  readonly description: readonly string[];
  readonly timeoutSeconds: number;
  /** The input an execution is started with (documented, and validated by the tasks that read it). */
  readonly input: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
  readonly lock?: LockScope;
}
