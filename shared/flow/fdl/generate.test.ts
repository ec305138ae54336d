import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ERROR_NAMES } from '../../error-catalogue.ts';
import { parseFlow } from '../../providers/alicloud/cloudflow/interpreter.ts';
import { literal, state } from '../build.ts';
import type { Step, TaskStep, Workflow } from '../contract.ts';
import { retryRules } from '../errors.ts';
import { WORKFLOW_NAMES, WORKFLOWS } from '../index.ts';
import {
  ACCOUNT_PLACEHOLDER,
  FC_TRANSIENT_ERRORS,
  type FdlState,
  fdlFunctionName,
  REGION_PLACEHOLDER,
  renderDeployedFlow,
  renderFdlYaml,
  toFdl,
  UNCATALOGUED_ERROR,
} from './generate.ts';

const committed = (name: string) =>
  readFile(new URL(`../../../statemachines/${name}.fdl.yaml`, import.meta.url), 'utf8');

function allStates(states: readonly FdlState[]): FdlState[] {
  return states.flatMap((s) =>
    s.Type === 'Map' ? [s, ...allStates((s.Processor as { States: FdlState[] }).States)] : [s],
  );
}

function tasksOf(steps: readonly Step[]): TaskStep[] {
  return steps.flatMap((step) => (step.kind === 'task' ? [step] : step.kind === 'forEach' ? tasksOf(step.steps) : []));
}

describe('CloudFlow files generated from the flow contract', () => {
  it.each(WORKFLOW_NAMES)('statemachines/%s.fdl.yaml is byte for byte what the contract generates', async (name) => {
    // If this fails after a change to shared/flow/ or the error catalogue: npm run generate:workflows, commit both.
    expect(await committed(name)).toBe(renderFdlYaml(WORKFLOWS[name]));
  });

  it.each(WORKFLOW_NAMES)(
    '%s: the file reads back as the definition and is inside the interpreter’s subset',
    (name) => {
      const text = renderFdlYaml(WORKFLOWS[name]);
      expect(parse(text)).toEqual(JSON.parse(JSON.stringify(toFdl(WORKFLOWS[name]))));
      expect(() =>
        parseFlow(renderDeployedFlow(text, { region: 'cn-hangzhou', accountId: '1234567890123456' })),
      ).not.toThrow();
    },
  );

  it.each(WORKFLOW_NAMES)(
    '%s: every contract task is a state invoking brokerlink-<task>, retrying exactly its catalogued errors',
    (name) => {
      const states = new Map(allStates(toFdl(WORKFLOWS[name]).States).map((s) => [s.Name, s]));
      for (const step of tasksOf(WORKFLOWS[name].steps)) {
        const fdl = states.get(step.id)!;
        expect(fdl.Action).toBe('FC:InvokeFunction');
        expect((fdl.Parameters as { resourceArn: string }).resourceArn).toMatch(
          new RegExp(`:functions/${fdlFunctionName(step.task)}$`),
        );
        const retried = (fdl.Retry as { Errors: string[] }[]).flatMap((rule) => rule.Errors);
        expect(retried.sort()).toEqual(
          [...FC_TRANSIENT_ERRORS, ...retryRules(step).flatMap((rule) => rule.errors)].sort(),
        );
        const caught = ((fdl.Catch as { Errors: string[]; Next: string }[] | undefined) ?? []).map((c) => [
          c.Errors,
          c.Next,
        ]);
        const rules = step.catch ?? [];
        if (rules.length > 0) {
          expect(caught).toEqual(rules.map((r) => [r.errors === 'any' ? ['FnF.ALL'] : [...r.errors], r.next]));
        }
      }
    },
  );

  it('provision fails with the real error’s name: one Fail state per catalogued error, the rest UncataloguedError', () => {
    const states = toFdl(WORKFLOWS.provision).States;
    const failed = states.find((s) => s.Name === 'Failed')!;
    expect(failed.Type).toBe('Choice');
    const branches = failed.Branches as { Condition: string; Next: string }[];
    expect(branches.map((b) => b.Condition)).toEqual(ERROR_NAMES.map((n) => `$Input.error.Code == "${n}"`));
    for (const branch of branches) {
      const target = states.find((s) => s.Name === branch.Next)!;
      expect(target.Type).toBe('Fail');
      expect(branch.Condition).toContain(`"${target.Code}"`);
    }
    expect(states.find((s) => s.Name === failed.Default)?.Code).toBe(UNCATALOGUED_ERROR);
  });

  it('rolls brokers with a one-at-a-time loop, not a Map; pushes config with a Map of at most 5', () => {
    const states = toFdl(WORKFLOWS.provision).States;
    const roll = states.find((s) => s.Name === 'RollingRestart')!;
    expect(roll.Type).toBe('Pass');
    expect(states.find((s) => s.Name === 'RollingRestartNext')?.Type).toBe('Choice');
    expect(states.some((s) => s.Type === 'Map' && s.Name === 'RollingRestart')).toBe(false);
    const push = states.find((s) => s.Name === 'PushConfig')!;
    expect(push).toMatchObject({ Type: 'Map', MaxConcurrency: 5, ItemsPath: '$Global.planned.push' });
  });

  it('leaves every ARN for the deploy to fill in, and refuses region and account ids that are not ids', () => {
    const text = renderFdlYaml(WORKFLOWS.provision);
    expect(text).toContain(`acs:fc:${REGION_PLACEHOLDER}:${ACCOUNT_PLACEHOLDER}:functions/brokerlink-discover`);
    const filled = renderDeployedFlow(text, { region: 'ap-southeast-1', accountId: '1234567890123456' });
    expect(filled).not.toMatch(/\$\{(region|uid)\}/);
    expect(() => renderDeployedFlow(text, { region: 'x; rm -rf /', accountId: '1234567890123456' })).toThrow(/region/);
    expect(() => renderDeployedFlow(text, { region: 'cn-hangzhou', accountId: '12' })).toThrow(/16 digits/);
  });

  const broken = (steps: Step[]): Workflow => ({ ...WORKFLOWS['drift-check'], steps });
  it('refuses a one-at-a-time loop whose body does not end with its item (its results would not be its items)', () => {
    const loop: Step = {
      kind: 'forEach',
      id: 'Each',
      items: ['xs'],
      concurrency: 1,
      item: { x: { kind: 'item' }, n: literal(null) },
      steps: [{ kind: 'succeed', id: 'Done', output: state('n') }],
      resultAt: ['out'],
    };
    expect(() => toFdl(broken([loop, { kind: 'succeed', id: 'End', output: {} }]))).toThrow(/must end with its item/);
  });

  it('refuses a loop body writing what it reads from outside the loop', () => {
    const loop: Step = {
      kind: 'forEach',
      id: 'Each',
      items: ['xs'],
      concurrency: 1,
      item: { x: { kind: 'item' }, spec: state('spec') },
      steps: [
        { kind: 'set', id: 'Clobber', at: ['spec'], value: null },
        { kind: 'succeed', id: 'Done', output: state('x') },
      ],
      resultAt: ['out'],
    };
    expect(() => toFdl(broken([loop, { kind: 'succeed', id: 'End', output: {} }]))).toThrow(/reads from outside/);
  });
});
