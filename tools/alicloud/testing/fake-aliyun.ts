/**
 * FAKE (test support): a recording stand-in for the `aliyun` CLI. It checks every call against the CLI / API
 * reference (REFERENCE below: the product's API, its required and allowed flags; for Function Compute 3.0's ROA
 * API the method, path and body fields), records it, and keeps just enough state (which roles, policies,
 * functions, triggers, flows and buckets exist) for the deploy's exists → create | update logic. A call the
 * reference does not know fails with exit 2, as the real CLI refuses an unknown flag.
 *
 *   FAKE_ALIYUN_STATE=<file.json> node fake-aliyun.ts <aliyun arguments>
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

interface Api {
  required: string[];
  optional?: string[];
}

/** Flags per API, from the aliyun CLI / OpenAPI reference (RAM 2015-05-01, fnf 2019-03-15). */
export const REFERENCE: Record<string, Record<string, Api>> = {
  ram: {
    GetRole: { required: ['RoleName'] },
    CreateRole: { required: ['RoleName', 'AssumeRolePolicyDocument'], optional: ['Description', 'MaxSessionDuration'] },
    UpdateRole: {
      required: ['RoleName'],
      optional: ['NewAssumeRolePolicyDocument', 'NewDescription', 'NewMaxSessionDuration'],
    },
    GetPolicy: { required: ['PolicyName', 'PolicyType'] },
    CreatePolicy: { required: ['PolicyName', 'PolicyDocument'], optional: ['Description'] },
    CreatePolicyVersion: { required: ['PolicyName', 'PolicyDocument'], optional: ['SetAsDefault', 'RotateStrategy'] },
    AttachPolicyToRole: { required: ['PolicyType', 'PolicyName', 'RoleName'] },
  },
  fnf: {
    DescribeFlow: { required: ['Name'] },
    CreateFlow: {
      required: ['Name', 'Definition', 'Description', 'Type'],
      optional: ['RoleArn', 'ExecutionMode', 'ExternalStorageLocation'],
    },
    UpdateFlow: { required: ['Name', 'Description'], optional: ['Definition', 'Type', 'RoleArn'] },
  },
};

/** FC 3.0 (2023-03-30) CreateFunctionInput / UpdateFunctionInput and CreateTriggerInput fields brokerlink may send. */
export const FC_FUNCTION_FIELDS = [
  'functionName',
  'description',
  'runtime',
  'handler',
  'code',
  'memorySize',
  'timeout',
  'role',
  'environmentVariables',
  'vpcConfig',
  'cpu',
  'diskSize',
  'instanceConcurrency',
  'layers',
  'logConfig',
];
export const FC_TRIGGER_FIELDS = [
  'triggerName',
  'triggerType',
  'triggerConfig',
  'invocationRole',
  'qualifier',
  'sourceArn',
  'description',
];
export const FC_RUNTIMES = ['nodejs20', 'nodejs18', 'nodejs16', 'custom.debian10'];

const stateFile = process.env.FAKE_ALIYUN_STATE!;
const state = existsSync(stateFile)
  ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { exists: string[]; calls: string[][] })
  : { exists: [], calls: [] };
const args = process.argv.slice(2);
state.calls.push(args);
const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));
const has = (key: string) => state.exists.includes(key);
const add = (key: string) => {
  if (!has(key)) state.exists.push(key);
};
function fail(code: number, text: string): never {
  save();
  process.stderr.write(`${text}\n`);
  process.exit(code);
}
const notFound = (code: string) => fail(1, `ERROR: SDK.ServerError\nErrorCode: ${code}\nMessage: not found`);
const ok = (body: unknown = {}) => {
  save();
  process.stdout.write(`${JSON.stringify(body)}\n`);
  process.exit(0);
};

function flags(rest: string[], api: Api, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i]!;
    if (!flag.startsWith('--') || rest[i + 1] === undefined) fail(2, `${name}: malformed arguments near ${flag}`);
    const key = flag.slice(2);
    if (![...api.required, ...(api.optional ?? [])].includes(key)) fail(2, `ERROR: unknown flag --${key} for ${name}`);
    out[key] = rest[i + 1]!;
  }
  for (const key of api.required) if (out[key] === undefined) fail(2, `ERROR: ${name} requires --${key}`);
  return out;
}

