/**
 * DescribeLogDirs of the test broker: every partition of the cluster model this broker replicates, in one log dir
 * named after `log.dirs` — whatever the topic, as Kafka answers it (it needs DESCRIBE on the cluster only).
 */
import type { Reader } from '../codec.ts';
import { decodeDescribeLogDirsRequest, ErrorCodes, encodeDescribeLogDirsResponse } from '../protocol.ts';
import type { BrokerView } from './context.ts';

export function describeLogDirs(broker: BrokerView, r: Reader, v: number): Buffer {
  const req = decodeDescribeLogDirsRequest(r, v);
  const self = broker.props.nodeId;
  const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
  const topics = broker.cluster
    .topics()
    .map((t) => ({
      name: t.name,
      partitions: t.partitions
        .filter((p) => p.replicas.includes(self))
        .filter((p) => wanted === null || wanted.get(t.name)?.has(p.index) === true)
        .map((p) => ({ partitionIndex: p.index, partitionSize: 0n, offsetLag: 0n })),
    }))
    .filter((t) => t.partitions.length > 0);
  const logDir = broker.props.raw.get('log.dirs') ?? broker.props.raw.get('log.dir') ?? '/tmp/kafka-logs';
  return encodeDescribeLogDirsResponse(v, ErrorCodes.NONE, [{ errorCode: ErrorCodes.NONE, logDir, topics }]);
}
