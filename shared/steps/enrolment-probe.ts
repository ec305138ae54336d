import { WRITER_EXIT } from '../broker-writer/protocol.ts';
import type { ObservedState } from '../model/observed.ts';
import { probeCandidates } from '../plan/enrolment.ts';
import type { CommandHandle } from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import type { StepDeps } from './deps.ts';
import { CommandFailed } from './errors.ts';

/**
 * The enrolment probe: before planning, learn whether each just-enrolling broker (new, running, its agent just seen
 * online: shared/plan/enrolment.ts `probeCandidates`) has its server.properties yet. It is the push's own first
 * phase — the writer's `read` of `brokers.propertiesPath` over the run-command channel — sent before anything is
 * registered, so a host whose setup is still installing Kafka is left out of the plan and waited for (the flow's
 * EnrolmentPending loop, bounded) instead of failing the push or being registered behind the load balancer.
 *
 * Started (probe undefined) → polled until every read finished, one call per poll, no sleeping here. The writer's
 * "not found / not a regular file" exit (4) means absent; any other failure is a real fault and fails the step
 * (CommandFailed), as the push would. Brokers that are not candidates are not probed: with none, the first call
 * answers done and sends nothing, so an apply of an established cluster costs no command.
 */
export interface EnrolmentProbe {
  done: boolean;
  /** Reads still running. */
  running: CommandHandle[];
  /** Broker id → whether its server.properties exists; merged into the observed state for the plan. */
  configPresent: Record<string, boolean>;
}

export async function probeEnrolment(
  spec: ClusterSpec,
  observed: ObservedState,
  probe: EnrolmentProbe | undefined,
  deps: Pick<StepDeps, 'commands'>,
): Promise<EnrolmentProbe> {
  if (probe === undefined) {
    const path = spec.brokers.propertiesPath;
    const running = await Promise.all(
      probeCandidates(observed).map((broker) =>
        deps.commands.start(
          { brokerId: broker.id, host: broker.host, ...(broker.instanceId ? { instanceId: broker.instanceId } : {}) },
          { kind: 'read-config', path },
        ),
      ),
    );
    return { done: running.length === 0, running, configPresent: {} };
  }
  if (probe.done) return probe;

  const configPresent = { ...probe.configPresent };
  const running: CommandHandle[] = [];
  for (const handle of probe.running) {
    const status = await deps.commands.poll(handle);
    if (status.state === 'running') running.push(handle);
    else if (status.state === 'succeeded') configPresent[String(handle.target.brokerId)] = true;
    else if (status.exitCode === WRITER_EXIT.notFound) configPresent[String(handle.target.brokerId)] = false;
    else {
      const detail = [`exit code ${status.exitCode ?? 'unknown'}`, status.stderr.trim(), status.stdout.trim()]
        .filter((part) => part.length > 0)
        .join('; ');
      throw new CommandFailed(handle.target.brokerId, 'checking that server.properties exists', detail);
    }
  }
  return { done: running.length === 0, running, configPresent };
}

/** The observed state the planner sees: each probed broker carries what the probe found. */
export function withProbeResults(
  observed: ObservedState,
  configPresent: Readonly<Record<string, boolean>> | null | undefined,
): ObservedState {
  if (configPresent === null || configPresent === undefined || Object.keys(configPresent).length === 0) {
    return observed;
  }
  return {
    ...observed,
    brokers: observed.brokers.map((broker) => {
      const present = configPresent[String(broker.id)];
      return present === undefined ? broker : { ...broker, configPresent: present };
    }),
  };
}
