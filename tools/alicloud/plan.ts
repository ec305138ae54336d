import { renderDeployedFlow } from '../../shared/flow/fdl/generate.ts';
import type { WorkflowName } from '../../shared/flow/index.ts';
import { isTaskName, tasks } from '../../shared/steps/tasks.ts';
import {
  FLOW_POLICY,
  FLOW_ROLE,
  FUNCTION_POLICY,
  FUNCTION_ROLE,
  flowPolicy,
  functionPolicy,
  type PolicyScope,
  trustPolicy,
} from './policies.ts';

/*
 * What `npm run deploy:alicloud` does, as `aliyun` CLI commands: each step checks whether its resource exists and
 * then creates it, or updates it to what this version wants — so running the deploy again converges and creates
 * nothing twice. Pure: ./deploy.ts runs (or, with --dry-run, prints) the steps.
 */

export interface DeployOptions extends PolicyScope {
  /** FC 3.0 functions run in the Kafka VPC (they reach the brokers' internal listener and the NLB). */
  vpcId: string;
  vSwitchIds: readonly string[];
  functionSecurityGroupId: string;
  /** The drift check's period, e.g. 15m. */
  driftEvery: string;
  /** The code package's OSS object (uploaded by the first step). */
  codeObject: string;
  codeFile: string;
  /** The committed FDL files, as text. */
  flows: Readonly<Record<WorkflowName, string>>;
}

export interface Step {
  /** What the step is about, e.g. "RAM role brokerlink-fc". */
  resource: string;
  /** Exits 0 when the resource exists; absent: the create is safe to repeat. */
  exists?: string[];
  create: string[];
  update?: string[];
  /** Error codes of `create` that mean "already so" (a repeated attach). */
  alreadyDone?: string[];
}

const FC = '/2023-03-30';
const json = (value: unknown) => JSON.stringify(value);

export function taskFunctionNames(): string[] {
  return Object.keys(tasks)
    .filter(isTaskName)
    .map((task) => `brokerlink-${task}`);
}

export const TRIGGER_FUNCTIONS = {
  'brokerlink-onInstanceStateChange': 'index.onInstanceStateChange',
  'brokerlink-onSpecObjectEvent': 'index.onSpecObjectEvent',
  'brokerlink-onDriftTimer': 'index.onDriftTimer',
} as const;

function functionBody(options: DeployOptions, name: string, handler: string) {
  return {
    functionName: name,
    description: `brokerlink ${name.slice('brokerlink-'.length)}`,
    runtime: 'nodejs20',
    handler,
    code: { ossBucketName: options.bucket, ossObjectName: options.codeObject },
    memorySize: 512,
    timeout: 120,
    role: `acs:ram::${options.accountId}:role/${FUNCTION_ROLE}`,
    environmentVariables: {
      BROKERLINK_REGION: options.region,
      BROKERLINK_STATE_BUCKET: options.bucket,
      BROKERLINK_STATE_PREFIX: options.prefix,
    },
    vpcConfig: {
      vpcId: options.vpcId,
      vSwitchIds: [...options.vSwitchIds],
      securityGroupId: options.functionSecurityGroupId,
    },
  };
}

function functionStep(options: DeployOptions, name: string, handler: string): Step {
  const body = functionBody(options, name, handler);
  const { functionName: _, ...update } = body;
  return {
    resource: `function ${name}`,
    exists: ['fc', 'GET', `${FC}/functions/${name}`],
    create: ['fc', 'POST', `${FC}/functions`, '--header', 'Content-Type=application/json', '--body', json(body)],
    update: [
      'fc',
      'PUT',
      `${FC}/functions/${name}`,
      '--header',
      'Content-Type=application/json',
      '--body',
      json(update),
    ],
  };
}

function triggerStep(functionName: string, trigger: { name: string; type: string; config: unknown }): Step {
  const body = { triggerName: trigger.name, triggerType: trigger.type, triggerConfig: json(trigger.config) };
  return {
    resource: `trigger ${trigger.name} of ${functionName}`,
    exists: ['fc', 'GET', `${FC}/functions/${functionName}/triggers/${trigger.name}`],
    create: [
      'fc',
      'POST',
      `${FC}/functions/${functionName}/triggers`,
      '--header',
      'Content-Type=application/json',
      '--body',
      json(body),
    ],
    update: [
      'fc',
      'PUT',
      `${FC}/functions/${functionName}/triggers/${trigger.name}`,
      '--header',
      'Content-Type=application/json',
      '--body',
      json({ triggerConfig: body.triggerConfig }),
    ],
  };
}

/** An EventBridge trigger on the default bus (FC creates the rule), with its event pattern. */
function eventBridge(pattern: unknown) {
  return {
    triggerEnable: true,
    asyncInvocationType: false,
    eventRuleFilterPattern: json(pattern),
    eventSourceConfig: { eventSourceType: 'Default' },
  };
}

