import type { Plan } from '../model/plan.ts';
import type { ConsumerEndpoint } from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import type { StepDeps } from './deps.ts';
import type { PushState } from './push-config.ts';

export interface ProvisionReport {
  cluster: string;
  loadBalancer: string;
  /** The private-link service consumers connect to (AWS endpoint service name), when brokerlink manages it. */
  endpointService: ConsumerEndpoint | null;
  /** What the consumer side enters (e.g. TiDB Cloud's changefeed form), per exposure. */
  consumer: {
    listener: string;
    bootstrap: string[];
    brokerPorts: { from: number; to: number };
    advertisedListenerPattern: string | Record<string, string>;
    brokerIdFormat: string;
  }[];
  changes: {
    lbActions: number;
    configsWritten: number[];
    /** Every broker restarted, in order. */
    restarted: number[];
    /** With rollout.batch rack: the batches as they ran (each restarted together). */
    restartBatches?: number[][];
  };
  pending: string[];
  /** The plan's warnings: what was left out and why (e.g. a stopped broker, a new one whose agent is not online). */
  warnings: string[];
  verified: boolean | null;
}

export async function buildReport(
  spec: ClusterSpec,
  plan: Plan,
  outcome: {
    pushed?: readonly PushState[] | null;
    /** The batches restarted, in order. */
    restarted?: readonly (readonly number[])[] | null;
    verified?: boolean | null;
    endpoint?: ConsumerEndpoint | null;
  },
  deps: Pick<StepDeps, 'loadBalancer'>,
): Promise<ProvisionReport> {
  const lbHost = await deps.loadBalancer.consumerAddress(spec);
  return {
    cluster: spec.cluster,
    loadBalancer: lbHost,
    endpointService: outcome.endpoint ?? null,
    consumer: plan.exposures.map((exposure) => {
      const specExposure = spec.exposures.find((candidate) => candidate.listener === exposure.listener)!;
      return {
        listener: exposure.listener,
        bootstrap: exposure.bootstrapPorts.map((port) => `${lbHost}:${port}`),
        brokerPorts: specExposure.brokerPorts,
        advertisedListenerPattern: specExposure.advertisedListenerPattern,
        brokerIdFormat: specExposure.brokerIdFormat,
      };
    }),
    changes: {
      lbActions: plan.actions.length,
      configsWritten: (outcome.pushed ?? [])
        .filter((push) => push.phase === 'done' && push.result === 'changed')
        .map((push) => push.brokerId),
      restarted: (outcome.restarted ?? []).flat(),
      ...(spec.rollout.batch === 'rack' ? { restartBatches: (outcome.restarted ?? []).map((b) => [...b]) } : {}),
    },
    pending: plan.pending.map((item) => item.message),
    warnings: [...plan.warnings],
    verified: outcome.verified ?? null,
  };
}
