import type { ClusterSnapshot } from '../snapshot.ts';
import type { SafetyOptions } from './can-roll.ts';
import { capPartitionReasons, ids, partitionName } from './format.ts';
import { ROLL_POLICY } from './policy.ts';
import { voterState } from './quorum.ts';
import { assertNodeId, rolesOf } from './roles.ts';

export interface HealthResult {
  healthy: boolean;
  reasons: string[];
}

/** What the restarted broker answered on its own listener (see KafkaAdmin.ownView); omitted: not asked. */
export interface OwnListenerView {
  serves: boolean;
  reason?: string;
}

/**
 * Is node `brokerId` back after its restart? (Strimzi waits for readiness; we read the cluster's own view.)
 * - not recovering logs;
 * - (broker role) registered again: live in Metadata;
 * - (broker role, when `ownView` is given) its own listener answers and lists it as live: proof that a new process
 *   registered. After an unclean stop (SIGKILL, OOM kill, a stop timeout) the controller keeps the dead process
 *   registered, unfenced and in every ISR until broker.session.timeout.ms (9 s by default), and the new process is
 *   refused (DuplicateBrokerRegistration) until then: the cluster's view alone passes a broker that is still down.
 *   Kafka enables request processing only once a broker is unfenced, and it is fenced (so out of the ISRs) before a
 *   new registration is accepted, so once the new process answers, the ISR rule below is about the new process;
 * - (broker role) in the ISR of every partition it replicates, its replica not offline, every such partition led;
 * - (controller role, KRaft) a voter or observer of a quorum that has a leader, caught up with the leader within
 *   `controller.quorum.fetch.timeout.ms`.
 * One healthy answer is not enough to move on: feed the results to `nextReadiness` (N in a row).
 */
export function isBackHealthy(
  brokerId: number,
  snapshot: ClusterSnapshot,
  options: SafetyOptions & { ownView?: OwnListenerView } = {},
): HealthResult {
  assertNodeId(brokerId, 'brokerId');
  const roles = rolesOf(brokerId, snapshot, options.nodeRoles);
  const reasons: string[] = [];

  if (snapshot.recoveringBrokers?.includes(brokerId)) reasons.push(`broker ${brokerId} is recovering logs`);

  if (roles.broker) {
    if (!snapshot.brokers.some((b) => b.id === brokerId)) {
      reasons.push(`broker ${brokerId} is not registered: it is not among the live brokers in metadata`);
    } else if (options.ownView && !options.ownView.serves) {
      reasons.push(
        `broker ${brokerId} is listed as live but does not serve on its own listener yet (${options.ownView.reason ?? 'no answer'}): ` +
          'after an unclean stop the controller keeps the stopped process registered until broker.session.timeout.ms',
      );
    }
    const partitionReasons: string[] = [];
    for (const topic of snapshot.topics) {
      for (const p of topic.partitions) {
        if (!p.replicas.includes(brokerId)) continue;
        const name = partitionName(topic, p);
        if (p.offline.includes(brokerId)) {
          partitionReasons.push(`${name} has an offline replica on broker ${brokerId}`);
        } else if (!p.isr.includes(brokerId)) {
          partitionReasons.push(`${name} is not back in sync: broker ${brokerId} is not in ISR ${ids(p.isr)}`);
        } else if (p.leader < 0) {
          partitionReasons.push(`${name} has no leader yet`);
        }
      }
    }
    reasons.push(...capPartitionReasons(partitionReasons, 'are not back in sync'));
  }

  if (roles.controller) {
    const quorum = snapshot.quorum;
    if (!quorum) {
      reasons.push(`controller ${brokerId}'s KRaft quorum state is unknown (no DescribeQuorum data)`);
    } else {
      const fetchTimeout = options.controllerQuorumFetchTimeoutMs ?? ROLL_POLICY.controllerQuorumFetchTimeoutMs;
      const leader = quorum.voters.find((v) => v.id === quorum.leaderId);
      const self = [...quorum.voters, ...quorum.observers].find((r) => r.id === brokerId);
      if (quorum.leaderId < 0 || leader === undefined) {
        reasons.push('the KRaft metadata quorum has no leader');
      } else if (self === undefined) {
        reasons.push(`controller ${brokerId} is neither a voter nor an observer of the KRaft quorum`);
      } else if (self.id !== leader.id) {
        if (leader.lastCaughtUpTimestamp < 0) {
          reasons.push(
            `quorum leader ${leader.id} reports no lastCaughtUpTimestamp, so controller lag cannot be judged`,
          );
        } else {
          const state = voterState(self, leader, fetchTimeout);
          if (state === 'unknown') {
            reasons.push(`controller ${brokerId} has not caught up with quorum leader ${leader.id} yet (no timestamp)`);
          } else if (state === 'lagging') {
            const lag = leader.lastCaughtUpTimestamp - self.lastCaughtUpTimestamp;
            reasons.push(
              `controller ${brokerId} is ${lag} ms behind quorum leader ${leader.id} (limit ${fetchTimeout} ms)`,
            );
          }
        }
      }
    }
  }

  return { healthy: reasons.length === 0, reasons };
}
