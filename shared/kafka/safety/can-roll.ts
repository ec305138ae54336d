import type { ClusterSnapshot, NodeRole } from '../snapshot.ts';
import { capPartitionReasons, ids, partitionName } from './format.ts';
import { ROLL_POLICY } from './policy.ts';
import { quorumCheck } from './quorum.ts';
import { assertNodeId, rolesOf } from './roles.ts';

export interface SafetyOptions {
  /** Roles per node id (`process.roles`); overrides `snapshot.nodeRoles`. */
  nodeRoles?: Readonly<Record<number, readonly NodeRole[]>>;
  /** `controller.quorum.fetch.timeout.ms` of the cluster: the lag under which a voter counts as caught up. */
  controllerQuorumFetchTimeoutMs?: number;
}

/** Verdict of a gate. `notes` are observations that do not block (Strimzi logs them and carries on). */
export type CanRollResult = { ok: true; notes: string[] } | { ok: false; reasons: string[]; notes: string[] };

/**
 * May node `brokerId` be restarted now without hurting availability? (Strimzi KafkaAvailability + KafkaQuorumCheck.)
 *
 * Refused when:
 * - the node is recovering logs;
 * - (broker role) a partition it replicates has no leader (offline);
 * - (broker role) a partition it replicates, with more replicas than min.insync.replicas, is already under min ISR —
 *   whether or not this broker is in the ISR (it may be the first to catch up);
 * - (broker role) a partition with more replicas than min.insync.replicas has ISR size exactly min.insync.replicas
 *   and this broker in the ISR (the restart would take it under min ISR and stall acks=all producers);
 * - (controller role) the KRaft quorum has no leader, or without this node fewer than a majority of voters would
 *   be caught up (see `quorumCheck`); a KRaft controller whose quorum data is missing is refused too.
 * Partitions with replicas ≤ min.insync.replicas can never satisfy the rule; they are ignored and noted.
 * Partitions this broker does not replicate do not matter for it. ZooKeeper-mode snapshots (no quorum, no
 * controller role) skip the quorum part.
 */
export function canRoll(brokerId: number, snapshot: ClusterSnapshot, options: SafetyOptions = {}): CanRollResult {
  assertNodeId(brokerId, 'brokerId');
  const roles = rolesOf(brokerId, snapshot, options.nodeRoles);
  const reasons: string[] = [];
  const notes: string[] = [];

  if (snapshot.recoveringBrokers?.includes(brokerId)) reasons.push(`broker ${brokerId} is recovering logs`);

  if (roles.broker) {
    const partitionReasons: string[] = [];
    for (const topic of snapshot.topics) {
      const minIsr = topic.minInsyncReplicas;
      for (const p of topic.partitions) {
        const inReplicas = p.replicas.includes(brokerId);
        const inIsr = p.isr.includes(brokerId);
        if (!inReplicas && !inIsr) continue;
        const name = partitionName(topic, p);
        if (p.leader < 0) {
          partitionReasons.push(
            `${name} is offline: it has no leader (replicas ${ids(p.replicas)}, ISR ${ids(p.isr)})`,
          );
          continue;
        }
        if (!(minIsr >= 1)) continue; // no min.insync.replicas constraint known (Strimzi: -1 → not checked)
        if (p.replicas.length <= minIsr) {
          notes.push(
            `${name} is ignored: it has ${p.replicas.length} replica${p.replicas.length === 1 ? '' : 's'} ` +
              `${ids(p.replicas)} ≤ min.insync.replicas ${minIsr}, so it goes under min ISR whenever a replica restarts`,
          );
          continue;
        }
        if (p.isr.length < minIsr && inReplicas) {
          partitionReasons.push(`${name} is under min ISR: ISR ${ids(p.isr)} < min.insync.replicas ${minIsr}`);
        } else if (p.isr.length === minIsr && inIsr) {
          partitionReasons.push(
            `${name} has ISR ${ids(p.isr)} = min.insync.replicas ${minIsr} and includes broker ${brokerId}`,
          );
        }
      }
    }
    reasons.push(...capPartitionReasons(partitionReasons, 'block the restart'));
  }

  if (roles.controller) {
    if (snapshot.quorum) {
      const fetchTimeout = options.controllerQuorumFetchTimeoutMs ?? ROLL_POLICY.controllerQuorumFetchTimeoutMs;
      const verdict = quorumCheck(brokerId, snapshot.quorum, fetchTimeout);
      reasons.push(...verdict.reasons);
      notes.push(...verdict.notes);
    } else {
      reasons.push(
        `controller ${brokerId}'s KRaft quorum state is unknown (no DescribeQuorum data), so its restart cannot be judged`,
      );
    }
  }

  return reasons.length === 0 ? { ok: true, notes } : { ok: false, reasons, notes };
}
