import type { ClusterSnapshot, NodeRole } from '../snapshot.ts';
import { RollInputInvalid } from './errors.ts';

/** The roles a node plays, as the safety rules use them. */
export interface ResolvedRoles {
  broker: boolean;
  controller: boolean;
  /** `explicit` when taken from `process.roles`; `inferred` when guessed from the quorum, metadata and replicas. */
  source: 'explicit' | 'inferred';
}

/**
 * Roles of `nodeId`: the explicit `nodeRoles` argument wins, then `snapshot.nodeRoles`; otherwise they are
 * inferred: a KRaft voter is a controller, and it is also a broker when it is live in Metadata or hosts replicas
 * (combined mode); any other node is a broker. ZooKeeper-mode snapshots (no quorum, no roles) give brokers only.
 */
export function rolesOf(
  nodeId: number,
  snapshot: ClusterSnapshot,
  nodeRoles?: Readonly<Record<number, readonly NodeRole[]>>,
): ResolvedRoles {
  const explicit = nodeRoles?.[nodeId] ?? snapshot.nodeRoles?.[nodeId];
  if (explicit !== undefined && explicit.length > 0) {
    return { broker: explicit.includes('broker'), controller: explicit.includes('controller'), source: 'explicit' };
  }
  const isVoter = snapshot.quorum?.voters.some((v) => v.id === nodeId) ?? false;
  if (!isVoter) return { broker: true, controller: false, source: 'inferred' };
  const isLiveBroker = snapshot.brokers.some((b) => b.id === nodeId);
  return { broker: isLiveBroker || hostsReplicas(nodeId, snapshot), controller: true, source: 'inferred' };
}

/**
 * The active controller: the KRaft quorum leader when DescribeQuorum data is present (Metadata's controller id is
 * a random live broker in KRaft), else `controllerId` (ZooKeeper mode). `undefined` when there is none.
 */
export function activeControllerOf(snapshot: ClusterSnapshot): number | undefined {
  const quorumLeader = snapshot.quorum?.leaderId;
  if (quorumLeader !== undefined && quorumLeader >= 0) return quorumLeader;
  const id = snapshot.controllerId;
  return id !== undefined && id !== null && id >= 0 ? id : undefined;
}

export function hostsReplicas(nodeId: number, snapshot: ClusterSnapshot): boolean {
  return snapshot.topics.some((t) => t.partitions.some((p) => p.replicas.includes(nodeId)));
}

export function assertNodeId(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RollInputInvalid(`${what} must be a non-negative integer node id, got ${String(value)}`);
  }
}
