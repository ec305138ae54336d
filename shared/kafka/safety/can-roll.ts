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

/** What the broker itself says it hosts (DescribeLogDirs), per topic; or why that could not be learnt. */
export type HostedView =
  | { known: true; topics: ReadonlyMap<string, readonly number[]> }
  | { known: false; reason: string };

/** The ACL command brokerlink's principal needs, for messages (docs/kafka-acls.md lists all of them). */
const GRANT_TOPIC = (topics: readonly string[]) =>
  `grant DESCRIBE and DESCRIBE_CONFIGS on ${topics.length === 1 ? 'that topic' : 'those topics'} to the principal brokerlink connects as ` +
  `(kafka-acls.sh --add --allow-principal User:<brokerlink> --operation Describe --operation DescribeConfigs ${topics.map((t) => `--topic ${t}`).join(' ')}), ` +
  'or on every topic (--topic "*"); see docs/kafka-acls.md';
const GRANT_CLUSTER =
  'grant DESCRIBE on the cluster to the principal brokerlink connects as (kafka-acls.sh --add --allow-principal User:<brokerlink> --operation Describe --cluster); see docs/kafka-acls.md';

/**
 * Fail closed on a partial view. With an authorizer, an all-topics Metadata request silently leaves out the topics
 * the principal may not Describe, so a verdict built from Metadata alone can take partitions it never saw below min
 * ISR. The broker's own DescribeLogDirs lists every partition it hosts whatever the topic ACLs: every hosted topic
 * must be in the snapshot.
 */
export function partialViewReasons(brokerId: number, snapshot: ClusterSnapshot, hosted: HostedView): string[] {
  if (!hosted.known) {
    return [
      `the partitions broker ${brokerId} hosts could not be listed (${hosted.reason}), so the view may be partial: ${GRANT_CLUSTER}`,
    ];
  }
  const seen = new Set(snapshot.topics.map((t) => t.name));
  const unseen = [...hosted.topics]
    .filter(([name, partitions]) => partitions.length > 0 && !seen.has(name))
    .map(([name]) => name)
    .sort();
  const reasons: string[] = [];
  if (unseen.length > 0) {
    reasons.push(
      `broker ${brokerId} hosts partitions of ${unseen.length} topic${unseen.length === 1 ? '' : 's'} that Metadata did not show (${unseen.join(', ')}): ` +
        `brokerlink may not Describe ${unseen.length === 1 ? 'it' : 'them'}, and a verdict on a partial view could take them below min ISR; ${GRANT_TOPIC(unseen)}`,
    );
  }
  const replicates = snapshot.topics.some((t) => t.partitions.some((p) => p.replicas.includes(brokerId)));
  if (hosted.topics.size === 0 && replicates) {
    reasons.push(
      `broker ${brokerId} listed no partitions in DescribeLogDirs although Metadata shows it replicating some (older brokers answer a denied request so): ${GRANT_CLUSTER}`,
    );
  }
  return reasons;
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
 * - (broker role, when `hosted` is given) the broker hosts partitions of a topic the snapshot does not show, or what
 *   it hosts could not be listed: the view is partial (an authorizer hides topics from Metadata), fail closed and
 *   say which ACL to grant (see `partialViewReasons`).
 * Partitions with replicas ≤ min.insync.replicas can never satisfy the rule; they are ignored and noted.
 * Partitions this broker does not replicate do not matter for it. ZooKeeper-mode snapshots (no quorum, no
 * controller role) skip the quorum part.
 */
export function canRoll(
  brokerId: number,
  snapshot: ClusterSnapshot,
  options: SafetyOptions & { hosted?: HostedView } = {},
): CanRollResult {
  assertNodeId(brokerId, 'brokerId');
  const roles = rolesOf(brokerId, snapshot, options.nodeRoles);
  const reasons: string[] = [];
  const notes: string[] = [];

  if (snapshot.recoveringBrokers?.includes(brokerId)) reasons.push(`broker ${brokerId} is recovering logs`);

  if (roles.broker) {
    if (options.hosted) reasons.push(...partialViewReasons(brokerId, snapshot, options.hosted));
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
