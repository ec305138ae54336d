/*
 * FAKE (test support): the ECS 2014-05-26 actions brokerlink calls — DescribeInstances (tag filters, NextToken
 * paging), the security-group rules it opens and closes (with the per-group rule quota), and Cloud Assistant
 * RunCommand / DescribeInvocationResults. RunCommand applies the documented rules before anything runs: 24 KB for
 * the Base64 command content and parameters together, at most 10 parameter values, names from a-zA-Z0-9-_, every
 * `{{ name }}` in the content given a value; the values are then substituted as plain text (no escaping, as the
 * real service does) and the agent (cloud-assistant-agent.ts) runs the result with bash. An invocation reports
 * Running for at least one DescribeInvocationResults poll, then its outcome.
 */
import { randomBytes } from 'node:crypto';
import type { CloudAssistantAgent } from './cloud-assistant-agent.ts';
import { FakeApiError, type RpcParams, type RpcService } from './rpc-server.ts';

export const CONTENT_LIMIT_BYTES = 24 * 1024;
export const MAX_PARAMETERS = 10;
/** Default quota of rules in one security group (inbound and outbound together). */
export const SECURITY_GROUP_RULE_QUOTA = 200;

export interface FakeInstance {
  instanceId: string;
  privateIp: string;
  zoneId: string;
  vpcId: string;
  vSwitchId: string;
  status: 'Running' | 'Stopped' | 'Starting' | 'Stopping' | 'Pending';
  tags: Record<string, string>;
  /** The folder that is this instance's file system for Cloud Assistant (see cloud-assistant-agent.ts). */
  hostRoot?: string;
}

export interface FakeRule {
  ruleId: string;
  ipProtocol: string;
  portRange: string;
  sourceCidrIp: string;
  policy: string;
  description: string;
}

export interface FakeInvocation {
  invokeId: string;
  commandId: string;
  instanceId: string;
  /** The exact text the agent runs (parameters substituted). */
  script: string;
  parameters: Record<string, string>;
  polls: number;
  result?: Awaited<ReturnType<CloudAssistantAgent['run']>>;
  done: Promise<void>;
  startedAt: string;
}

export interface EcsState {
  regionId: string;
  instances: Map<string, FakeInstance>;
  securityGroups: Map<string, { vpcId: string; rules: FakeRule[] }>;
  invocations: Map<string, FakeInvocation>;
  ruleQuota: number;
  agent: CloudAssistantAgent;
  /** Extra environment for scripts run by the agent (e.g. PATH). */
  agentEnv?: NodeJS.ProcessEnv;
}

const id = (prefix: string) => `${prefix}-${randomBytes(8).toString('hex').slice(0, 14)}`;

function checkRegion(state: EcsState, params: RpcParams) {
  const region = params.required('RegionId');
  if (region !== state.regionId)
    throw new FakeApiError(404, 'InvalidRegionId.NotFound', `The region ${region} does not exist.`);
}

function instanceJson(instance: FakeInstance) {
  return {
    InstanceId: instance.instanceId,
    InstanceName: instance.tags.Name ?? instance.instanceId,
    Status: instance.status,
    ZoneId: instance.zoneId,
    RegionId: undefined,
    VpcAttributes: {
      VpcId: instance.vpcId,
      VSwitchId: instance.vSwitchId,
      PrivateIpAddress: { IpAddress: [instance.privateIp] },
    },
    Tags: { Tag: Object.entries(instance.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) },
  };
}

/** `{{ name }}` with spaces and line feeds around the name ignored; names are case-insensitive. */
const PARAMETER = /\{\{\s*([A-Za-z0-9_:-]+)\s*\}\}/g;

