import type { WorkflowName } from '../../flow/contract.ts';
import type { InstanceDirectory, StartedExecution, StoredSpecs, TriggerLog, WorkflowStarter } from '../ports.ts';

/*
 * FAKES, for tests of the trigger decisions: in-memory ports with the rules the real ones keep. The starter behaves
 * like an engine with named executions (a name starts one execution, ever); the spec store keeps versions.
 */

export class MemoryWorkflowStarter implements WorkflowStarter {
  readonly executions = new Map<string, { workflow: WorkflowName; input: Readonly<Record<string, unknown>> }>();

  async start(
    workflow: WorkflowName,
    name: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<StartedExecution> {
    const id = `${workflow}:${name}`;
    if (name.length === 0 || name.length > 80 || !/^[A-Za-z0-9_-]+$/.test(name)) {
      throw new TypeError(`execution name ${JSON.stringify(name)} is not accepted`);
    }
    if (this.executions.has(id)) return { executionId: id, alreadyStarted: true };
    this.executions.set(id, { workflow, input: structuredClone(input) });
    return { executionId: id, alreadyStarted: false };
  }
}

export class MemoryInstances implements InstanceDirectory {
  readonly instances = new Map<string, Record<string, string>>();
  readonly lookups: string[] = [];
  async tagsOf(instanceId: string) {
    this.lookups.push(instanceId);
    return this.instances.get(instanceId);
  }
}

/** Specs at `specs/<cluster>`; every write bumps the version. */
export class MemorySpecs implements StoredSpecs {
  readonly locationNoun = 'object';
  readonly stored = new Map<string, { text: string; version: number }>();
  reads = 0;
  write(cluster: string, text: string): void {
    this.stored.set(cluster, { text, version: (this.stored.get(cluster)?.version ?? 0) + 1 });
  }
  clusterAt(location: string) {
    return /^specs\/([^/]+)$/.exec(location)?.[1];
  }
  async read(cluster: string) {
    this.reads++;
    const spec = this.stored.get(cluster);
    if (spec === undefined) throw new TypeError(`no spec stored for ${cluster}`);
    return { text: spec.text, version: String(spec.version) };
  }
  async clusters() {
    return [...this.stored.keys()];
  }
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export function memoryLog(
  lines: LogLine[] = [],
  base: Record<string, unknown> = {},
): TriggerLog & { lines: LogLine[] } {
  const at =
    (level: LogLine['level']) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, message, fields: { ...base, ...fields } });
  return {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => memoryLog(lines, { ...base, ...fields }),
  };
}
