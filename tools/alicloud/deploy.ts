/**
 * Deploys brokerlink to Alibaba Cloud with the `aliyun` CLI (configured with `aliyun configure` as usual):
 *
 *   npm run deploy:alicloud -- --region ap-southeast-1 --account-id 1234567890123456 --bucket my-brokerlink \
 *     --cluster orders --nlb-id nlb-o21d6wyjknamw8hjxb --security-group-id sg-t4n0kafkabrokers \
 *     --vpc-id vpc-t4nfx2vcqazc862e9fg06 --vswitch-id vsw-t4nbrokera --function-security-group-id sg-t4nfunctions \
 *     [--drift-every 15m] [--prefix brokerlink/] [--dry-run]
 *
 * It packages the functions (tools/alicloud/package.ts), then runs the steps of ./plan.ts: each checks whether its
 * resource exists and creates or updates it, so a second run converges. `--dry-run` prints every command it would
 * run (the create path) and runs nothing, not even the checks. Every value is validated first (a bad one names
 * the flag, and nothing runs); commands run without a shell (execFile), so no value is ever interpreted by one.
 * Why not Serverless Devs (`s deploy`): docs/alicloud.md ("Deploy").
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BrokerlinkError } from '../../shared/errors.ts';
import { WORKFLOW_NAMES, type WorkflowName } from '../../shared/flow/index.ts';
import { PACKAGE_FILE, packageFunctions } from './package.ts';
import { type DeployOptions, deploySteps, type Step } from './plan.ts';

const id = (prefix: string, what: string) =>
  z.string().regex(new RegExp(`^${prefix}-[a-z0-9]{4,40}$`), `must be ${what} such as ${prefix}-abc123`);

const optionsSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}-[a-z0-9-]+$/, 'must be a region id such as ap-southeast-1'),
  'account-id': z.string().regex(/^\d{16}$/, 'must be your 16-digit Alibaba Cloud account id'),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'must be an OSS bucket name'),
  prefix: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be a key prefix ending in / (or empty)')
    .default('brokerlink/'),
  cluster: z
    .array(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a cluster name'))
    .min(1, 'name at least one --cluster'),
  'nlb-id': z.array(id('nlb', 'an NLB id')).min(1, 'name at least one --nlb-id'),
  'security-group-id': z.array(id('sg', 'a security group id')).default([]),
  'vpc-id': id('vpc', 'a VPC id'),
  'vswitch-id': z.array(id('vsw', 'a vSwitch id')).min(1, 'name at least one --vswitch-id'),
  'function-security-group-id': id('sg', 'a security group id'),
  'drift-every': z
    .string()
    .regex(/^\d{1,4}[mh]$/, 'must be minutes or hours such as 15m or 1h')
    .default('15m'),
  'dry-run': z.boolean().default(false),
  aliyun: z.string().min(1).default('aliyun'),
});

export class DeployInputInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'DeployInputInvalid';
}

export function parseDeployArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      region: { type: 'string' },
      'account-id': { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      cluster: { type: 'string', multiple: true },
      'nlb-id': { type: 'string', multiple: true },
      'security-group-id': { type: 'string', multiple: true },
      'vpc-id': { type: 'string' },
      'vswitch-id': { type: 'string', multiple: true },
      'function-security-group-id': { type: 'string' },
      'drift-every': { type: 'string' },
      'dry-run': { type: 'boolean' },
      aliyun: { type: 'string' },
    },
  });
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    throw new DeployInputInvalid(
      parsed.error.issues.map((issue) => `--${issue.path.join('.') || '(arguments)'}: ${issue.message}`).join('\n'),
    );
  }
  return parsed.data;
}

/** One line a person can paste into a shell (single-quoted where needed). */
export function shellLine(argv: readonly string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_./:=@+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, argv: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(command, argv, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code =
        error === null
          ? 0
          : typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

const errorCode = (outcome: Outcome) =>
  /"?(?:ErrorCode|Code)"?\s*[:=]\s*"?([A-Za-z0-9.]+)/.exec(outcome.stderr + outcome.stdout)?.[1];

export async function runSteps(
  steps: readonly Step[],
  options: { aliyun: string; dryRun: boolean; out: (line: string) => void },
) {
  for (const step of steps) {
    if (options.dryRun) {
      options.out(`# ${step.resource}${step.exists ? ' (created if absent, else updated)' : ''}`);
      options.out(`aliyun ${shellLine(step.create)}`);
      continue;
    }
    let argv = step.create;
    if (step.exists !== undefined) {
      const exists = await run(options.aliyun, step.exists);
      if (exists.code === 0) {
        if (step.update === undefined) {
          options.out(`${step.resource}: exists`);
          continue;
        }
        argv = step.update;
      } else if (!/NotExist|NotFound|NoSuch/.test(errorCode(exists) ?? '')) {
        throw new Error(`${step.resource}: checking failed: ${exists.stderr.trim() || exists.stdout.trim()}`);
      }
    }
    const done = await run(options.aliyun, argv);
    if (done.code !== 0 && !(step.alreadyDone ?? []).includes(errorCode(done) ?? '')) {
      throw new Error(
        `${step.resource}: aliyun ${argv[0]} ${argv[1]} failed: ${done.stderr.trim() || done.stdout.trim()}`,
      );
    }
    options.out(
      `${step.resource}: ${done.code !== 0 ? 'in place already' : argv === step.create ? 'created' : 'updated'}`,
    );
  }
}

export async function deploy(
  argv: string[],
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
) {
  const args = parseDeployArgs(argv);
  const flows = Object.fromEntries(
    await Promise.all(
      WORKFLOW_NAMES.map(async (name) => [
        name,
        await readFile(new URL(`../../statemachines/${name}.fdl.yaml`, import.meta.url), 'utf8'),
      ]),
    ),
  ) as Record<WorkflowName, string>;
  const { zip, sha256 } = await packageFunctions();
  await mkdir(new URL('.', PACKAGE_FILE), { recursive: true });
  await writeFile(PACKAGE_FILE, zip);
  const options: DeployOptions = {
    region: args.region,
    accountId: args['account-id'],
    bucket: args.bucket,
    prefix: args.prefix,
    clusters: args.cluster,
    loadBalancerIds: args['nlb-id'],
    securityGroupIds: args['security-group-id'],
    vpcId: args['vpc-id'],
    vSwitchIds: args['vswitch-id'],
    functionSecurityGroupId: args['function-security-group-id'],
    driftEvery: args['drift-every'],
    codeObject: `${args.prefix}deploy/brokerlink-fc-${sha256.slice(0, 16)}.zip`,
    codeFile: PACKAGE_FILE.pathname,
    flows,
  };
  await runSteps(deploySteps(options), { aliyun: args.aliyun, dryRun: args['dry-run'], out });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await deploy(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = error instanceof DeployInputInvalid ? 2 : 1;
  }
}
