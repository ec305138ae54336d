import { renderVerificationTable } from '../../shared/kafka/verify/render.ts';
import { plan } from '../../shared/plan/planner.ts';
import { discover } from '../../shared/steps/discover.ts';
import { verifyPlan } from '../../shared/steps/verify.ts';
import { parseCommandArgs } from '../args.ts';
import { ProblemFound } from '../errors.ts';
import { loadSpecFile, type Output } from '../io.ts';
import { createStepDeps } from '../providers.ts';

/**
 * Checks from the consumer's side, through the load balancer, that bootstrap returns exactly the planned
 * advertised addresses and each broker port reaches its planned broker. Changes nothing. Exit 1 on any failure.
 */
export async function verifyCommand(argv: string[], io: Output): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, ['spec']);
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const deps = await createStepDeps(spec, text);
  const planned = plan(spec, await discover(spec, deps));
  const report = await verifyPlan(spec, planned, deps, { failOnProblems: false });
  io.out(values.json ? JSON.stringify(report, null, 2) : renderVerificationTable(report));
  if (!report.ok) throw new ProblemFound('verification failed');
}
