import type { ObservedState } from '../model/observed.ts';

/**
 * Which discovered brokers the plan leaves out for now, and why (instance lifecycle):
 *  - a NEW broker (no mapping yet) that is not running (pending, stopping, stopped): nothing is registered, pushed or
 *    restarted on it — RegisterTargets refuses such instances, and a command sent to one is never delivered. A broker
 *    already mapped is not left out: it keeps its ports, and the planner reports it as down (phases/broker-config.ts)
 *    and registers nothing new for it (phases/lb-actions.ts), so it serves again as soon as it runs;
 *  - a NEW broker (no mapping yet) that is running but whose run-command agent is not online yet (AWS: SSM
 *    answers InvalidInstanceId until the agent has registered; nothing could be pushed to it);
 *  - a NEW broker whose agent is online but whose server.properties does not exist yet (`configPresent: false`,
 *    learnt by the enrolment probe, shared/steps/enrolment-probe.ts: the instance's bootstrap is still installing
 *    Kafka; a push would fail on the missing file and a registration would route consumers to nothing).
 * `waiting` lists the brokers worth waiting for (pending, or new and not ready): an apply waits for them, bounded,
 * then goes on without them; they are enrolled by the next run. Brokers already mapped are never held back here —
 * taking a serving broker out because its agent hiccups would cost traffic.
 */
export interface Enrolment {
  /** Broker id → why it is left out of this plan. */
  excluded: Map<number, string>;
  waiting: number[];
}

export function enrolment(observed: ObservedState): Enrolment {
  const mapped = new Set(
    observed.loadBalancer.mappings.flatMap((mapping) => (mapping.brokerId === undefined ? [] : [mapping.brokerId])),
  );
  const byId = new Map<number, ObservedState['brokers']>();
  for (const broker of observed.brokers) byId.set(broker.id, [...(byId.get(broker.id) ?? []), broker]);
  const excluded = new Map<number, string>();
  const waiting: number[] = [];
  for (const [id, claimants] of byId) {
    // Several instances for one id are the planner's problem to report; one that runs is what counts here.
    const broker = claimants.find((candidate) => candidate.state === 'running') ?? claimants[0]!;
    if (claimants.length > 1 && broker.state === 'running') continue;
    const state = broker.state;
    if (state === 'terminated') continue;
    // A broker already mapped keeps its ports whatever its state: the planner reports it as down and leaves it alone.
    if (mapped.has(id)) continue;
    if (!instanceRuns(broker)) {
      excluded.set(id, `is ${state}: not registered, pushed or restarted until it runs`);
      if (state === 'pending') waiting.push(id);
      continue;
    }
    if (broker.commandReady === false) {
      excluded.set(id, 'is new and its run-command agent (SSM) is not online yet: enrolled once it is');
      waiting.push(id);
      continue;
    }
    if (broker.configPresent === false) {
      excluded.set(id, 'is new and has no server.properties yet (its setup is still running): enrolled once it has');
      waiting.push(id);
    }
  }
  return { excluded, waiting: waiting.sort((a, b) => a - b) };
}

/**
 * The brokers the enrolment probe reads server.properties of before planning: new (no mapping yet), running, and
 * with a run-command agent the provider has just seen come online (`commandReady: true`: AWS reports it only for
 * instances launched within the last 30 minutes, shared/providers/aws/discovery.ts). Those are the hosts whose
 * setup may still be writing the file. Any other broker is not probed: a broker already mapped is serving, and a
 * file missing on an older host is a real fault the push reports (CommandFailed, the writer's `not-found`).
 */
export function probeCandidates(observed: ObservedState): ObservedState['brokers'] {
  const mapped = new Set(
    observed.loadBalancer.mappings.flatMap((mapping) => (mapping.brokerId === undefined ? [] : [mapping.brokerId])),
  );
  return observed.brokers.filter(
    (broker) =>
      !mapped.has(broker.id) &&
      broker.state !== 'terminated' &&
      instanceRuns(broker) &&
      broker.commandReady === true &&
      broker.configPresent === undefined,
  );
}

/** The instance runs, or does not say (the local provider, a cloud that cannot tell). */
export function instanceRuns(broker: ObservedState['brokers'][number]): boolean {
  return broker.state === undefined || broker.state === 'running' || broker.state === 'unknown';
}
