import { gzipSync } from 'node:zlib';
import * as ecsNamespace from '@alicloud/ecs20140526';
import { WriterArgumentInvalid } from '../../broker-writer/errors.ts';
import { argvForCommand } from '../../broker-writer/protocol.ts';
import type { BrokerCommand, CommandChannel, CommandHandle, CommandStatus, CommandTarget } from '../../ports.ts';
import { alicloudCall, isAlicloudError } from './alicloud-call.ts';
import type { EcsClient } from './clients.ts';
import {
  CLOUD_ASSISTANT_CONTENT_LIMIT,
  type CommandParameters,
  commandSize,
  INERT,
  PARAMETER_PATTERNS,
  type ParameterName,
  shippedCommand,
} from './cloud-assistant-script.ts';
import { commonJs } from './commonjs.ts';
import {
  CloudAssistantAgentNotReady,
  CloudAssistantCommandTooLarge,
  CloudAssistantOutputDropped,
  CloudAssistantTargetInvalid,
  CloudAssistantValueUnsafe,
} from './errors.ts';

const ecs = commonJs(ecsNamespace);

/*
 * CommandChannel over Cloud Assistant: start() is one RunCommand of brokerlink's fixed command
 * (cloud-assistant-script.ts) on one instance, with the values as custom parameters, each checked first;
 * poll() is one DescribeInvocationResults. Output comes back Base64 and is decoded byte for byte; output that
 * Cloud Assistant dropped (over 24 KB) is an error, never a silently truncated answer.
 */

export interface CloudAssistantChannelOptions {
  ecs: EcsClient;
  region: string;
  /** Seconds a read or write may run (default 60). */
  fileTimeoutSeconds?: number;
  /** Seconds a restart may run (default 600: a broker's stop can take a while). */
  restartTimeoutSeconds?: number;
}

const RUNNING = new Set(['Pending', 'Scheduled', 'Running', 'Stopping']);
const AGENT_NOT_READY = ['ClientNotRunning', 'ClientNotResponse', 'ClientIsUpgrading', 'IncorrectInstanceStatus'];

export class CloudAssistantChannel implements CommandChannel {
  readonly #ecs: EcsClient;
  readonly #region: string;
  readonly #fileTimeout: number;
  readonly #restartTimeout: number;

  constructor(options: CloudAssistantChannelOptions) {
    this.#ecs = options.ecs;
    this.#region = options.region;
    this.#fileTimeout = options.fileTimeoutSeconds ?? 60;
    this.#restartTimeout = options.restartTimeoutSeconds ?? 600;
  }

