import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { aslErrorFindings } from '../../shared/flow/asl/audit.ts';
import { loadDefinition } from '../../shared/orchestration/local-state-machine.ts';
import { isTaskName } from '../../shared/steps/tasks.ts';

const require = createRequire(import.meta.url);
const validate = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const FILES = ['provision', 'drift-check'] as const;
const file = (name: string) => new URL(`../../statemachines/${name}.asl.yaml`, import.meta.url);

function taskResources(node: unknown, found: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const item of node) taskResources(item, found);
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record['Type'] === 'Task') found.push(record['Resource']);
    for (const value of Object.values(record)) taskResources(value, found);
  }
  return found;
}

describe('state machine definitions', () => {
  for (const name of FILES) {
    it(`${name}.asl.yaml passes asl-validator with path and ARN checks`, async () => {
      const result = validate(await loadDefinition(file(name)), { checkPaths: true, checkArn: true });
      expect(result.errorsText()).toBe('');
      expect(result.isValid).toBe(true);
    });

    it(`${name}.asl.yaml names only catalogued or engine errors, retries no fatal one, misses no retryable one`, async () => {
      expect(aslErrorFindings(await loadDefinition(file(name)))).toEqual([]);
    });

    it(`${name}.asl.yaml binds every Lambda task to a task of the task table`, async () => {
      const resources = taskResources(await loadDefinition(file(name)));
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) {
        if (resource === 'arn:aws:states:::states:startExecution') continue;
        const getAtt = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
        expect(getAtt?.[1]).toBe('Arn');
        expect(isTaskName(getAtt![0]), `task ${getAtt![0]}`).toBe(true);
      }
    });
  }

  it('asl-validator rejects a definition with a dangling transition (the check can fail)', async () => {
    const definition = await loadDefinition(file('drift-check'));
    const states = definition['States'] as Record<string, Record<string, unknown>>;
    const broken = { ...definition, States: { ...states, Plan: { ...states['Plan'], Next: 'NoSuchState' } } };
    expect(validate(broken, { checkPaths: true, checkArn: true }).isValid).toBe(false);
  });

  it('drift repair starts the provision state machine by reference, resolved at deploy time', async () => {
    const definition = await loadDefinition(file('drift-check'));
    const startRepair = (definition['States'] as Record<string, Record<string, unknown>>)['StartRepair']!;
    expect(startRepair['Resource']).toBe('arn:aws:states:::states:startExecution');
    // Fn::Sub over the provision state machine's Name, so serverless-step-functions can also derive the execution
    // ARN pattern for the role (with a plain Ref it falls back to Resource "*").
    expect(JSON.stringify((startRepair['Parameters'] as Record<string, unknown>)['StateMachineArn'])).toContain(
      '"Fn::GetAtt":["ProvisionStateMachine","Name"]',
    );
  });

  it('the error audit finds an unknown name, a retried fatal error, a missed retryable one and a wrong policy', async () => {
    const definition = await loadDefinition(file('drift-check'));
    const states = definition['States'] as Record<string, Record<string, unknown>>;
    const plan = states['Plan']!;
    const broken = {
      ...definition,
      States: {
        ...states,
        Plan: {
          ...plan,
          Retry: [
            {
              ErrorEquals: ['KafkaUnavailable', 'SpecInvalid', 'NoSuchError'],
              IntervalSeconds: 2,
              MaxAttempts: 4,
              BackoffRate: 2,
            },
            { ErrorEquals: ['AwsThrottled'], IntervalSeconds: 1, MaxAttempts: 9, BackoffRate: 2 },
          ],
        },
      },
    };
    const findings = aslErrorFindings(broken).map((finding) => `${finding.state} ${finding.kind}: ${finding.detail}`);
    expect(findings).toContain('Plan retries-fatal: Retry matches SpecInvalid, which is fatal');
    expect(findings).toContain('Plan unknown-error: Retry names NoSuchError, which is no brokerlink error');
    expect(findings).toContainEqual(expect.stringMatching(/^Plan retry-missing: never retries .*ConfigConflict/));
    expect(findings).toContainEqual(expect.stringMatching(/^Plan policy-differs: Retry of AwsThrottled/));
  });
});