export function ecsService(state: EcsState): RpcService {
  return {
    product: 'Ecs',
    version: '2014-05-26',
    carries: 'query',
    actions: {
      DescribeInstances(params) {
        checkRegion(state, params);
        const idsText = params.get('InstanceIds');
        const ids = idsText === undefined ? undefined : (JSON.parse(idsText) as string[]);
        const tags = params.objects('Tag');
        const vpcId = params.get('VpcId');
        const status = params.get('Status');
        if (status !== undefined && !['Pending', 'Running', 'Starting', 'Stopping', 'Stopped'].includes(status)) {
          throw new FakeApiError(400, 'InvalidStatus.ValueNotSupported', `Status ${status} is not supported.`);
        }
        const matches = [...state.instances.values()].filter(
          (instance) =>
            (ids === undefined || ids.includes(instance.instanceId)) &&
            (vpcId === undefined || instance.vpcId === vpcId) &&
            (status === undefined || instance.status === status) &&
            tags.every(
              (tag) =>
                tag.Key !== undefined &&
                (tag.Value === undefined ? tag.Key in instance.tags : instance.tags[tag.Key] === tag.Value),
            ),
        );
        const max = params.int('MaxResults', 10)!;
        if (max < 1 || max > 100)
          throw new FakeApiError(400, 'InvalidParameter.MaxResults', 'MaxResults must be 1-100.');
        const token = params.get('NextToken');
        const start = token ? Number(token.slice(3)) : 0;
        const slice = matches.slice(start, start + max);
        return {
          Instances: { Instance: slice.map(instanceJson) },
          TotalCount: matches.length,
          ...(start + max < matches.length ? { NextToken: `nt-${start + max}` } : { NextToken: '' }),
        };
      },

      DescribeSecurityGroupAttribute(params) {
        checkRegion(state, params);
        const groupId = params.required('SecurityGroupId');
        const group = state.securityGroups.get(groupId);
        if (group === undefined)
          throw new FakeApiError(
            404,
            'InvalidSecurityGroupId.NotFound',
            `The security group ${groupId} does not exist.`,
          );
        return {
          SecurityGroupId: groupId,
          VpcId: group.vpcId,
          Permissions: {
            Permission: group.rules.map((rule) => ({
              SecurityGroupRuleId: rule.ruleId,
              Direction: 'ingress',
              IpProtocol: rule.ipProtocol,
              PortRange: rule.portRange,
              SourceCidrIp: rule.sourceCidrIp,
              Policy: rule.policy,
              Description: rule.description,
            })),
          },
        };
      },

      AuthorizeSecurityGroup(params) {
        checkRegion(state, params);
        const group = groupOf(state, params);
        const permissions = rulesIn(params);
        for (const rule of permissions) {
          if (group.rules.some((existing) => sameRule(existing, rule))) {
            throw new FakeApiError(400, 'InvalidPermission.Duplicate', 'The specified rule already exists.');
          }
        }
        if (group.rules.length + permissions.length > state.ruleQuota) {
          throw new FakeApiError(
            400,
            'AuthorizationLimitExceed',
            `The limit of authorization records in the security group reaches (${state.ruleQuota}).`,
          );
        }
        for (const rule of permissions) group.rules.push({ ...rule, ruleId: id('sgr') });
        return {};
      },

      RevokeSecurityGroup(params) {
        checkRegion(state, params);
        const group = groupOf(state, params);
        for (const rule of rulesIn(params)) {
          group.rules = group.rules.filter((existing) => !sameRule(existing, rule));
        }
        return {};
      },

      RunCommand(params) {
        checkRegion(state, params);
        const type = params.required('Type');
        if (type !== 'RunShellScript')
          throw new FakeApiError(400, 'InvalidCommandType', 'Linux instances run RunShellScript.');
        const encoding = params.get('ContentEncoding') ?? 'PlainText';
        const raw = params.required('CommandContent');
        let content: string;
        if (encoding === 'Base64') {
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) {
            throw new FakeApiError(400, 'InvalidCommandContent.NotBase64', 'CommandContent is not valid Base64.');
          }
          content = Buffer.from(raw, 'base64').toString('utf8');
        } else if (encoding === 'PlainText') {
          content = raw;
        } else {
          throw new FakeApiError(
            400,
            'InvalidParameter.ContentEncoding',
            'ContentEncoding must be PlainText or Base64.',
          );
        }
        const enableParameter = params.bool('EnableParameter');
        const given = params.has('Parameters')
          ? (JSON.parse(params.get('Parameters')!) as Record<string, unknown>)
          : {};
        if (!enableParameter && Object.keys(given).length > 0) {
          throw new FakeApiError(
            400,
            'InvalidParameter.EnableParameter',
            'Parameters are given but EnableParameter is false.',
          );
        }
        if (Object.keys(given).length > MAX_PARAMETERS) {
          throw new FakeApiError(
            400,
            'InvalidParameter.ParametersExceedLimit',
            `At most ${MAX_PARAMETERS} custom parameters.`,
          );
        }
        const values = new Map<string, string>();
        for (const [name, value] of Object.entries(given)) {
          if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
            throw new FakeApiError(400, 'InvalidParameter.ParameterName', `Bad parameter name ${name}.`);
          if (typeof value !== 'string')
            throw new FakeApiError(400, 'InvalidParameter.ParameterValue', `${name} must be a string.`);
          values.set(name.toLowerCase(), value);
        }
        const contentBase64 = Buffer.from(content, 'utf8').toString('base64');
        const parametersBase64 = Buffer.from(JSON.stringify(given), 'utf8').toString('base64');
        if (contentBase64.length + (enableParameter ? parametersBase64.length : 0) > CONTENT_LIMIT_BYTES) {
          throw new FakeApiError(
            400,
            'InvalidCommandContent.LengthLimitExceed',
            'The command content and its parameters exceed 24 KB after Base64 encoding.',
          );
        }
        const instanceIds = params.strings('InstanceId');
        if (instanceIds.length !== 1)
          throw new FakeApiError(400, 'InvalidParameter.InstanceId', 'the fake runs on exactly one instance');
        const instance = state.instances.get(instanceIds[0]!);
        if (instance === undefined)
          throw new FakeApiError(404, 'InvalidInstance.NotFound', `The instance ${instanceIds[0]} does not exist.`);
        if (instance.status !== 'Running')
          throw new FakeApiError(403, 'IncorrectInstanceStatus', 'The instance is not Running.');
        if (instance.hostRoot === undefined)
          throw new FakeApiError(403, 'ClientNotRunning', 'Cloud Assistant Agent is not running.');
        let missing: string | undefined;
        const builtIns: Record<string, string> = {
          'acs::instanceid': instance.instanceId,
          'acs::regionid': state.regionId,
        };
        const script = enableParameter
          ? content.replace(PARAMETER, (_whole, name: string) => {
              const key = name.toLowerCase();
              const value = values.get(key) ?? builtIns[key];
              if (value === undefined) missing ??= name;
              return value ?? '';
            })
          : content;
        if (missing !== undefined) {
          throw new FakeApiError(
            400,
            'InvalidParameter.MissingParameter',
            `The custom parameter ${missing} has no value.`,
          );
        }
        if (params.get('RepeatMode') === 'DryRun') {
          throw new FakeApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.');
        }
        const timeoutSeconds = params.int('Timeout', 60)!;
        const invocation: FakeInvocation = {
          invokeId: id('t'),
          commandId: id('c'),
          instanceId: instance.instanceId,
          script,
          parameters: Object.fromEntries(values),
          polls: 0,
          startedAt: new Date().toISOString(),
          done: Promise.resolve(),
        };
        invocation.done = state.agent
          .run({
            hostRoot: instance.hostRoot,
            script,
            timeoutSeconds,
            ...(state.agentEnv ? { env: state.agentEnv } : {}),
          })
          .then((result) => {
            invocation.result = result;
          });
        state.invocations.set(invocation.invokeId, invocation);
        return { InvokeId: invocation.invokeId, CommandId: invocation.commandId };
      },

      async DescribeInvocationResults(params) {
        checkRegion(state, params);
        const invokeId = params.get('InvokeId');
        const invocation = invokeId === undefined ? undefined : state.invocations.get(invokeId);
        if (invocation === undefined) {
          return {
            Invocation: { InvocationResults: { InvocationResult: [] }, TotalCount: 0, PageNumber: 1, PageSize: 10 },
          };
        }
        invocation.polls += 1;
        // The first poll always sees the command running (delivery takes a moment); later ones its outcome.
        const result = invocation.polls > 1 ? invocation.result : undefined;
        const encoding = params.get('ContentEncoding') ?? 'Base64';
        const output =
          result === undefined
            ? ''
            : encoding === 'PlainText'
              ? result.output.toString('utf8')
              : result.output.toString('base64');
        return {
          Invocation: {
            InvocationResults: {
              InvocationResult: [
                {
                  InvokeId: invocation.invokeId,
                  CommandId: invocation.commandId,
                  InstanceId: invocation.instanceId,
                  InvocationStatus: result?.status ?? 'Running',
                  InvokeRecordStatus: result === undefined ? 'Running' : 'Finished',
                  Output: output,
                  Dropped: result?.dropped ?? 0,
                  ...(result?.exitCode === null || result === undefined ? {} : { ExitCode: result.exitCode }),
                  ErrorCode: result?.errorCode ?? '',
                  ErrorInfo: result?.errorInfo ?? '',
                  StartTime: invocation.startedAt,
                },
              ],
            },
            TotalCount: 1,
            PageNumber: 1,
            PageSize: 10,
          },
        };
      },
    },
  };
}

