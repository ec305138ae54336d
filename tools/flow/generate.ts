/**
 * Writes statemachines/<workflow>.asl.yaml from the flow contract (shared/flow/): `npm run generate:workflows`.
 * `--check` writes nothing and exits 1 when a committed file differs from what the contract generates.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { renderAslYaml } from '../../shared/flow/asl/generate.ts';
import { flowProblems } from '../../shared/flow/check.ts';
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
  const file = new URL(`../../statemachines/${name}.asl.yaml`, import.meta.url);
  const text = renderAslYaml(workflow);
  const committed = await readFile(file, 'utf8').catch(() => '');
  if (committed === text) continue;
  if (check) {
    process.stderr.write(`statemachines/${name}.asl.yaml is not what the flow contract generates\n`);
    failed = true;
  } else {
    await writeFile(file, text);
    process.stdout.write(`wrote statemachines/${name}.asl.yaml\n`);
  }
}
process.exitCode = failed ? 1 : 0;
