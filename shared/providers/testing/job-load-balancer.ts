/*
 * FAKE, for tests: a load balancer whose every change is an asynchronous job, the shape of Alibaba NLB (a JobId,
 * then GetJobStatus) and of Google Compute (an operation, polled until DONE). A `createMapping` takes two jobs in
 * sequence (server group, then listener), so the second is started only when `start` is called again after the
 * first one's poll said `continue`; any other change takes one job. A change is applied to the state only when its
 * last job completes, so nothing is visible early. Mapping and ledger semantics are the local provider's
 * (providers/local/mappings.ts) on a state held in memory, and the ledger is a separate store beside it.
 */
import type { LbAction } from '../../model/plan.ts';
import type {
  LbOperation,
  LbOperationStatus,
  LbProgress,
  LedgerChange,
  LedgerEntry,
  LoadBalancer,
  ObservedPorts,
  PortLedger,
} from '../../ports.ts';
import { applyLocalLbAction, applyLocalLedgerChange, toLedgerEntries, toObservedPorts } from '../local/mappings.ts';
import { emptyLocalState, type LocalLbState } from '../local/state-file.ts';

interface Job {
  action: LbAction;
  /** Jobs of this action finished before this one. */
  stage: number;
  stages: number;
  pollsLeft: number;
}

export interface JobLoadBalancerOptions {
  /** Polls a job reports `running` before it completes (default 2). */
  pollsPerJob?: number;
}

export interface JobLoadBalancer extends LoadBalancer {
  ledger: PortLedger;
  state(): LocalLbState;
  /** Every job started, by operation id, in order. */
  readonly started: string[];
  /** Makes the next job that completes report `failed` with this message instead. */
  failNextJob(message: string): void;
}

export function createJobLoadBalancer(options: JobLoadBalancerOptions = {}): JobLoadBalancer {
  const pollsPerJob = options.pollsPerJob ?? 2;
  let state = emptyLocalState();
  const jobs = new Map<string, Job>();
  /** Jobs of an action finished so far, keyed by the action. */
  const finishedStages = new Map<string, number>();
  const started: string[] = [];
  let failure: string | undefined;
  let counter = 0;

  const keyOf = (action: LbAction) => JSON.stringify(action);

  return {
    started,
    state: () => structuredClone(state),
    failNextJob: (message) => {
      failure = message;
    },
    ledger: {
      async read(): Promise<LedgerEntry[]> {
        return toLedgerEntries(state);
      },
      async record(_spec, change: LedgerChange) {
        state = applyLocalLedgerChange(state, change);
      },
    },
    async observe(_spec, ledger): Promise<ObservedPorts> {
      return toObservedPorts(structuredClone(state), 'jobs', ledger);
    },
    async start(_spec, action): Promise<LbProgress> {
      // In effect already (a re-run): nothing to start. Conflicts throw here, as a cloud rejects the request.
      const after = applyLocalLbAction(state, action);
      if (JSON.stringify(after) === JSON.stringify(state)) return { state: 'done' };
      const key = keyOf(action);
      const stage = finishedStages.get(key) ?? 0;
      const id = `job-${++counter}`;
      jobs.set(id, { action, stage, stages: action.kind === 'createMapping' ? 2 : 1, pollsLeft: pollsPerJob });
      started.push(id);
      return { state: 'pending', operation: { id, scope: { region: 'test-1' } } };
    },
    async poll(_spec, operation: LbOperation): Promise<LbOperationStatus> {
      const job = jobs.get(operation.id);
      if (job === undefined) throw new Error(`no job ${operation.id}`);
      if (job.pollsLeft > 0) {
        job.pollsLeft -= 1;
        return { state: 'running' };
      }
      jobs.delete(operation.id);
      if (failure !== undefined) {
        const message = failure;
        failure = undefined;
        return { state: 'failed', message, code: 'Job.Failed' };
      }
      const key = keyOf(job.action);
      if (job.stage + 1 < job.stages) {
        finishedStages.set(key, job.stage + 1);
        return { state: 'continue' };
      }
      finishedStages.delete(key);
      state = applyLocalLbAction(state, job.action);
      return { state: 'done' };
    },
    async consumerAddress() {
      return '127.0.0.1';
    },
  };
}
