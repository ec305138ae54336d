/**
 * Live progress of a provision execution, from the state machine's event log: one line per step a person cares
 * about, and during the rolling restart one line per change of a broker's state (waiting for the safety gate,
 * restarting, waiting healthy n/N, done). Pure apart from `write`.
 */
import { DRIFT_CHECK_STEPS, PROVISION_STEPS } from '../shared/flow/index.ts';
import { PROGRESS_STEPS } from '../shared/flow/progress.ts';
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

/** One line per step of an execution (not per broker): the flow contract's progress texts. */
const STEPS: ReadonlyMap<string, string> = new Map(
  [...PROGRESS_STEPS.values()].filter((step) => !step.perItem).map((step) => [step.id, step.text]),
);
const P = PROVISION_STEPS;

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
      const step = event.type === 'StateEntered' ? STEPS.get(event.state.name) : undefined;
      if (event.type === 'StateEntered' && step !== undefined && event.index === undefined) {
        write(style.dim(`  → ${step}`));
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
      if (event.type === 'StateExited' && event.state.name === DRIFT_CHECK_STEPS.reportDrift) {
        const drift = record(record(event.state.output)['drift']);
        const details = Array.isArray(drift['details']) ? drift['details'] : [];
        write(style.yellow(`    drift found: ${details.length} difference(s)`));
        for (const detail of details) write(style.yellow(`      - ${String(detail)}`));
        return;
      }
      if (event.type !== 'StateEntered' && event.type !== 'StateExited') return;
      const input = record(event.state.input);
      const output = record(event.type === 'StateExited' ? event.state.output : undefined);
      const batch = Array.isArray(input['brokerIds'])
        ? input['brokerIds'].filter((x): x is number => typeof x === 'number')
        : typeof input['brokerId'] === 'number'
          ? [input['brokerId']]
          : [];
      if (batch.length === 0) return;
      const name = event.state.name;
      if (event.type === 'StateExited' && name === P.advanceConfigPush) {
        const push = record(output['push']);
        if (push['phase'] === 'done') {
          const changed = push['result'] === 'changed';
          write(`    broker ${batch[0]}  server.properties ${changed ? style.cyan('written') : 'already as wanted'}`);
        }
        return;
      }
      const together = batch.length > 1 ? ` (batch ${batch.join(', ')})` : '';
      for (const id of batch) {
        if (event.type === 'StateEntered' && name === P.checkCanRoll && input['gate'] === null) {
          say(id, 'gate', style.yellow(`waiting for the safety gate${together}`));
        } else if (event.type === 'StateExited' && name === P.checkCanRoll) {
          const gate = record(output['gate']);
          if (gate['ok'] !== true) {
            const reasons = Array.isArray(gate['reasons']) ? gate['reasons'].join('; ') : '';
            say(id, 'unsafe', style.yellow(`waiting for the safety gate: ${reasons}`));
          }
        } else if (event.type === 'StateEntered' && name === P.advanceRestart && input['restart'] === null) {
          say(id, 'restarting', style.cyan(`restarting (restart script)${together}`));
        } else if (event.type === 'StateExited' && name === P.checkHealthy) {
          const health = record(output['health']);
          const mine = (Array.isArray(health['brokers']) ? health['brokers'] : []).map(record);
          const readiness = record(mine.find((b) => b['brokerId'] === id)?.['readiness']);
          const n = Number(readiness['consecutiveHealthy'] ?? 0);
          const of = Number(readiness['requiredConsecutive'] ?? 0);
          say(id, `healthy ${n}/${of}`, `waiting healthy ${n}/${of}`);
        } else if (event.type === 'StateExited' && name === P.batchRolled) {
          rolled.push(id);
          say(id, 'done', style.green('done: back, in sync, healthy'));
        }
      }
    },
  };
}
