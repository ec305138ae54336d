/*
 * FAKE (test support): a stateful in-memory model of the SSM (Parameter Store, Run Command) and Secrets Manager
 * calls brokerlink uses. Faithful where it matters: PutParameter with Overwrite=false is create-if-absent
 * (ParameterAlreadyExists), versions count up, the Standard tier holds 4 KB and the Advanced tier 8 KB,
 * GetParametersByPath pages at most 10 with NextToken and lists direct children unless Recursive; SendCommand
 * accepts only registered documents, running instances and parameter values that pass the document's
 * allowedValues / allowedPattern (InvalidParameters otherwise, nothing runs); a new invocation is invisible to
 * GetCommandInvocation for a while (InvocationDoesNotExist), then InProgress, then whatever the test's hook
 * decided; inline output is cut at 24,000 characters as SSM does.
 */

import type { GetSecretValueCommandInput } from '@aws-sdk/client-secrets-manager';
import type {
  DeleteParameterCommandInput,
  DeleteParametersCommandInput,
  DescribeInstanceInformationCommandInput,
  GetCommandInvocationCommandInput,
  GetParameterCommandInput,
  GetParametersByPathCommandInput,
  Parameter,
  PutParameterCommandInput,
  SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import type { SsmCommandDocument } from '../ssm-document.ts';
import { awsError, type IdSource, paginate } from './fake-core.ts';
import type { FakeAwsState, FakeCommandOutcome, FakeInvocation, FakeParameter } from './fake-state.ts';

const err = (code: string, message: string) => awsError('ssm', code, message);
export const SSM_INLINE_OUTPUT_LIMIT = 24_000;

export interface CommandRequest {
  commandId: string;
  instanceId: string;
  documentName: string;
  /** One value per parameter (defaults filled in), as the document's steps will see them. */
  parameters: Record<string, string>;
  document: SsmCommandDocument;
}

export type CommandHook = (request: CommandRequest) => FakeCommandOutcome | Promise<FakeCommandOutcome>;

export interface SsmModelOptions {
  pageSize: { ssm: number };
  onCommand: () => CommandHook | undefined;
  /** GetCommandInvocation calls answered InvocationDoesNotExist after a send (default 1). */
  invisiblePolls: number;
  /** Then InProgress polls before the outcome is reported (default 1). */
  inProgressPolls: number;
}

function parameterOut(parameter: FakeParameter, decrypt: boolean): Parameter {
  const value =
    parameter.type === 'SecureString' && !decrypt
      ? `AQICAHfake${Buffer.from(parameter.value).toString('base64')}`
      : parameter.value;
  return {
    Name: parameter.name,
    Type: parameter.type,
    Value: value,
    Version: parameter.version,
    LastModifiedDate: parameter.lastModified,
    ARN: `arn:aws:ssm:fake:parameter${parameter.name}`,
    DataType: 'text',
  };
}

export function validateCommandParameters(
  document: SsmCommandDocument,
  given: Record<string, string[]> | undefined,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of Object.keys(given ?? {})) {
    if (document.parameters[name] === undefined) throw err('InvalidParameters', `Parameter "${name}" is not defined`);
  }
  for (const [name, declaration] of Object.entries(document.parameters)) {
    const list = given?.[name];
    if (list !== undefined && list.length !== 1) {
      throw err('InvalidParameters', `Parameter "${name}" of type String takes exactly one value`);
    }
    const value = list?.[0] ?? declaration.default;
    if (value === undefined) throw err('InvalidParameters', `Parameter "${name}" is required`);
    if (declaration.allowedValues !== undefined && !declaration.allowedValues.includes(value)) {
      throw err('InvalidParameters', `Parameter "${name}" "${value}" is not one of the allowed values`);
    }
    if (declaration.allowedPattern !== undefined && !new RegExp(declaration.allowedPattern).test(value)) {
      throw err('InvalidParameters', `Parameter "${name}" "${value}" failed to satisfy constraint: allowed pattern`);
    }
    values[name] = value;
  }
  return values;
}

