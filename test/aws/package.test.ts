/*
 * `osls package` of serverless.yml, offline (no credentials, no network), in a temporary copy of the repository
 * (node_modules linked), then checks on the generated CloudFormation template: every function, both state machines,
 * the four triggers, brokerlink's SSM document, and least privilege. Slow (esbuild bundles 16 functions): one file.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writerScriptText } from '../../shared/broker-writer/protocol.ts';
import { ssmDocumentContent } from '../../shared/providers/aws/ssm-document.ts';
import { tasks } from '../../shared/steps/tasks.ts';
import { type CfnResource, type CfnTemplate, PACKAGE_TIMEOUT_MS, type Packaged, packageService, run } from './osls.ts';

const TRIGGERS = ['onInstanceRunning', 'onInstanceTagged', 'onSpecChanged', 'scheduleDriftCheck'];

type Resource = CfnResource;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

let packaged: Packaged | undefined;
let work: string;
let template: CfnTemplate;

const logicalId = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;
const roleId = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}IamRoleLambdaExecution`;
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function statementsOf(role: Resource): Statement[] {
  const policies = (role.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function allowed(role: Resource, action: string): Statement[] {
  return statementsOf(role).filter((statement) => asList(statement.Action).includes(action));
}

beforeAll(async () => {
  packaged = await packageService({
    kafkaSubnetIds: 'subnet-0aaa1111,subnet-0bbb2222',
    kafkaSecurityGroupIds: 'sg-0ccc3333',
  });
  work = packaged.work;
  template = packaged.template;
}, PACKAGE_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await packaged?.close();
});

describe('osls package: CloudFormation template', () => {
  it('has one nodejs22.x arm64 function per task of the task table, plus the three trigger functions', () => {
    for (const name of [...Object.keys(tasks), ...TRIGGERS]) {
      const fn = template.Resources[logicalId(name)];
      expect(fn?.Type, name).toBe('AWS::Lambda::Function');
      expect(fn!.Properties['Runtime']).toBe('nodejs22.x');
      expect(fn!.Properties['Architectures']).toEqual(['arm64']);
      expect(fn!.Properties['Handler']).toBe(`functions/aws/${name}.handler`);
    }
  });

  it('gives every function its own role and does not create the shared default role', () => {
    for (const name of [...Object.keys(tasks), ...TRIGGERS]) {
      expect(template.Resources[logicalId(name)]!.Properties['Role']).toEqual({ 'Fn::GetAtt': [roleId(name), 'Arn'] });
    }
    expect(template.Resources['IamRoleLambdaExecution']?.Condition).toBe('Never');
  });

  it('deploys both state machines with every task bound to its function', () => {
    const bound = (id: string) => {
      const definition = template.Resources[id]!.Properties['DefinitionString'] as {
        'Fn::Sub': [string, Record<string, unknown>];
      };
      return JSON.stringify(definition['Fn::Sub'][1]);
    };
    expect(template.Resources['ProvisionStateMachine']?.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(template.Resources['DriftCheckStateMachine']?.Type).toBe('AWS::StepFunctions::StateMachine');
    for (const name of Object.keys(tasks).filter((task) => task !== 'reportDrift')) {
      expect(bound('ProvisionStateMachine'), name).toContain(`"${logicalId(name)}","Arn"`);
    }
    for (const name of ['discover', 'plan', 'reportDrift']) {
      expect(bound('DriftCheckStateMachine')).toContain(`"${logicalId(name)}","Arn"`);
    }
    expect(bound('DriftCheckStateMachine')).toContain('ProvisionStateMachine');
  });

  it('wires the four triggers: EC2 running, Parameter Store change, schedule, and manual start (outputs)', () => {
    const rules = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Events::Rule');
    const patterns = rules.map((rule) => JSON.stringify(rule.Properties['EventPattern'] ?? {}));
    expect(patterns.some((p) => p.includes('"aws.ec2"') && p.includes('"running"'))).toBe(true);
    expect(patterns.some((p) => p.includes('"Tag Change on Resource"') && p.includes('"brokerlink:cluster"'))).toBe(
      true,
    );
    expect(patterns.some((p) => p.includes('"Parameter Store Change"') && p.includes('/brokerlink/'))).toBe(true);
    expect(rules.some((rule) => typeof rule.Properties['ScheduleExpression'] === 'string')).toBe(true);
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['ProvisionStateMachineArn', 'DriftCheckStateMachineArn']),
    );
  });

  it("holds brokerlink's SSM command document, generated from the adapter's definition", async () => {
    const document = template.Resources['BrokerCommandDocument']!;
    expect(document.Type).toBe('AWS::SSM::Document');
    expect(document.Properties['DocumentType']).toBe('Command');
    expect(document.Properties['Content']).toEqual(ssmDocumentContent({ writerScript: writerScriptText() }));
  });

  it('never allows "Action": "*", and no mutating action on Resource "*"', () => {
    const roles = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(16);
    for (const [id, role] of roles) {
      for (const statement of statementsOf(role)) {
        const actions = asList(statement.Action) as string[];
        expect(
          actions.some((action) => action === '*' || action.endsWith(':*')),
          id,
        ).toBe(false);
        if (asList(statement.Resource).includes('*')) {
          const mutating = actions.filter((action) => !/:(Describe|Get|List)[A-Za-z]*$/.test(action));
          expect(mutating, `${id}: ${actions.join(', ')}`).toEqual([]);
        }
      }
    }
  });

  it('allows SendCommand only with the brokerlink document and only on instances tagged with a cluster', () => {
    const senders = ['probeEnrolment', 'advanceConfigPush', 'advanceRestart'];
    for (const name of senders) {
      const sends = allowed(template.Resources[roleId(name)]!, 'ssm:SendCommand');
      expect(sends).toHaveLength(2);
      const onDocument = sends.find((statement) => JSON.stringify(statement.Resource).includes(':document/'))!;
      expect(JSON.stringify(onDocument.Resource)).toContain(['$', '{BrokerCommandDocument}'].join(''));
      const onInstances = sends.find((statement) => JSON.stringify(statement.Resource).includes(':instance/'))!;
      expect(onInstances.Condition).toEqual({ StringLike: { 'ssm:resourceTag/brokerlink:cluster': '?*' } });
    }
    const others = [...Object.keys(tasks), ...TRIGGERS].filter((name) => !senders.includes(name));
    for (const name of others) expect(allowed(template.Resources[roleId(name)]!, 'ssm:SendCommand'), name).toEqual([]);
  });

  it('scopes load balancer mutations to resources carrying the brokerlink:cluster tag', () => {
    const role = template.Resources[roleId('applyLoadBalancer')]!;
    for (const action of [
      'elasticloadbalancing:RegisterTargets',
      'elasticloadbalancing:DeleteTargetGroup',
      'elasticloadbalancing:DeleteListener',
      'elasticloadbalancing:ModifyListener',
    ]) {
      const statements = allowed(role, action);
      expect(statements.length, action).toBe(1);
      expect(statements[0]!.Condition, action).toEqual({ StringLike: { 'aws:ResourceTag/brokerlink:cluster': '?*' } });
    }
    for (const action of ['elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:CreateListener']) {
      expect(allowed(role, action)[0]!.Condition, action).toEqual({
        StringLike: { 'aws:RequestTag/brokerlink:cluster': '?*' },
      });
    }
    for (const name of [...Object.keys(tasks), ...TRIGGERS].filter((task) => task !== 'applyLoadBalancer')) {
      const mutations = statementsOf(template.Resources[roleId(name)]!)
        .flatMap((statement) => asList(statement.Action) as string[])
        .filter((action) => action.startsWith('elasticloadbalancing:') && !action.includes(':Describe'));
      expect(mutations, name).toEqual([]);
    }
  });

  it('puts the functions that reach Kafka in the VPC from the parameters, and no others', () => {
    const inVpc = ['discover', 'orderRestarts', 'checkCanRoll', 'checkHealthy', 'verify'];
    for (const name of [...Object.keys(tasks), ...TRIGGERS]) {
      const vpc = template.Resources[logicalId(name)]!.Properties['VpcConfig'];
      if (inVpc.includes(name)) {
        expect(vpc, name).toEqual({
          SecurityGroupIds: { 'Fn::Split': [',', 'sg-0ccc3333'] },
          SubnetIds: { 'Fn::Split': [',', 'subnet-0aaa1111,subnet-0bbb2222'] },
        });
      } else {
        expect(vpc, name).toBeUndefined();
      }
    }
  });

  it('lets each trigger start only its own state machine', () => {
    const starts = (name: string) =>
      allowed(template.Resources[roleId(name)]!, 'states:StartExecution').map((s) => s.Resource);
    expect(starts('onInstanceRunning')).toEqual([{ Ref: 'ProvisionStateMachine' }]);
    expect(starts('onInstanceTagged')).toEqual([{ Ref: 'ProvisionStateMachine' }]);
    expect(starts('onSpecChanged')).toEqual([{ Ref: 'ProvisionStateMachine' }]);
    expect(starts('scheduleDriftCheck')).toEqual([{ Ref: 'DriftCheckStateMachine' }]);
  });
});

describe('osls package: function bundles', () => {
  it('every packaged bundle loads in a fresh Node process and exports a handler (no file missing at init)', async () => {
    const extracted = join(work, 'repo', '.bundle-check');
    const names = [...Object.keys(tasks), ...TRIGGERS];
    await mkdir(extracted, { recursive: true });
    for (const name of names) {
      await run('unzip', ['-q', '-o', join(work, 'out', `${name}.zip`), '-d', join(extracted, name)], work);
    }
    // The SDK is left out of the bundles (the Lambda runtime has it); here it resolves from the linked node_modules.
    const script = `const names = ${JSON.stringify(names)};
      for (const name of names) {
        const module = await import(${JSON.stringify(extracted)} + '/' + name + '/functions/aws/' + name + '.mjs');
        if (typeof module.handler !== 'function') throw new Error(name + ' has no handler');
      }
      process.stdout.write('loaded ' + names.length);`;
    const output = await run(process.execPath, ['--input-type=module', '-e', script], extracted);
    expect(output).toContain(`loaded ${names.length}`);
  });

  it('ships every chunk a bundle loads on first use (code splitting), and each chunk evaluates', async () => {
    const extracted = join(work, 'repo', '.bundle-check');
    const missing: string[] = [];
    const chunks: string[] = [];
    for (const name of Object.keys(tasks)) {
      const dir = join(extracted, name, 'functions', 'aws');
      for (const file of await readdir(dir)) {
        if (!file.endsWith('.mjs')) continue;
        chunks.push(join(dir, file));
        const text = await readFile(join(dir, file), 'utf8');
        for (const match of text.matchAll(/(?:import\(|from)\s*"\.\/([^"]+\.mjs)"/g)) {
          if (!(await readdir(dir)).includes(match[1]!)) missing.push(`${name}: ${file} → ${match[1]}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(chunks.length).toBeGreaterThan(Object.keys(tasks).length);
    const script = `for (const file of ${JSON.stringify(chunks)}) await import(file); process.stdout.write('evaluated ' + ${chunks.length});`;
    expect(await run(process.execPath, ['--input-type=module', '-e', script], extracted)).toContain(
      `evaluated ${chunks.length}`,
    );
  });
});
