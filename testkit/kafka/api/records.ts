/** Produce, Fetch and ListOffsets of the test broker, at smoke-test depth (leaders only, acks=all checks min ISR). */

import type { PartitionState } from '../cluster.ts';
import type { Reader } from '../codec.ts';
import {
  decodeFetchRequest,
  decodeListOffsetsRequest,
  decodeProduceRequest,
  ErrorCodes,
  encodeFetchResponse,
  encodeListOffsetsResponse,
  encodeProduceResponse,
  type FetchPartitionResult,
} from '../protocol.ts';
import type { BrokerView } from './context.ts';

function leaderPartition(
  broker: BrokerView,
  topic: string,
  partition: number,
): { p?: PartitionState; errorCode: number } {
  const t = broker.cluster.topic(topic);
  const p = t?.partitions[partition];
  if (!t || !p) return { errorCode: ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION };
  if (p.leader !== broker.props.nodeId) return { errorCode: ErrorCodes.NOT_LEADER_OR_FOLLOWER };
  return { p, errorCode: ErrorCodes.NONE };
}

export function produce(broker: BrokerView, r: Reader, v: number): Buffer | null {
  const req = decodeProduceRequest(r, v);
  const topics = req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((pd) => {
      const result = {
        index: pd.index,
        errorCode: 0,
        baseOffset: -1n,
        logStartOffset: -1n,
        errorMessage: null as string | null,
      };
      if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
        result.errorCode = ErrorCodes.INVALID_REQUIRED_ACKS;
        return result;
      }
      const { p, errorCode } = leaderPartition(broker, t.name, pd.index);
      if (!p) {
        result.errorCode = errorCode;
        return result;
      }
      const topic = broker.cluster.topic(t.name)!;
      if (req.acks === -1 && p.isr.length < broker.cluster.effectiveMinInsyncReplicas(topic)) {
        result.errorCode = ErrorCodes.NOT_ENOUGH_REPLICAS;
        return result;
      }
      try {
        result.baseOffset = broker.cluster.append(p, pd.records ?? Buffer.alloc(0));
        result.logStartOffset = 0n;
      } catch (err) {
        result.errorCode = ErrorCodes.CORRUPT_MESSAGE;
        result.errorMessage = (err as Error).message;
      }
      return result;
    }),
  }));
  if (req.acks === 0) return null; // Kafka sends no response for acks=0
  return encodeProduceResponse(v, topics);
}

export async function fetch(broker: BrokerView, r: Reader, v: number): Promise<Buffer> {
  const req = decodeFetchRequest(r, v);
  const collect = () => {
    let total = 0;
    const topics = req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((fp): FetchPartitionResult => {
        const { p, errorCode } = leaderPartition(broker, t.topic, fp.partition);
        if (!p)
          return { partitionIndex: fp.partition, errorCode, highWatermark: -1n, logStartOffset: -1n, records: null };
        if (fp.fetchOffset < 0n || fp.fetchOffset > p.logEndOffset) {
          return {
            partitionIndex: fp.partition,
            errorCode: ErrorCodes.OFFSET_OUT_OF_RANGE,
            highWatermark: p.logEndOffset,
            logStartOffset: 0n,
            records: null,
          };
        }
        const records = broker.cluster.read(p, fp.fetchOffset, Math.min(fp.partitionMaxBytes, req.maxBytes));
        total += records.length;
        return {
          partitionIndex: fp.partition,
          errorCode: 0,
          highWatermark: p.logEndOffset,
          logStartOffset: 0n,
          records,
        };
      }),
    }));
    return { topics, total };
  };
  let out = collect();
  if (out.total < Math.max(1, req.minBytes) && req.maxWaitMs > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, req.maxWaitMs);
      timer.unref();
      const off = broker.cluster.on('append', done);
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
    out = collect();
  }
  return encodeFetchResponse(v, out.topics);
}

export function listOffsets(broker: BrokerView, r: Reader, v: number): Buffer {
  const req = decodeListOffsetsRequest(r, v);
  return encodeListOffsetsResponse(
    v,
    req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((lp) => {
        const { p, errorCode } = leaderPartition(broker, t.name, lp.partitionIndex);
        const none = { partitionIndex: lp.partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
        if (!p) return none;
        const ok = { ...none, errorCode: 0, leaderEpoch: p.leaderEpoch };
        if (lp.timestamp === -1n) return { ...ok, offset: p.logEndOffset };
        if (lp.timestamp === -2n) return { ...ok, offset: 0n };
        const batch = p.log.find((b) => b.maxTimestamp >= lp.timestamp);
        return batch ? { ...ok, offset: batch.baseOffset, timestamp: batch.maxTimestamp } : ok;
      }),
    })),
  );
}
