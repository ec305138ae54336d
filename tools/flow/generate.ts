/**
 * Writes statemachines/<workflow>.asl.yaml (Step Functions) and <workflow>.fdl.yaml (CloudFlow) from the flow
 * contract (shared/flow/): `npm run generate:workflows`.
 * `--check` writes nothing and exits 1 when a committed file differs from what the contract generates.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { renderAslYaml } from '../../shared/flow/asl/generate.ts';
import { flowProblems } from '../../shared/flow/check.ts';
import { renderFdlYaml } from '../../shared/flow/fdl/generate.ts';
import { WORKFLOW_NAMES, WORKFLOWS } from '../../shared/flow/index.ts';

const check = process.argv.includes('--check');
let failed = false;
for (const name of WORKFLOW_NAMES) {
  const workflow = WORKFLOWS[name];
  const problems = flowProblems(workflow);
  if (problems.length > 0) {
    process.stderr.write(`${name}: the flow contract is broken:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    failed = true;
    continue;
  }
  for (const [extension, render] of [
    ['asl', renderAslYaml],
    ['fdl', renderFdlYaml],
  ] as const) {
    const file = new URL(`../../statemachines/${name}.${extension}.yaml`, import.meta.url);
    const text = render(workflow);
    const committed = await readFile(file, 'utf8').catch(() => '');
    if (committed === text) continue;
    if (check) {
      process.stderr.write(`statemachines/${name}.${extension}.yaml is not what the flow contract generates\n`);
      failed = true;
    } else {
      await writeFile(file, text);
      process.stdout.write(`wrote statemachines/${name}.${extension}.yaml\n`);
    }
  }
}
process.exitCode = failed ? 1 : 0;