  async start(target: CommandTarget, command: BrokerCommand): Promise<CommandHandle> {
    const instanceId = target.instanceId;
    if (instanceId === undefined || !/^i-[a-z0-9]{4,40}$/.test(instanceId)) {
      throw new CloudAssistantTargetInvalid(
        `broker ${target.brokerId} (${target.host}) has no ECS instance id (${instanceId ?? 'none'}); Cloud Assistant needs one`,
      );
    }
    const parameters = commandParameters(command);
    const answer = await alicloudCall('ecs:RunCommand', async () => {
      try {
        return await this.#ecs.runCommand(
          new ecs.RunCommandRequest({
            regionId: this.#region,
            type: 'RunShellScript',
            commandContent: shippedCommand().base64,
            contentEncoding: 'Base64',
            enableParameter: true,
            parameters,
            instanceId: [instanceId],
            timeout: command.kind === 'restart' ? this.#restartTimeout : this.#fileTimeout,
            name: `brokerlink-${command.kind}-broker-${target.brokerId}`,
            repeatMode: 'Once',
            keepCommand: false,
          }),
        );
      } catch (error) {
        if (isAlicloudError(error, ...AGENT_NOT_READY)) {
          throw new CloudAssistantAgentNotReady(instanceId, String((error as { code: string }).code), { cause: error });
        }
        throw error;
      }
    });
    const invokeId = answer.body?.invokeId;
    if (invokeId === undefined)
      throw new CloudAssistantTargetInvalid(`RunCommand for broker ${target.brokerId} returned no InvokeId`);
    return { id: invokeId, target };
  }

  async poll(handle: CommandHandle): Promise<CommandStatus> {
    const answer = await alicloudCall('ecs:DescribeInvocationResults', () =>
      this.#ecs.describeInvocationResults(
        new ecs.DescribeInvocationResultsRequest({
          regionId: this.#region,
          invokeId: handle.id,
          ...(handle.target.instanceId === undefined ? {} : { instanceId: handle.target.instanceId }),
          contentEncoding: 'Base64',
        }),
      ),
    );
    const result = answer.body?.invocation?.invocationResults?.invocationResult?.[0];
    // Right after RunCommand the result may not be listed yet.
    if (result === undefined) return { state: 'running' };
    const status = result.invocationStatus ?? 'Pending';
    if (RUNNING.has(status)) return { state: 'running' };
    const output = Buffer.from(result.output ?? '', 'base64').toString('utf8');
    const dropped = result.dropped ?? 0;
    if (status === 'Success') {
      if (dropped > 0) throw new CloudAssistantOutputDropped(handle.id, dropped);
      return { state: 'succeeded', stdout: output };
    }
    const detail = [
      `Cloud Assistant status ${status}`,
      result.errorCode ? `${result.errorCode}${result.errorInfo ? `: ${result.errorInfo}` : ''}` : '',
      dropped > 0 ? `${dropped} bytes of output were dropped` : '',
    ].filter((part) => part !== '');
    return {
      state: 'failed',
      exitCode: typeof result.exitCode === 'number' && status === 'Failed' ? result.exitCode : null,
      // Cloud Assistant merges stdout and stderr into one Output: it is reported as stdout, the status as stderr.
      stdout: output,
      stderr: detail.join('; '),
    };
  }
}

/** The custom parameters of one command, each value checked against its pattern and the inert alphabet. */
export function commandParameters(command: BrokerCommand): CommandParameters {
  const values: CommandParameters = {
    action: command.kind === 'read-config' ? 'read' : command.kind === 'write-config' ? 'write' : 'restart',
    path: '',
    expectedSha256: '',
    expectedNodeId: '',
    contentGzipBase64: '',
    systemdUnit: '',
    script: '',
  };
  if (command.kind === 'restart') {
    values.path = String(command.path);
    if ('systemdUnit' in command.method) values.systemdUnit = String(command.method.systemdUnit);
    else values.script = String(command.method.script);
  } else {
    try {
      argvForCommand(command); // the writer's own rules (no "." / ".." segments, Base64 shape, size)
    } catch (error) {
      const field = error instanceof WriterArgumentInvalid ? error.field : command.kind;
      throw new CloudAssistantValueUnsafe(field, (error as Error).message);
    }
    values.path = command.path;
    if (command.kind === 'write-config') {
      values.expectedSha256 = command.expectedSha256;
      values.expectedNodeId = String(command.expectedNodeId);
      values.contentGzipBase64 = gzipSync(Buffer.from(command.contentBase64, 'base64'), { level: 9 }).toString(
        'base64',
      );
    }
  }
  for (const [name, value] of Object.entries(values) as [ParameterName, string][]) {
    if (!INERT.test(value)) {
      throw new CloudAssistantValueUnsafe(
        name,
        'holds characters outside A-Z a-z 0-9 . _ @ + / = - (Cloud Assistant would paste it into the script as text)',
      );
    }
    if (!PARAMETER_PATTERNS[name].test(value))
      throw new CloudAssistantValueUnsafe(name, `does not match ${PARAMETER_PATTERNS[name]}`);
    if (
      (name === 'path' || name === 'script') &&
      value.split('/').some((segment) => segment === '.' || segment === '..')
    ) {
      throw new CloudAssistantValueUnsafe(name, 'must not contain . or .. segments');
    }
  }
  const size = commandSize(values);
  if (size > CLOUD_ASSISTANT_CONTENT_LIMIT) {
    throw new CloudAssistantCommandTooLarge(
      size,
      CLOUD_ASSISTANT_CONTENT_LIMIT,
      `the ${command.kind} command with its parameters`,
    );
  }
  return values;
}