function roleStep(role: string, service: 'fc.aliyuncs.com' | 'fnf.aliyuncs.com'): Step {
  const trust = json(trustPolicy(service));
  return {
    resource: `RAM role ${role}`,
    exists: ['ram', 'GetRole', '--RoleName', role],
    create: [
      'ram',
      'CreateRole',
      '--RoleName',
      role,
      '--AssumeRolePolicyDocument',
      trust,
      '--Description',
      `brokerlink (${service})`,
    ],
    update: ['ram', 'UpdateRole', '--RoleName', role, '--NewAssumeRolePolicyDocument', trust],
  };
}

function policySteps(policy: string, role: string, document: unknown): Step[] {
  const text = json(document);
  return [
    {
      resource: `RAM policy ${policy}`,
      exists: ['ram', 'GetPolicy', '--PolicyName', policy, '--PolicyType', 'Custom'],
      create: [
        'ram',
        'CreatePolicy',
        '--PolicyName',
        policy,
        '--PolicyDocument',
        text,
        '--Description',
        'brokerlink, least privilege',
      ],
      update: [
        'ram',
        'CreatePolicyVersion',
        '--PolicyName',
        policy,
        '--PolicyDocument',
        text,
        '--SetAsDefault',
        'true',
        '--RotateStrategy',
        'DeleteOldestNonDefaultVersionWhenLimitExceeded',
      ],
    },
    {
      resource: `RAM policy ${policy} attached to ${role}`,
      create: ['ram', 'AttachPolicyToRole', '--PolicyType', 'Custom', '--PolicyName', policy, '--RoleName', role],
      alreadyDone: ['EntityAlreadyExists.Role.Policy'],
    },
  ];
}

function flowStep(options: DeployOptions, workflow: WorkflowName): Step {
  const name = `brokerlink-${workflow}`;
  const definition = renderDeployedFlow(options.flows[workflow], {
    region: options.region,
    accountId: options.accountId,
  });
  const common = [
    '--Definition',
    definition,
    '--Description',
    `brokerlink ${workflow}`,
    '--Type',
    'FDL',
    '--RoleArn',
    `acs:ram::${options.accountId}:role/${FLOW_ROLE}`,
  ];
  return {
    resource: `flow ${name}`,
    exists: ['fnf', 'DescribeFlow', '--Name', name],
    create: ['fnf', 'CreateFlow', '--Name', name, ...common, '--ExecutionMode', 'Standard'],
    update: ['fnf', 'UpdateFlow', '--Name', name, ...common],
  };
}

export function deploySteps(options: DeployOptions): Step[] {
  const specsPrefix = `acs:oss:${options.region}:${options.accountId}:${options.bucket}/${options.prefix}specs/`;
  return [
    {
      resource: `OSS bucket ${options.bucket}`,
      exists: ['oss', 'stat', `oss://${options.bucket}`, '--region', options.region],
      create: ['oss', 'mb', `oss://${options.bucket}`, '--region', options.region, '--acl', 'private'],
    },
    {
      resource: `code package oss://${options.bucket}/${options.codeObject}`,
      create: [
        'oss',
        'cp',
        options.codeFile,
        `oss://${options.bucket}/${options.codeObject}`,
        '--region',
        options.region,
        '--force',
      ],
    },
    roleStep(FUNCTION_ROLE, 'fc.aliyuncs.com'),
    ...policySteps(FUNCTION_POLICY, FUNCTION_ROLE, functionPolicy(options)),
    roleStep(FLOW_ROLE, 'fnf.aliyuncs.com'),
    ...policySteps(FLOW_POLICY, FLOW_ROLE, flowPolicy(options)),
    ...taskFunctionNames().map((name) => functionStep(options, name, 'index.handler')),
    ...Object.entries(TRIGGER_FUNCTIONS).map(([name, handler]) => functionStep(options, name, handler)),
    flowStep(options, 'provision'),
    flowStep(options, 'drift-check'),
    triggerStep('brokerlink-onInstanceStateChange', {
      name: 'instance-running',
      type: 'eventbridge',
      config: eventBridge({ source: ['acs.ecs'], type: ['ecs:Instance:StateChange'] }),
    }),
    triggerStep('brokerlink-onSpecObjectEvent', {
      name: 'spec-written',
      type: 'eventbridge',
      config: eventBridge({
        source: ['acs.oss'],
        type: [{ prefix: 'oss:ObjectCreated:' }, { prefix: 'oss:ObjectRemoved:' }],
        subject: [{ prefix: specsPrefix }],
      }),
    }),
    triggerStep('brokerlink-onDriftTimer', {
      name: 'drift',
      type: 'timer',
      config: { cronExpression: `@every ${options.driftEvery}`, enable: true, payload: '' },
    }),
  ];
}
