import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import type { WorkflowName } from '../../flow/contract.ts';
import { FunctionConfigInvalid } from '../../handlers/errors.ts';
import type { InstanceDirectory, StartedExecution, StoredSpecs, WorkflowStarter } from '../../triggers/ports.ts';
import { awsCall, collectPages } from './aws-call.ts';
import { fromAwsTags } from './ledger.ts';

/*
 * The AWS side of the trigger ports (shared/triggers/ports.ts): Step Functions executions, EC2 instance tags and
 * the specs in SSM Parameter Store. The decisions themselves are shared; functions/aws/triggers.ts only parses
 * EventBridge envelopes and wires these.
 */

/** Spec parameters are `<prefix>/<cluster>/spec` (as SsmSpecStore writes them). */
export const SPEC_PARAMETER_PREFIX = '/brokerlink';
const SPEC_PARAMETER = /^\/brokerlink\/([^/]+)\/spec$/;

export function specParameterName(cluster: string): string {
  return `${SPEC_PARAMETER_PREFIX}/${cluster}/spec`;
}

/**
 * StartExecution under a name. Step Functions answers an existing name with the same input, while that execution
 * runs, with the same execution; afterwards (or with another input) it refuses with ExecutionAlreadyExists, which
 * counts as "already started": either way one event starts one execution.
 */
export class SfnWorkflowStarter implements WorkflowStarter {
  readonly #sfn: SFNClient;
  readonly #arns: Readonly<Partial<Record<WorkflowName, string>>>;

  constructor(sfn: SFNClient, stateMachineArns: Readonly<Partial<Record<WorkflowName, string>>>) {
    this.#sfn = sfn;
    this.#arns = stateMachineArns;
  }

  async start(
    workflow: WorkflowName,
    name: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<StartedExecution> {
    const stateMachineArn = this.#arns[workflow];
    if (stateMachineArn === undefined) {
      throw new FunctionConfigInvalid(`this function was given no state machine ARN for ${workflow}`);
    }
    try {
      const answer = await this.#sfn.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionId: answer.executionArn ?? '', alreadyStarted: false };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
        return {
          executionId: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
          alreadyStarted: true,
        };
      }
      throw error;
    }
  }
}

export class Ec2InstanceDirectory implements InstanceDirectory {
  readonly #ec2: EC2Client;
  constructor(ec2: EC2Client) {
    this.#ec2 = ec2;
  }

  async tagsOf(instanceId: string): Promise<Readonly<Record<string, string>> | undefined> {
    const answer = await awsCall('ec2:DescribeInstances', () =>
      this.#ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
    );
    const instance = answer.Reservations?.flatMap((reservation) => reservation.Instances ?? [])[0];
    return instance === undefined ? undefined : fromAwsTags(instance.Tags);
  }
}

export class SsmStoredSpecs implements StoredSpecs {
  readonly locationNoun = 'parameter';
  readonly #ssm: SSMClient;
  constructor(ssm: SSMClient) {
    this.#ssm = ssm;
  }

  clusterAt(location: string): string | undefined {
    const name = location.startsWith('/') ? location : `/${location}`;
    return SPEC_PARAMETER.exec(name)?.[1];
  }

  async read(cluster: string): Promise<{ text: string; version: string }> {
    const answer = await awsCall('ssm:GetParameter', () =>
      this.#ssm.send(new GetParameterCommand({ Name: specParameterName(cluster), WithDecryption: true })),
    );
    return { text: answer.Parameter?.Value ?? '', version: String(answer.Parameter?.Version ?? 0) };
  }

  /** One GetParametersByPath walk (10 per page). */
  async clusters(): Promise<string[]> {
    const parameters = await collectPages(
      'ssm:GetParametersByPath',
      paginateGetParametersByPath(
        { client: this.#ssm },
        { Path: SPEC_PARAMETER_PREFIX, Recursive: true, WithDecryption: false },
      ),
      (page) => page.Parameters,
    );
    return parameters
      .map((parameter) => this.clusterAt(parameter.Name ?? ''))
      .filter((cluster): cluster is string => cluster !== undefined);
  }
}
