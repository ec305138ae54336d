import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { flowGraph } from '../graph.ts';
import { WORKFLOW_NAMES, WORKFLOWS } from '../index.ts';
import { aslErrorFindings } from './audit.ts';
import { pascalCase, renderAslYaml, toAsl } from './generate.ts';
import { readAslGraph } from './read.ts';

const require = createRequire(import.meta.url);
const validate = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const committed = (name: string) =>
  readFile(new URL(`../../../statemachines/${name}.asl.yaml`, import.meta.url), 'utf8');

describe('Step Functions files generated from the flow contract', () => {
  it.each(WORKFLOW_NAMES)('statemachines/%s.asl.yaml is byte for byte what the contract generates', async (name) => {
    // If this fails after a change to shared/flow/ or the error catalogue: npm run generate:workflows, commit both.
    expect(await committed(name)).toBe(renderAslYaml(WORKFLOWS[name]));
  });

  it.each(WORKFLOW_NAMES)('%s: the YAML (anchors and all) reads back as the generated definition', (name) => {
    expect(parse(renderAslYaml(WORKFLOWS[name]))).toEqual(JSON.parse(JSON.stringify(toAsl(WORKFLOWS[name]))));
  });

  it.each(WORKFLOW_NAMES)('%s: the generated definition passes asl-validator and the error audit', (name) => {
    const definition = toAsl(WORKFLOWS[name]) as unknown as Record<string, unknown>;
    const result = validate(definition, { checkPaths: true, checkArn: true });
    expect(result.errorsText()).toBe('');
    expect(aslErrorFindings(definition)).toEqual([]);
  });

  it.each(WORKFLOW_NAMES)(
    '%s: the committed file means exactly the contract (read back into the flow graph)',
    async (name) => {
      expect(readAslGraph(parse(await committed(name)))).toEqual(flowGraph(WORKFLOWS[name]));
    },
  );

  it('the flow graph tells a file that means something else (a wait, a retry policy, a catch target)', async () => {
    // JSON round trip: the YAML's aliases would otherwise share one Catch list between states
    const definition = JSON.parse(JSON.stringify(parse(await committed('provision'))));
    const states = definition.States;
    states.WaitForLock.Seconds = 5;
    states.Verify.Retry[1].MaxAttempts = 2;
    states.RollingRestart.Catch[0].Next = 'Failed';
    const expected = flowGraph(WORKFLOWS.provision);
    const actual = readAslGraph(definition);
    const differing = actual.nodes.filter(
      (node, index) => JSON.stringify(node) !== JSON.stringify(expected.nodes[index]),
    );
    expect(differing.map((node) => node.id)).toEqual(['RollingRestart', 'Verify', 'WaitForLock']);
  });

  it('names each state machine as serverless.yml deploys it (drift repair starts provision by that id)', async () => {
    const serverless = parse(await readFile(new URL('../../../serverless.yml', import.meta.url), 'utf8'), {
      customTags: [
        { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
        { tag: '!Sub', resolve: (v: string) => v },
      ],
    }) as { stepFunctions: { stateMachines: Record<string, { id: string; definition: string }> } };
    const machines = Object.values(serverless.stepFunctions.stateMachines);
    for (const name of WORKFLOW_NAMES) {
      const machine = machines.find((candidate) => candidate.definition.includes(`statemachines/${name}.asl.yaml`));
      expect(machine?.id, name).toBe(`${pascalCase(name)}StateMachine`);
    }
  });
});
