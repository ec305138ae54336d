import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDeployedFlow } from '../../shared/flow/fdl/generate.ts';
import { deploy } from '../../tools/alicloud/deploy.ts';
import { bundle, packageFunctions } from '../../tools/alicloud/package.ts';
import { taskFunctionNames } from '../../tools/alicloud/plan.ts';
import { functionPolicy } from '../../tools/alicloud/policies.ts';

/* The deploy against a recording stand-in for the aliyun CLI (tools/alicloud/testing/fake-aliyun.ts checks every call against
 * the CLI / API reference), and the code package it ships. */

let dir: string;
let aliyun: string;
let stateFile: string;
const FAKE = fileURLToPath(new URL('../../tools/alicloud/testing/fake-aliyun.ts', import.meta.url));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brokerlink-deploy-'));
  stateFile = join(dir, 'state.json');
  aliyun = join(dir, 'aliyun');
  await writeFile(aliyun, `#!/bin/sh\nFAKE_ALIYUN_STATE='${stateFile}' exec '${process.execPath}' '${FAKE}' "$@"\n`);
  await chmod(aliyun, 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ARGS = [
  '--region',
  'ap-southeast-1',
  '--account-id',
  '1234567890123456',
  '--bucket',
  'brokerlink-state',
  '--cluster',
  'orders',
  '--nlb-id',
  'nlb-o21d6wyjknamw8hjxb',
  '--security-group-id',
  'sg-t4n0kafkabrokers',
  '--vpc-id',
  'vpc-t4nfx2vcqazc862e9fg06',
  '--vswitch-id',
  'vsw-t4nbrokera',
  '--function-security-group-id',
  'sg-t4nfunctions',
];
const state = async () => JSON.parse(await readFile(stateFile, 'utf8')) as { exists: string[]; calls: string[][] };

describe('tools/alicloud/deploy.ts with the aliyun CLI stand-in', () => {
  it('creates everything on a fresh account, every call as the CLI reference has it', async () => {
    const lines: string[] = [];
    await deploy([...ARGS, '--aliyun', aliyun], (line) => lines.push(line));
    const { exists, calls } = await state();
    expect(lines.every((line) => line.endsWith('created'))).toBe(true);
    for (const name of [
      ...taskFunctionNames(),
      'brokerlink-onInstanceStateChange',
      'brokerlink-onSpecObjectEvent',
      'brokerlink-onDriftTimer',
    ]) {
      expect(exists).toContain(`fn:${name}`);
    }
    expect(exists).toEqual(
      expect.arrayContaining([
        'bucket:oss://brokerlink-state',
        'role:brokerlink-fc',
        'role:brokerlink-flow',
        'attach:brokerlink-fc-policy:brokerlink-fc',
        'flow:brokerlink-provision',
        'flow:brokerlink-drift-check',
        'trigger:brokerlink-onInstanceStateChange:instance-running',
        'trigger:brokerlink-onSpecObjectEvent:spec-written',
        'trigger:brokerlink-onDriftTimer:drift',
      ]),
    );
    // the flows deployed are the committed files with the ARNs filled in
    const createFlow = calls.find((call) => call[1] === 'CreateFlow' && call.includes('brokerlink-provision'))!;
    const committed = await readFile(new URL('../../statemachines/provision.fdl.yaml', import.meta.url), 'utf8');
    expect(createFlow[createFlow.indexOf('--Definition') + 1]).toBe(
      renderDeployedFlow(committed, { region: 'ap-southeast-1', accountId: '1234567890123456' }),
    );
    // the functions run brokerlink's package on nodejs20, in the VPC, as brokerlink-fc
    const createDiscover = calls.find(
      (call) => call[1] === 'POST' && call.join(' ').includes('"brokerlink-discover"'),
    )!;
    expect(JSON.parse(createDiscover.at(-1)!)).toMatchObject({
      runtime: 'nodejs20',
      handler: 'index.handler',
      role: 'acs:ram::1234567890123456:role/brokerlink-fc',
      code: {
        ossBucketName: 'brokerlink-state',
        ossObjectName: expect.stringMatching(/^brokerlink\/deploy\/brokerlink-fc-[0-9a-f]{16}\.zip$/),
      },
      vpcConfig: { vpcId: 'vpc-t4nfx2vcqazc862e9fg06' },
    });
    const trigger = calls.find((call) => call[2]?.endsWith('brokerlink-onInstanceStateChange/triggers'))!;
    const config = JSON.parse(JSON.parse(trigger.at(-1)!).triggerConfig);
    expect(JSON.parse(config.eventRuleFilterPattern)).toEqual({
      source: ['acs.ecs'],
      type: ['ecs:Instance:StateChange'],
    });
  });

  it('converges on a second run: it updates, creates nothing, and repeats no attach', async () => {
    const before = (await state()).calls.length;
    const lines: string[] = [];
    await deploy([...ARGS, '--aliyun', aliyun], (line) => lines.push(line));
    const calls = (await state()).calls.slice(before);
    expect(calls.filter((call) => ['CreateRole', 'CreatePolicy', 'CreateFlow', 'mb'].includes(call[1]!))).toEqual([]);
    expect(calls.filter((call) => call[0] === 'fc' && call[1] === 'POST')).toEqual([]);
    expect(calls.some((call) => call[1] === 'UpdateFlow')).toBe(true);
    expect(lines.filter((line) => line.endsWith('created'))).toEqual([expect.stringMatching(/^code package/)]);
    expect(lines.filter((line) => line.endsWith('in place already'))).toEqual([
      'RAM policy brokerlink-fc-policy attached to brokerlink-fc: in place already',
      'RAM policy brokerlink-flow-policy attached to brokerlink-flow: in place already',
    ]);
  });

  it('prints the commands with --dry-run and runs none', async () => {
    const before = (await state()).calls.length;
    const lines: string[] = [];
    await deploy([...ARGS, '--aliyun', aliyun, '--dry-run'], (line) => lines.push(line));
    expect((await state()).calls.length).toBe(before);
    expect(lines).toContain(
      'aliyun ram AttachPolicyToRole --PolicyType Custom --PolicyName brokerlink-fc-policy --RoleName brokerlink-fc',
    );
    expect(
      lines.some((line) => line.startsWith("aliyun fnf CreateFlow --Name brokerlink-provision --Definition '")),
    ).toBe(true);
  });

  it.each([
    [['--region', 'ap southeast'], /--region: must be a region id/],
    [['--account-id', '42'], /--account-id: must be your 16-digit/],
    [['--cluster', "orders'; rm -rf /"], /--cluster.0: must be a cluster name/],
    [['--nlb-id', 'lb-1'], /--nlb-id.0: must be an NLB id/],
  ])('refuses a bad flag (%j), naming it, and runs nothing', async (bad, message) => {
    const before = (await state()).calls.length;
    const args = [...ARGS];
    args[args.indexOf(bad[0]!) + 1] = bad[1]!;
    await expect(deploy([...args, '--aliyun', aliyun])).rejects.toMatchObject({ name: 'DeployInputInvalid', message });
    expect((await state()).calls.length).toBe(before);
  });
});

describe('RAM policy of the functions', () => {
  const policy = functionPolicy({
    region: 'ap-southeast-1',
    accountId: '1234567890123456',
    bucket: 'brokerlink-state',
    prefix: 'brokerlink/',
    clusters: ['orders'],
    loadBalancerIds: ['nlb-o21d6wyjknamw8hjxb'],
    securityGroupIds: ['sg-t4n0kafkabrokers'],
  });
  it('lets RunCommand (root on the instance) reach only instances tagged for a deployed cluster', () => {
    const run = policy.Statement.filter(
      (s) => s.Action.includes('ecs:RunCommand') && s.Resource.some((r) => r.includes('instance/')),
    );
    expect(run).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecs:RunCommand'],
        Resource: ['acs:ecs:ap-southeast-1:1234567890123456:instance/*'],
        Condition: { StringEquals: { 'acs:ResourceTag/brokerlink:cluster': ['orders'] } },
      },
    ]);
  });
  it('grants no wildcard action, and changes only named resources', () => {
    for (const statement of policy.Statement) {
      expect(statement.Action.every((action) => !action.includes('*'))).toBe(true);
      const changes = statement.Action.some((a) => !/:(Describe|List|Get)/.test(a));
      if (changes) expect(statement.Resource.every((r) => r.startsWith('acs:') && !/^acs:\*:/.test(r))).toBe(true);
    }
  });
});

