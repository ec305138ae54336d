import { dispositionOfName, isErrorName } from '../shared/error-catalogue.ts';
import { StateMachineFailed } from '../shared/orchestration/errors.ts';
import type { EventLog } from '../shared/orchestration/local-state-machine.ts';
import type { ClusterSpec } from '../shared/spec/schema.ts';
import { parseCommandArgs, parseIntegerFlag } from './args.ts';
import { execute, type Machine, progressPrinter } from './execution.ts';
import { loadSpecFile, type Output } from './io.ts';
import { createStepDeps } from './providers.ts';

/**
 * The one execute path of the workflow commands (apply, drift): `<spec> [--json] [--wait-ms <n>]`, the spec file
 * is the spec store, the spec's provider gives the deps, progress goes to stderr unless --json.
 */
export async function runWorkflowCommand(
  machine: Machine,
  argv: string[],
  io: Output,
  inputOf: (spec: ClusterSpec) => Record<string, unknown>,
): Promise<{ output: unknown; json: boolean }> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, 'wait-ms': { type: 'string' } }, [
    'spec',
  ]);
  const waitMs = parseIntegerFlag('wait-ms', values['wait-ms']) ?? 1000;
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const deps = await createStepDeps(spec, text);
  const json = values.json === true;
  const print = json ? undefined : progressPrinter(io.err);
  const failures = rootCauses();
  try {
    const output = await execute(machine, inputOf(spec), {
      deps,
      waitMs,
      onEvent: (event) => {
        failures.record(event);
        print?.(event);
      },
    });
    return { output, json };
  } catch (error) {
    throw failures.explain(error);
  }
}

/**
 * A run that ends on an engine error (States.Timeout, a Map's States.TaskFailed) after a step failed with one of
 * brokerlink's own errors ends on that error instead, so the last line names what really went wrong (a broker that
 * never became healthy: BrokerNotReady, not States.Timeout) and the exit code is that error's.
 */
export function rootCauses() {
  let last: { error: string; cause: string; state: string } | undefined;
  return {
    record(event: EventLog): void {
      if (event.type !== 'StateFailed' || event.Error === undefined) return;
      // Errors a flow handles and carries on after (a lost compare-and-swap, a gate to wait for) are not the cause.
      if (event.Error.startsWith('States.')) return;
      // A drift run's failed repair: the repair's own events (recorded before) name its cause.
      if (event.Error === 'StateMachineFailed') return;
      if (isErrorName(event.Error) && dispositionOfName(event.Error) !== 'fail') return;
      last = { error: event.Error, cause: String(event.Cause ?? ''), state: event.state.name };
    },
    explain(error: unknown): unknown {
      if (!(error instanceof StateMachineFailed) || !error.error.startsWith('States.') || last === undefined) {
        return error;
      }
      return new StateMachineFailed(
        last.error,
        `${last.cause} (at ${last.state}; the execution then ended with ${error.error}${error.detail ? `: ${error.detail}` : ''})`,
        { cause: error },
      );
    },
  };
}
