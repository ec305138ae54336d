import type { ExecutionsClient } from '@google-cloud/workflows';
import { httpStatusOf } from './gcp-call.ts';

/*
 * The state of the Workflows execution a cluster lock's owner names (lock.ts `executionState`). The provision
 * workflow takes the lock with its own execution id (GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID, a UUID), so the execution
 * is projects/P/locations/L/workflows/brokerlink-provision/executions/<owner>. An owner that is not such an id (a
 * CLI run) is not looked up; an execution that does not exist is reported as DOES_NOT_EXIST (gone); anything else
 * unreadable (no permission, throttled) is undefined, so its lock waits for the lease instead of a guess.
 */

const EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function workflowExecutionState(
  client: Pick<ExecutionsClient, 'getExecution'>,
  where: { project: string; location: string; workflow?: string },
): (owner: string) => Promise<string | undefined> {
  const workflow = where.workflow ?? 'brokerlink-provision';
  return async (owner) => {
    if (!EXECUTION_ID.test(owner)) return undefined;
    try {
      const [execution] = await client.getExecution({
        name: `projects/${where.project}/locations/${where.location}/workflows/${workflow}/executions/${owner}`,
      });
      return typeof execution.state === 'string' ? execution.state : undefined;
    } catch (error) {
      return httpStatusOf(error) === 404 ? 'DOES_NOT_EXIST' : undefined;
    }
  };
}
