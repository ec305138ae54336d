import { GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { argvForCommand } from '../../broker-writer/protocol.ts';
import type { BrokerCommand, CommandChannel, CommandHandle, CommandStatus, CommandTarget } from '../../ports.ts';
import { once } from '../../util/once.ts';
import { awsCall, isAwsError } from './aws-call.ts';
import { CommandOutputTruncated, CommandParameterInvalid, CommandTargetInvalid } from './errors.ts';
import {
  type CommandParameterName,
  DEFAULT_DOCUMENT_NAME,
  PARAMETER_PATTERNS,
  ssmDocumentContent,
} from './ssm-document.ts';

/*
 * CommandChannel over SSM Run Command with brokerlink's own document (see ssm-document.ts), one instance per
 * SendCommand. start() sends and returns the CommandId; poll() reads GetCommandInvocation. Values are checked
 * here against the document's allowedPatterns (and the broker-writer's own argument rules) before anything is
 * sent, so a bad value fails fast with a named error rather than as an SSM InvalidParameters.
 */

/** SSM returns at most this many characters of stdout inline (GetCommandInvocation). */
export const SSM_INLINE_STDOUT_LIMIT = 24_000;
/** SSM: a document's content, *including the parameter values given at run time*, must not exceed 64 KB. */
export const SSM_DOCUMENT_LIMIT = 64 * 1024;

const shippedDocumentBytes = once(() => Buffer.byteLength(JSON.stringify(ssmDocumentContent())));
/** Room left for parameter values next to the document brokerlink ships (with 1 KiB of margin). */
export function parameterBudget(): number {
  return SSM_DOCUMENT_LIMIT - shippedDocumentBytes() - 1024;
}

export interface SsmCommandChannelOptions {
  ssm: SSMClient;
  /** Name (or ARN) of brokerlink's command document. Default `BrokerLink-BrokerCommand`. */
  documentName?: string;
  /** Pin a document version (default: the document's default version). */
  documentVersion?: string;
  /** SendCommand TimeoutSeconds: how long SSM keeps trying to reach an offline instance (30-2592000). */
  deliveryTimeoutSeconds?: number;
}

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);

export class SsmCommandChannel implements CommandChannel {
  readonly #ssm: SSMClient;
  readonly #documentName: string;
  readonly #documentVersion: string | undefined;
  readonly #deliveryTimeoutSeconds: number;

  constructor(options: SsmCommandChannelOptions) {
    this.#ssm = options.ssm;
    this.#documentName = options.documentName ?? DEFAULT_DOCUMENT_NAME;
    this.#documentVersion = options.documentVersion;
    this.#deliveryTimeoutSeconds = options.deliveryTimeoutSeconds ?? 600;
    if (/^AWS-/i.test(this.#documentName)) {
      throw new CommandParameterInvalid('documentName', 'brokerlink runs only its own document, never an AWS-* one');
    }
  }

  async start(target: CommandTarget, command: BrokerCommand): Promise<CommandHandle> {
    const instanceId = target.instanceId;
    if (instanceId === undefined || !/^(?:i|mi)-[0-9a-f]{8,17}$/.test(instanceId)) {
      throw new CommandTargetInvalid(
        `broker ${target.brokerId} (${target.host}) has no EC2 instance id (${instanceId ?? 'none'}); SSM Run Command needs one`,
      );
    }
    const parameters = commandParameters(command);
    const answer = await awsCall('ssm:SendCommand', () =>
      this.#ssm.send(
        new SendCommandCommand({
          DocumentName: this.#documentName,
          ...(this.#documentVersion === undefined ? {} : { DocumentVersion: this.#documentVersion }),
          InstanceIds: [instanceId],
          Parameters: Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key, [value]])),
          TimeoutSeconds: this.#deliveryTimeoutSeconds,
          Comment: `brokerlink ${command.kind} broker ${target.brokerId}`.slice(0, 100),
        }),
      ),
    );
    const id = answer.Command?.CommandId;
    if (id === undefined)
      throw new CommandTargetInvalid(`SendCommand for broker ${target.brokerId} returned no CommandId`);
    return { id, target };
  }

  async poll(handle: CommandHandle): Promise<CommandStatus> {
    const instanceId = handle.target.instanceId ?? '';
    const answer = await awsCall('ssm:GetCommandInvocation', async () => {
      try {
        return await this.#ssm.send(new GetCommandInvocationCommand({ CommandId: handle.id, InstanceId: instanceId }));
      } catch (error) {
        // Right after SendCommand the invocation may not be visible yet (eventual consistency).
        if (isAwsError(error, 'InvocationDoesNotExist')) return undefined;
        throw error;
      }
    });
    if (answer === undefined) return { state: 'running' };
    const status = answer.Status ?? 'Pending';
    if (RUNNING.has(status)) return { state: 'running' };
    const stdout = answer.StandardOutputContent ?? '';
    if (status === 'Success') {
      if (stdout.length >= SSM_INLINE_STDOUT_LIMIT) throw new CommandOutputTruncated(handle.id, stdout.length);
      return { state: 'succeeded', stdout };
    }
    const code = answer.ResponseCode;
    return {
      state: 'failed',
      exitCode: code === undefined || code < 0 ? null : code,
      stdout,
      stderr:
        answer.StandardErrorContent ??
        `SSM status ${status}${answer.StatusDetails ? ` (${answer.StatusDetails})` : ''}`,
    };
  }
}

/** The document parameters for one command, validated (empty ones are left out: the document defaults them). */
export function commandParameters(command: BrokerCommand): Partial<Record<CommandParameterName, string>> {
  let parameters: Partial<Record<CommandParameterName, string>>;
  if (command.kind === 'restart') {
    parameters =
      'systemdUnit' in command.method
        ? { action: 'restart', systemdUnit: command.method.systemdUnit }
        : { action: 'restart', script: command.method.script, path: command.path };
  } else {
    try {
      argvForCommand(command); // the writer's own rules (no "." / ".." segments, base64 length, ...)
    } catch (error) {
      throw new CommandParameterInvalid(command.kind, (error as Error).message);
    }
    parameters =
      command.kind === 'read-config'
        ? { action: 'read', path: command.path }
        : {
            action: 'write',
            path: command.path,
            expectedSha256: command.expectedSha256,
            contentBase64: command.contentBase64,
            expectedNodeId: String(command.expectedNodeId),
          };
  }
  for (const [name, value] of Object.entries(parameters)) {
    if (name === 'action') continue;
    const pattern = PARAMETER_PATTERNS[name as keyof typeof PARAMETER_PATTERNS];
    if (value === '' || !new RegExp(pattern).test(value)) {
      throw new CommandParameterInvalid(name, `does not match ${pattern}`);
    }
    if (name === 'script' && value.split('/').some((segment) => segment === '.' || segment === '..')) {
      throw new CommandParameterInvalid(name, 'must not contain . or .. segments');
    }
  }
  const size = Object.values(parameters).reduce((total, value) => total + Buffer.byteLength(value), 0);
  if (size > parameterBudget()) {
    throw new CommandParameterInvalid(
      'contentBase64',
      `is ${size} bytes with the other values; SSM allows about ${parameterBudget()} next to the document (64 KB in all)`,
    );
  }
  return parameters;
}
