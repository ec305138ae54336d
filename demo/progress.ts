/**
 * Live progress of a provision execution, from the state machine's event log: one line per step a person cares
 * about, and during the rolling restart one line per change of a broker's state (waiting for the safety gate,
 * restarting, waiting healthy n/N, done). Pure apart from `write`.
 */
import type { EventLog } from '../shared/orchestration/local-state-machine.ts';

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  cyan(text: string): string;
}

export function makeStyle(colour: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) =>
    colour ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    red: wrap(31, 39),
    cyan: wrap(36, 39),
  };
}

const STEPS: Record<string, string> = {
  AcquireLock: 'taking the cluster lock',
  Discover: 'discovering brokers, load balancer and running Kafka config',
  Plan: 'planning',
  EnsureTargets: 'creating load balancer mappings',
  RegisterBrokers: 'registering brokers',
  OrderRestarts: 'ordering restarts (controllers first, active controller last)',
  Verify: 'verifying bootstrap through the load balancer',
  Report: 'reporting',
  ReleaseLock: 'releasing the cluster lock',
  ReportDrift: 'reporting drift',
  StartRepair: 'starting the repair (provision, apply)',
};

export interface ProgressTracker {
  onEvent(event: EventLog): void;
  /** Latest phase per broker of the rolling restart. */
  readonly brokers: ReadonlyMap<number, string>;
  /** Brokers whose restart finished, in order. */
  readonly rolled: readonly number[];
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

export function progressTracker(write: (line: string) => void, style: Style): ProgressTracker {
  const brokers = new Map<number, string>();
  const rolled: number[] = [];
  const say = (id: number, phase: string, line: string) => {
    if (brokers.get(id) === phase) return;
    brokers.set(id, phase);
    write(`    broker ${id}  ${line}`);
  };
  return {
    brokers,
    rolled,
    onEvent(event) {
      if (event.type === 'StateEntered' && STEPS[event.state.name] !== undefined && event.index === undefined) {
        write(style.dim(`  → ${STEPS[event.state.name]}`));
        return;
      }
      if (event.type === 'StateFailed') {
        write(style.red(`  ✗ ${event.state.name}: ${event.Error}`));
        return;
      }
      if (event.type === 'StateRetried') {
        write(style.yellow(`  ↻ ${event.state.name} retried`));
        return;
      }
      if (event.type === 'StateExited' && event.state.name === 'ReportDrift') {
        const drift = record(record(event.state.output)['drift']);
        const details = Array.isArray(drift['details']) ? drift['details'] : [];
        write(style.yellow(`    drift found: ${details.length} difference(s)`));
        for (const detail of details) write(style.yellow(`      - ${String(detail)}`));
        return;
      }
      if (event.type !== 'StateEntered' && event.type !== 'StateExited') return;
      const input = record(event.state.input);
      const output = record(event.type === 'StateExited' ? event.state.output : undefined);
      const id = typeof input['brokerId'] === 'number' ? input['brokerId'] : undefined;
      if (id === undefined) return;
      const name = event.state.name;
      if (event.type === 'StateExited' && name === 'AdvanceConfigPush') {
        const push = record(output['push']);
        if (push['phase'] === 'done') {
          const changed = push['result'] === 'changed';
          write(`    broker ${id}  server.properties ${changed ? style.cyan('written') : 'already as wanted'}`);
        }
        return;
      }
      if (event.type === 'StateEntered' && name === 'CheckCanRoll' && input['gate'] === null) {
        say(id, 'gate', style.yellow('waiting for the safety gate'));
      } else if (event.type === 'StateExited' && name === 'CheckCanRoll') {
        const gate = record(output['gate']);
        if (gate['ok'] !== true) {
          const reasons = Array.isArray(gate['reasons']) ? gate['reasons'].join('; ') : '';
          say(id, 'unsafe', style.yellow(`waiting for the safety gate: ${reasons}`));
        }
      } else if (event.type === 'StateEntered' && name === 'AdvanceRestart' && input['restart'] === null) {
        say(id, 'restarting', style.cyan('restarting (restart script)'));
      } else if (event.type === 'StateExited' && name === 'CheckHealthy') {
        const readiness = record(record(output['health'])['readiness']);
        const n = Number(readiness['consecutiveHealthy'] ?? 0);
        const of = Number(readiness['requiredConsecutive'] ?? 0);
        say(id, `healthy ${n}/${of}`, `waiting healthy ${n}/${of}`);
      } else if (event.type === 'StateExited' && name === 'BrokerRolled') {
        rolled.push(id);
        say(id, 'done', style.green('done: back, in sync, healthy'));
      }
    },
  };
}