export function makeSsmModel(state: FakeAwsState, ids: IdSource, options: SsmModelOptions) {
  function childrenOf(path: string, recursive: boolean): FakeParameter[] {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    return [...state.parameters.values()]
      .filter((p) => p.name.startsWith(prefix) && (recursive || !p.name.slice(prefix.length).includes('/')))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  return {
    PutParameter(input: PutParameterCommandInput) {
      const name = input.Name ?? '';
      if (!/^[A-Za-z0-9_.\-/]{1,2048}$/.test(name)) throw err('ValidationException', `invalid parameter name ${name}`);
      const existing = state.parameters.get(name);
      if (existing !== undefined && input.Overwrite !== true) {
        throw err(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        );
      }
      const value = input.Value ?? '';
      const requested = (input.Tier ?? 'Standard') as FakeParameter['tier'];
      // Intelligent-Tiering: Standard when the value fits and the parameter was never Advanced, else Advanced.
      const tier: FakeParameter['tier'] =
        requested === 'Intelligent-Tiering'
          ? existing?.tier === 'Advanced' || Buffer.byteLength(value) > 4096
            ? 'Advanced'
            : 'Standard'
          : requested;
      const limit = tier === 'Standard' ? 4096 : 8192;
      if (Buffer.byteLength(value) > limit) {
        throw err('ValidationException', `Parameter value must be at most ${limit} bytes in the ${tier} tier`);
      }
      if (existing?.tier === 'Advanced' && tier === 'Standard') {
        throw err('ValidationException', 'An Advanced parameter cannot be downgraded to the Standard tier');
      }
      const parameter: FakeParameter = {
        name,
        value,
        type: (input.Type ?? existing?.type ?? 'String') as FakeParameter['type'],
        version: (existing?.version ?? 0) + 1,
        tier,
        lastModified: new Date(),
      };
      state.parameters.set(name, parameter);
      return { Version: parameter.version, Tier: parameter.tier };
    },

    GetParameter(input: GetParameterCommandInput) {
      const parameter = state.parameters.get(input.Name ?? '');
      if (parameter === undefined) throw err('ParameterNotFound', `Parameter ${input.Name} not found.`);
      return { Parameter: parameterOut(parameter, input.WithDecryption === true) };
    },

    GetParametersByPath(input: GetParametersByPathCommandInput) {
      if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 10)) {
        throw err('ValidationException', 'MaxResults must be between 1 and 10');
      }
      const all = childrenOf(input.Path ?? '/', input.Recursive === true);
      const size = Math.min(input.MaxResults ?? 10, options.pageSize.ssm);
      const { page, next } = paginate('ssm', all, input.NextToken, size);
      return { Parameters: page.map((p) => parameterOut(p, input.WithDecryption === true)), NextToken: next };
    },

    DeleteParameter(input: DeleteParameterCommandInput) {
      if (!state.parameters.delete(input.Name ?? '')) {
        throw err('ParameterNotFound', `Parameter ${input.Name} not found.`);
      }
      return {};
    },

    DeleteParameters(input: DeleteParametersCommandInput) {
      const names = input.Names ?? [];
      if (names.length < 1 || names.length > 10) throw err('ValidationException', 'Names must hold 1-10 names');
      const deleted = names.filter((name) => state.parameters.delete(name));
      return { DeletedParameters: deleted, InvalidParameters: names.filter((name) => !deleted.includes(name)) };
    },

    DescribeInstanceInformation(input: DescribeInstanceInformationCommandInput) {
      const wanted = input.Filters?.find((filter) => filter.Key === 'InstanceIds')?.Values;
      if (wanted !== undefined && wanted.length > 50) {
        throw err('InvalidFilterValue', 'InstanceIds takes at most 50 values');
      }
      const size = input.MaxResults ?? 50;
      if (size < 5 || size > 50) throw err('ValidationException', 'MaxResults must be between 5 and 50');
      const registered = state.instances.filter(
        (instance) =>
          instance.agent !== 'unregistered' &&
          instance.state !== 'terminated' &&
          (wanted === undefined || wanted.includes(instance.instanceId)),
      );
      const { page, next } = paginate('ssm', registered, input.NextToken, size);
      return {
        InstanceInformationList: page.map((instance) => ({
          InstanceId: instance.instanceId,
          PingStatus:
            instance.state === 'running' && instance.agent !== 'connection-lost'
              ? ('Online' as const)
              : ('ConnectionLost' as const),
          ResourceType: 'EC2Instance' as const,
          PlatformType: 'Linux' as const,
          IPAddress: instance.privateIp,
        })),
        NextToken: next,
      };
    },

    SendCommand(input: SendCommandCommandInput) {
      const documentName = input.DocumentName ?? '';
      const document = state.documents.get(documentName) as SsmCommandDocument | undefined;
      if (document === undefined) throw err('InvalidDocument', `Document ${documentName} does not exist`);
      const instanceIds = input.InstanceIds ?? [];
      if (instanceIds.length === 0) throw err('InvalidInstanceId', 'No instance ids');
      // AWS: InvalidInstanceId for an unknown instance, one whose agent never registered, or one shutting down or
      // terminated; a pending, stopping or stopped instance is accepted — and the command is never delivered.
      const undeliverable = new Set<string>();
      for (const id of instanceIds) {
        const instance = state.instances.find((candidate) => candidate.instanceId === id);
        if (
          instance === undefined ||
          instance.agent === 'unregistered' ||
          instance.state === 'shutting-down' ||
          instance.state === 'terminated'
        ) {
          throw err('InvalidInstanceId', `Instances [[${id}]] not in a valid state for account`);
        }
        if (instance.state !== 'running' || instance.agent === 'connection-lost') undeliverable.add(id);
      }
      const parameters = validateCommandParameters(document, input.Parameters);
      const commandId = `${ids.next(8)}-0000-4000-8000-${ids.next(12)}`;
      for (const instanceId of instanceIds) {
        const hook = options.onCommand();
        // Never delivered: Pending until its timeout (not modeled: it stays Pending).
        const outcome: Promise<FakeCommandOutcome> = undeliverable.has(instanceId)
          ? new Promise<FakeCommandOutcome>(() => undefined)
          : Promise.resolve()
              .then(() =>
                hook === undefined
                  ? ({ status: 'Success', stdout: '' } as FakeCommandOutcome)
                  : hook({ commandId, instanceId, documentName, parameters, document }),
              )
              .catch(
                (error: unknown) => ({ status: 'Failed', stderr: String(error), exitCode: 1 }) as FakeCommandOutcome,
              );
        const invocation: FakeInvocation = {
          commandId,
          instanceId,
          documentName,
          parameters,
          pollsUntilVisible: options.invisiblePolls,
          pollsInProgress: options.inProgressPolls,
          outcome,
          ...(undeliverable.has(instanceId) ? { undelivered: true } : {}),
        };
        void outcome.then((settled) => {
          invocation.settled = settled;
        });
        state.invocations.set(`${commandId}/${instanceId}`, invocation);
      }
      return {
        Command: {
          CommandId: commandId,
          DocumentName: documentName,
          InstanceIds: instanceIds,
          Parameters: input.Parameters,
          Status: 'Pending' as const,
        },
      };
    },

    GetCommandInvocation(input: GetCommandInvocationCommandInput) {
      const invocation = state.invocations.get(`${input.CommandId}/${input.InstanceId}`);
      if (invocation === undefined || invocation.pollsUntilVisible > 0) {
        if (invocation !== undefined) invocation.pollsUntilVisible -= 1;
        throw err('InvocationDoesNotExist', 'An error occurred (InvocationDoesNotExist)');
      }
      const base = {
        CommandId: invocation.commandId,
        InstanceId: invocation.instanceId,
        DocumentName: invocation.documentName,
      };
      if (invocation.undelivered === true) {
        return { ...base, Status: 'Pending' as const, StatusDetails: 'Pending', ResponseCode: -1 };
      }
      if (invocation.pollsInProgress > 0 || invocation.settled === undefined) {
        invocation.pollsInProgress = Math.max(0, invocation.pollsInProgress - 1);
        return { ...base, Status: 'InProgress' as const, StatusDetails: 'InProgress', ResponseCode: -1 };
      }
      const outcome = invocation.settled;
      const exitCode = outcome.exitCode ?? (outcome.status === 'Success' ? 0 : outcome.status === 'Failed' ? 1 : -1);
      return {
        ...base,
        Status: outcome.status,
        StatusDetails: outcome.status,
        ResponseCode: exitCode,
        StandardOutputContent: (outcome.stdout ?? '').slice(0, SSM_INLINE_OUTPUT_LIMIT),
        StandardErrorContent: (outcome.stderr ?? '').slice(0, 8_000),
      };
    },
  };
}

export function makeSecretsManagerModel(state: FakeAwsState) {
  return {
    GetSecretValue(input: GetSecretValueCommandInput) {
      const value = state.secrets.get(input.SecretId ?? '');
      if (value === undefined) {
        throw awsError(
          'secretsManager',
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret.",
        );
      }
      return { ARN: `arn:aws:secretsmanager:fake:secret:${input.SecretId}`, Name: input.SecretId, SecretString: value };
    },
  };
}
