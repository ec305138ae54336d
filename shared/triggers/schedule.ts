import { clusterNameSchema } from '../spec/schema.ts';
import { executionName, startNamed } from './execution.ts';
import type { StoredSpecs, TriggerLog, TriggerResult, WorkflowStarter } from './ports.ts';

/** A scheduled tick (parsed from the cloud's event by its handler). */
export interface ScheduledTick {
  eventId: string;
  /** When the tick was scheduled (ISO 8601): the execution names carry it to the minute. */
  time: string;
}

export interface ScheduleDeps {
  specs: StoredSpecs;
  starter: WorkflowStarter;
  log: TriggerLog;
}

/** `2026-01-10T21:00:37Z` → `202601102100`: one tick per minute, whatever the delivery. */
export function minuteStamp(time: string): string {
  return time.replace(/[^0-9]/g, '').slice(0, 12);
}

/**
 * The drift-check schedule: one drift-check execution per cluster with a stored spec (valid cluster names only,
 * each once, in name order). The name carries the scheduled minute, so a redelivered tick starts nothing new.
 */
export async function onSchedule(tick: ScheduledTick, deps: ScheduleDeps): Promise<TriggerResult[]> {
  const log = deps.log.child({ eventId: tick.eventId, scheduledTime: tick.time });
  const stamp = minuteStamp(tick.time);
  const stored = await deps.specs.clusters();
  const clusters = [...new Set(stored.filter((cluster) => clusterNameSchema.safeParse(cluster).success))].sort();
  if (clusters.length === 0) log.info('no cluster specs stored; nothing to check');
  const results: TriggerResult[] = [];
  for (const cluster of clusters) {
    results.push(
      await startNamed(
        deps.starter,
        'drift-check',
        executionName('drift', cluster, stamp),
        { cluster },
        log.child({ cluster }),
      ),
    );
  }
  return results;
}