function groupOf(state: EcsState, params: RpcParams) {
  const groupId = params.required('SecurityGroupId');
  const group = state.securityGroups.get(groupId);
  if (group === undefined)
    throw new FakeApiError(404, 'InvalidSecurityGroupId.NotFound', `The security group ${groupId} does not exist.`);
  return group;
}

function rulesIn(params: RpcParams): Omit<FakeRule, 'ruleId'>[] {
  const permissions = params.objects('Permissions');
  if (permissions.length === 0)
    throw new FakeApiError(400, 'MissingParameter.Permissions', 'Permissions.N is required.');
  return permissions.map((p) => {
    if (p.IpProtocol === undefined || p.PortRange === undefined || !/^\d{1,5}\/\d{1,5}$/.test(p.PortRange)) {
      throw new FakeApiError(400, 'InvalidPortRange.Malformed', 'PortRange must be "from/to".');
    }
    return {
      ipProtocol: p.IpProtocol.toLowerCase(),
      portRange: p.PortRange,
      sourceCidrIp: p.SourceCidrIp ?? '',
      policy: (p.Policy ?? 'accept').toLowerCase(),
      description: p.Description ?? '',
    };
  });
}

const sameRule = (a: Omit<FakeRule, 'ruleId'>, b: Omit<FakeRule, 'ruleId'>) =>
  a.ipProtocol === b.ipProtocol &&
  a.portRange === b.portRange &&
  a.sourceCidrIp === b.sourceCidrIp &&
  a.policy === b.policy;
