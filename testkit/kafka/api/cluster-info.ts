/** Metadata, DescribeCluster and DescribeQuorum of the test broker: the cluster as the listener a request came in on sees it. */

import type { TopicState } from '../cluster.ts';
import type { Reader } from '../codec.ts';
import {
  type BrokerEndpoint,
  decodeDescribeClusterRequest,
  decodeDescribeQuorumRequest,
  decodeMetadataRequest,
  EndpointTypes,
  ErrorCodes,
  encodeDescribeClusterResponse,
  encodeDescribeQuorumResponse,
  encodeMetadataResponse,
  type MetadataTopic,
} from '../protocol.ts';
import type { BrokerView, ConnState } from './context.ts';

/** Live brokers' endpoints of this listener (brokers without that listener are left out, as in Kafka). */
function brokersOn(broker: BrokerView, listenerName: string): BrokerEndpoint[] {
  const out: BrokerEndpoint[] = [];
  for (const b of broker.cluster.liveBrokers()) {
    const ep = b.endpoints.get(listenerName);
    if (ep) out.push({ nodeId: b.nodeId, host: ep.host, port: ep.port, rack: b.rack });
  }
  return out;
}

export function metadata(broker: BrokerView, state: ConnState, r: Reader, v: number): Buffer {
  const req = decodeMetadataRequest(r, v);
  const listenerName = state.listener.name;
  const live = new Map(broker.cluster.liveBrokers().map((b) => [b.nodeId, b]));
  const describe = (t: TopicState): MetadataTopic => ({
    errorCode: ErrorCodes.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.isInternal,
    partitions: t.partitions.map((p) => {
      const leader = live.get(p.leader);
      let errorCode: number = ErrorCodes.NONE;
      let leaderId = p.leader;
      if (!leader) errorCode = ErrorCodes.LEADER_NOT_AVAILABLE;
      else if (!leader.endpoints.has(listenerName)) {
        // Like Kafka (KRaftMetadataCache): the leader has no endpoint on this listener → leader -1, LISTENER_NOT_FOUND.
        errorCode = 72;
        leaderId = -1;
      }
      return {
        errorCode,
        partitionIndex: p.index,
        leaderId,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas: broker.cluster.offlineReplicas(p),
      };
    }),
  });
  const topics: MetadataTopic[] = [];
  if (req.topics === null) {
    for (const t of broker.cluster.topics()) topics.push(describe(t));
  } else {
    for (const wanted of req.topics) {
      const byName = wanted.name !== null ? broker.cluster.topic(wanted.name) : undefined;
      const byId =
        wanted.name === null && wanted.topicId !== null
          ? broker.cluster.topics().find((t) => t.topicId === wanted.topicId)
          : undefined;
      const found = byName ?? byId;
      if (found) {
        topics.push(describe(found));
        continue;
      }
      if (wanted.name === null) {
        topics.push({
          errorCode: 100,
          name: null,
          topicId: wanted.topicId ?? '0'.repeat(32),
          isInternal: false,
          partitions: [],
        }); // UNKNOWN_TOPIC_ID
        continue;
      }
      let errorCode: number = ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION;
      if (req.allowAutoTopicCreation && broker.props.autoCreateTopics && v >= 4) {
        try {
          broker.cluster.createTopic(wanted.name, broker.props.numPartitions, {
            replicationFactor: broker.props.defaultReplicationFactor,
          });
          errorCode = ErrorCodes.LEADER_NOT_AVAILABLE; // like Kafka: the first answer after auto-creation
        } catch {
          errorCode = ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION;
        }
      }
      topics.push({ errorCode, name: wanted.name, topicId: '0'.repeat(32), isInternal: false, partitions: [] });
    }
  }
  return encodeMetadataResponse(v, {
    brokers: brokersOn(broker, listenerName),
    clusterId: broker.cluster.clusterId,
    controllerId: broker.cluster.reportedControllerId(),
    topics,
  });
}

export function describeCluster(broker: BrokerView, state: ConnState, r: Reader, v: number): Buffer {
  const req = decodeDescribeClusterRequest(r, v);
  const here = state.listener.isController ? EndpointTypes.CONTROLLER : EndpointTypes.BROKER;
  const label = (t: number) => (t === EndpointTypes.CONTROLLER ? 'CONTROLLER' : 'BROKER');
  if (req.endpointType !== here) {
    return encodeDescribeClusterResponse(v, {
      errorCode: ErrorCodes.MISMATCHED_ENDPOINT_TYPE,
      errorMessage: `The request was sent to an endpoint of type ${label(here)}, but we wanted an endpoint of type ${label(req.endpointType)}`,
      endpointType: here,
      clusterId: broker.cluster.clusterId,
      controllerId: -1,
      brokers: [],
    });
  }
  if (here === EndpointTypes.CONTROLLER) {
    const voters = broker.cluster
      .quorum()
      .voters.filter((vt) => broker.cluster.isLive(vt.nodeId))
      .flatMap((vt) => {
        const ep = vt.controllerEndpoints.get(state.listener.name);
        return ep ? [{ nodeId: vt.nodeId, host: ep.host, port: ep.port, rack: null }] : [];
      });
    return encodeDescribeClusterResponse(v, {
      errorCode: ErrorCodes.NONE,
      errorMessage: null,
      endpointType: here,
      clusterId: broker.cluster.clusterId,
      controllerId: broker.cluster.activeControllerId(),
      brokers: voters,
    });
  }
  return encodeDescribeClusterResponse(v, {
    errorCode: ErrorCodes.NONE,
    errorMessage: null,
    endpointType: here,
    clusterId: broker.cluster.clusterId,
    controllerId: broker.cluster.reportedControllerId(),
    brokers: brokersOn(broker, state.listener.name),
  });
}

export function describeQuorum(broker: BrokerView, r: Reader, v: number): Buffer {
  const req = decodeDescribeQuorumRequest(r, v);
  const q = broker.cluster.quorum();
  const replica = (
    s: { nodeId: number; logEndOffset: bigint; lastFetchTimestamp: bigint; lastCaughtUpTimestamp: bigint },
    dir?: string,
  ) => ({
    replicaId: s.nodeId,
    replicaDirectoryId: dir ?? '0'.repeat(32),
    logEndOffset: s.logEndOffset,
    lastFetchTimestamp: s.lastFetchTimestamp,
    lastCaughtUpTimestamp: s.lastCaughtUpTimestamp,
  });
  return encodeDescribeQuorumResponse(v, {
    errorCode: ErrorCodes.NONE,
    errorMessage: null,
    topics: req.topics.map((t) => ({
      topicName: t.topicName,
      partitions: t.partitions.map((p) => {
        if (t.topicName !== '__cluster_metadata' || p !== 0) {
          return {
            partitionIndex: p,
            errorCode: ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: 'This server does not host this topic-partition.',
            leaderId: -1,
            leaderEpoch: -1,
            highWatermark: -1n,
            currentVoters: [],
            observers: [],
          };
        }
        return {
          partitionIndex: 0,
          errorCode: ErrorCodes.NONE,
          errorMessage: null,
          leaderId: q.leaderId,
          leaderEpoch: q.leaderEpoch,
          highWatermark: q.highWatermark,
          currentVoters: q.voters.map((vt) => replica(vt, vt.directoryId)),
          observers: q.observers.map((o) => replica(o)),
        };
      }),
    })),
    nodes: q.voters.map((vt) => ({
      nodeId: vt.nodeId,
      listeners: [...vt.controllerEndpoints].map(([name, ep]) => ({ name, host: ep.host, port: ep.port })),
    })),
  });
}