describe('the Function Compute code package', () => {
  it('is a valid zip of one index.js', async () => {
    const { zip } = await packageFunctions();
    const file = join(dir, 'fc.zip');
    await writeFile(file, zip);
    const listing = execFileSync(
      'python3',
      [
        '-c',
        'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); z.testzip() is None or sys.exit(1); print(z.namelist())',
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(listing.trim()).toBe("['index.js']");
  });

  it('exports the handlers deploy names, and refuses a function that is not brokerlink-<task>', async () => {
    const file = join(dir, 'index.js');
    await writeFile(file, await bundle());
    const handlers = createRequire(import.meta.url)(file) as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const name of ['handler', 'onInstanceStateChange', 'onSpecObjectEvent', 'onDriftTimer']) {
      expect(typeof handlers[name]).toBe('function');
    }
    process.env.BROKERLINK_REGION = 'ap-southeast-1';
    process.env.BROKERLINK_STATE_BUCKET = 'brokerlink-state';
    try {
      await expect(
        handlers.handler!(Buffer.from('{}'), {
          function: { name: 'someone-else' },
          requestId: 'r',
          region: 'ap-southeast-1',
          accountId: '1',
        }),
      ).rejects.toMatchObject({ name: 'FunctionConfigInvalid' });
    } finally {
      delete process.env.BROKERLINK_REGION;
      delete process.env.BROKERLINK_STATE_BUCKET;
    }
  });
});