const [product, api, ...rest] = args;
if (product === 'ram' || product === 'fnf') {
  const reference = REFERENCE[product]![api!];
  if (reference === undefined) fail(2, `ERROR: '${api}' is not a valid api of ${product}`);
  const f = flags(rest, reference, `${product} ${api}`);
  if (product === 'ram') {
    if (api === 'GetRole') (has(`role:${f.RoleName}`) ? ok : () => notFound('EntityNotExist.Role'))();
    if (api === 'CreateRole' || api === 'UpdateRole') {
      JSON.parse(f.AssumeRolePolicyDocument ?? f.NewAssumeRolePolicyDocument ?? '{}');
      if (api === 'UpdateRole' && !has(`role:${f.RoleName}`)) notFound('EntityNotExist.Role');
      add(`role:${f.RoleName}`);
      ok();
    }
    if (api === 'GetPolicy') (has(`policy:${f.PolicyName}`) ? ok : () => notFound('EntityNotExist.Policy'))();
    if (api === 'CreatePolicy' || api === 'CreatePolicyVersion') {
      JSON.parse(f.PolicyDocument!);
      if (api === 'CreatePolicyVersion' && !has(`policy:${f.PolicyName}`)) notFound('EntityNotExist.Policy');
      add(`policy:${f.PolicyName}`);
      ok();
    }
    if (api === 'AttachPolicyToRole') {
      if (!has(`role:${f.RoleName}`) || !has(`policy:${f.PolicyName}`)) notFound('EntityNotExist.Role');
      if (has(`attach:${f.PolicyName}:${f.RoleName}`))
        fail(1, 'ERROR: SDK.ServerError\nErrorCode: EntityAlreadyExists.Role.Policy');
      add(`attach:${f.PolicyName}:${f.RoleName}`);
      ok();
    }
  }
  if (product === 'fnf') {
    if (api === 'DescribeFlow') (has(`flow:${f.Name}`) ? ok : () => notFound('FlowNotExists'))();
    if (f.Type !== undefined && f.Type !== 'FDL') fail(1, 'ErrorCode: InvalidArgument (Type is FDL)');
    if (api === 'UpdateFlow' && !has(`flow:${f.Name}`)) notFound('FlowNotExists');
    add(`flow:${f.Name}`);
    ok();
  }
}
if (product === 'fc') {
  const [method, path] = [api, rest[0]];
  const tail = rest.slice(1);
  const options: Record<string, string> = {};
  for (let i = 0; i < tail.length; i += 2) {
    if (!['--header', '--body'].includes(tail[i]!)) fail(2, `ERROR: unknown flag ${tail[i]} for fc ${method}`);
    options[tail[i]!.slice(2)] = tail[i + 1]!;
  }
  const fn = /^\/2023-03-30\/functions(?:\/([A-Za-z0-9_-]+))?(?:\/triggers(?:\/([A-Za-z0-9_-]+))?)?$/.exec(path ?? '');
  if (fn === null) fail(2, `ERROR: fc: unknown path ${path}`);
  const [, name, trigger] = fn;
  const body = options.body === undefined ? undefined : (JSON.parse(options.body) as Record<string, unknown>);
  if ((method === 'POST' || method === 'PUT') && options.header !== 'Content-Type=application/json')
    fail(2, 'fc: JSON body needs its header');
  const isTrigger = path!.includes('/triggers');
  for (const key of Object.keys(body ?? {})) {
    if (!(isTrigger ? FC_TRIGGER_FIELDS : FC_FUNCTION_FIELDS).includes(key))
      fail(1, `ErrorCode: InvalidArgument (unknown field ${key})`);
  }
  if (!isTrigger && body?.runtime !== undefined && !FC_RUNTIMES.includes(String(body.runtime)))
    fail(1, 'ErrorCode: InvalidArgument (runtime)');
  if (isTrigger && body?.triggerConfig !== undefined) JSON.parse(String(body.triggerConfig));
  const key = isTrigger ? `trigger:${name}:${trigger ?? body?.triggerName}` : `fn:${name ?? body?.functionName}`;
  if (method === 'GET') (has(key) ? ok : () => notFound(isTrigger ? 'TriggerNotFound' : 'FunctionNotFound'))();
  if (method === 'PUT' && !has(key)) notFound(isTrigger ? 'TriggerNotFound' : 'FunctionNotFound');
  if (method === 'POST' && isTrigger && !has(`fn:${name}`)) notFound('FunctionNotFound');
  if (method === 'POST' && has(key))
    fail(1, `ErrorCode: ${isTrigger ? 'TriggerAlreadyExists' : 'FunctionAlreadyExists'}`);
  add(key);
  ok();
}
if (product === 'oss') {
  const [command, ...more] = [api, ...rest];
  if (command === 'stat') (has(`bucket:${more[0]}`) ? ok : () => notFound('NoSuchBucket'))();
  if (command === 'mb') {
    add(`bucket:${more[0]}`);
    ok();
  }
  if (command === 'cp') {
    if (!existsSync(more[0]!)) fail(1, `ERROR: ${more[0]} does not exist`);
    if (!has(`bucket:${more[1]!.split('/').slice(0, 3).join('/')}`)) notFound('NoSuchBucket');
    ok();
  }
}
fail(2, `ERROR: the stand-in does not know "${args.slice(0, 2).join(' ')}"`);
