/*
 * FAKE (test support): CloudFlow 2019-03-15 (the fnf API) as brokerlink calls it — StartExecution (FlowName,
 * ExecutionName, Input as a JSON string) and DescribeExecution. A flow must exist (FlowNotExists otherwise); an
 * execution name is unique per flow (ExecutionAlreadyExists for a second start, whatever its input); Input must be
 * a JSON object. `onStart` lets a test bed run the started execution (the FDL interpreter). Query-string
 * parameters, as the fnf SDKs send them.
 */
import { randomUUID } from 'node:crypto';
import { FakeApiError, type RpcParams, type RpcService } from './rpc-server.ts';

export interface FakeExecution {
  flowName: string;
  name: string;
  input: Record<string, unknown>;
  status: 'Running' | 'Succeeded' | 'Failed';
  startedTime: string;
  output?: unknown;
  error?: string;
}

export interface CloudFlowState {
  flows: Set<string>;
  executions: FakeExecution[];
  /** Called for every started execution (e.g. to run it); may settle it by setting status/output. */
  onStart?: (execution: FakeExecution) => void;
}

const NAME = /^[A-Za-z0-9_-]{1,128}$/;

export function cloudFlowService(state: CloudFlowState): RpcService {
  const find = (params: RpcParams) => {
    const flowName = params.required('FlowName');
    if (!state.flows.has(flowName))
      throw new FakeApiError(404, 'FlowNotExists', `The flow ${flowName} does not exist.`);
    return flowName;
  };
  return {
    product: 'fnf',
    version: '2019-03-15',
    carries: 'query',
    actions: {
      StartExecution(params) {
        const flowName = find(params);
        const name = params.get('ExecutionName') ?? randomUUID();
        if (!NAME.test(name)) throw new FakeApiError(400, 'InvalidArgument', 'ExecutionName is 1-128 of A-Za-z0-9_-.');
        if (state.executions.some((e) => e.flowName === flowName && e.name === name)) {
          throw new FakeApiError(409, 'ExecutionAlreadyExists', `The execution ${name} of ${flowName} already exists.`);
        }
        let input: unknown;
        try {
          input = JSON.parse(params.get('Input') ?? '{}');
        } catch {
          throw new FakeApiError(400, 'InvalidArgument', 'Input must be JSON.');
        }
        if (input === null || typeof input !== 'object' || Array.isArray(input)) {
          throw new FakeApiError(400, 'InvalidArgument', 'Input must be a JSON object.');
        }
        const execution: FakeExecution = {
          flowName,
          name,
          input: input as Record<string, unknown>,
          status: 'Running',
          startedTime: new Date().toISOString(),
        };
        state.executions.push(execution);
        state.onStart?.(execution);
        return { FlowName: flowName, Name: name, Status: execution.status, StartedTime: execution.startedTime };
      },
      DescribeExecution(params) {
        const flowName = find(params);
        const name = params.required('ExecutionName');
        const execution = state.executions.find((e) => e.flowName === flowName && e.name === name);
        if (execution === undefined) throw new FakeApiError(404, 'ExecutionNotExists', `No execution ${name}.`);
        return {
          FlowName: flowName,
          Name: name,
          Status: execution.status,
          Input: JSON.stringify(execution.input),
          ...(execution.output === undefined ? {} : { Output: JSON.stringify(execution.output) }),
          StartedTime: execution.startedTime,
        };
      },
    },
  };
}
