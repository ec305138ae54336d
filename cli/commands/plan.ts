import type { ObservedState } from '../../shared/model/observed.ts';
import { parseObservedStateText } from '../../shared/plan/observed-schema.ts';
import { plan } from '../../shared/plan/planner.ts';
import { planToJson, renderPlanTable } from '../../shared/plan/render.ts';
import type { ClusterSpec } from '../../shared/spec/schema.ts';
import { parseCommandArgs } from '../args.ts';
import { loadSpecFile, type Output, readTextFile } from '../io.ts';

/**
 * The dry run: LB changes, broker config changes and restart order together. With --observed it plans offline
 * from a snapshot (docs/observed-state.md), so a plan can be reviewed in CI; otherwise it observes the live
 * provider, read-only.
 */
export async function planCommand(argv: string[], io: Output): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { observed: { type: 'string' }, json: { type: 'boolean' } }, [
    'spec',
  ]);
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const observed = await observe(spec, text, values.observed);
  const result = plan(spec, observed);
  io.out(values.json ? planToJson(result) : renderPlanTable(result));
}

export async function observe(
  spec: ClusterSpec,
  specText: string,
  observedPath: string | undefined,
): Promise<ObservedState> {
  if (observedPath !== undefined) {
    return parseObservedStateText(await readTextFile(observedPath, 'observed state'), observedPath);
  }
  // Only a live plan needs the provider's adapters (cloud SDKs, the Kafka client): loaded here, not with the command.
  const [{ createStepDeps }, { discover }] = await Promise.all([
    import('../providers.ts'),
    import('../../shared/steps/discover.ts'),
  ]);
  const deps = await createStepDeps(spec, specText);
  return await discover(spec, deps);
}
