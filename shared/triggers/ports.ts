import type { WorkflowName } from '../flow/contract.ts';

/*
 * The ports the trigger decisions (./instance-running.ts, ./spec-changed.ts, ./schedule.ts) run against. Each cloud
 * implements them over its SDK in shared/providers/<cloud>/ and calls the decisions from a thin handler in
 * functions/<cloud>/ that only parses its event envelope.
 */

export interface StartedExecution {
  /** The engine's id of the execution (Step Functions: the execution ARN). */
  readonly executionId: string;
  /** An execution of this name existed already (a redelivered event): nothing new was started. */
  readonly alreadyStarted: boolean;
}

/**
 * Starts an execution of one of the contract's workflows under a name. Starting the same name again must not start
 * a second execution (engines with named executions refuse or return the existing one; an engine without names
 * keeps the name as a label and looks it up first). That is what makes at-least-once event delivery safe.
 */
export interface WorkflowStarter {
  start(workflow: WorkflowName, name: string, input: Readonly<Record<string, unknown>>): Promise<StartedExecution>;
}

/** Looks up compute instances by id. */
export interface InstanceDirectory {
  /** The instance's tags (labels), or undefined when there is no such instance (terminated already). */
  tagsOf(instanceId: string): Promise<Readonly<Record<string, string>> | undefined>;
}

/** Where cluster specs are stored, seen by the triggers (the steps read specs through the SpecStore port). */
export interface StoredSpecs {
  /** The place a spec change event names (an SSM parameter name, an object key), shown in logs. */
  readonly locationNoun: string;
  /** The cluster whose spec is stored at `location`, or undefined when `location` holds no spec. */
  clusterAt(location: string): string | undefined;
  /** The spec text stored for `cluster`, with the store's version of it (a number, a generation, an etag). */
  read(cluster: string): Promise<{ text: string; version: string }>;
  /** Every cluster with a stored spec (names as stored; the decisions check them). */
  clusters(): Promise<string[]>;
}

/** The logger the decisions write to (structured: a message and fields). */
export interface TriggerLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): TriggerLog;
}

export type TriggerResult =
  | { started: true; executionId: string; name: string; alreadyStarted: boolean }
  | { started: false; reason: string };
