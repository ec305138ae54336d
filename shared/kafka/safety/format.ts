import type { PartitionSnapshot, TopicSnapshot } from '../snapshot.ts';

/** Most partition-level sentences one answer lists; the rest are counted in one closing sentence. */
export const MAX_PARTITION_REASONS = 50;

export function ids(list: readonly number[]): string {
  return `[${list.join(',')}]`;
}

export function partitionName(topic: TopicSnapshot, partition: PartitionSnapshot): string {
  return `${topic.name}-${partition.index}`;
}

/** Keeps the first `max` sentences and replaces the rest with "… and N more partitions …". */
export function capPartitionReasons(reasons: string[], what: string, max = MAX_PARTITION_REASONS): string[] {
  if (reasons.length <= max) return reasons;
  const rest = reasons.length - max;
  return [...reasons.slice(0, max), `… and ${rest} more partition${rest === 1 ? '' : 's'} ${what}`];
}
