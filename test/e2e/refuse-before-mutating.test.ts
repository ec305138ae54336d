/**
 * End to end on the local provider: an exposure that collides with a listener the brokers already run is refused
 * by the plan, before any load-balancer change (issue 13, item 5). Before, `apply` created and opened the LB
 * mappings and only the config push refused the brokers' files, leaving the mappings behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../demo/lab.ts';
import { apply, durableFiles, failure, lockFileExists, restartCounts } from './helpers.ts';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

describe('refuse before mutating', () => {
  it.each(['INTERNAL', 'CONTROLLER'])(
    'an exposure named %s fails the plan: no mapping created, no file written, no broker restarted',
    async (listener) => {
      lab = await startLab({ drift: 'report', waitMs: 10, rollout: { healthyChecks: 1 } });
      await lab.updateSpec((spec) => {
        spec.exposures[0]!.listener = listener;
      });
      const before = await durableFiles(lab);
      const failed = await failure(apply(lab));
      expect(failed.error).toBe('PlanInvalid');
      expect(failed.detail).toContain(
        `exposures[0] (listener ${listener}, broker port ${lab.ports.external}) collides`,
      );
      expect(failed.detail).toContain("is not brokerlink's");
      expect((await lab.readState()).mappings).toEqual([]);
      const after = await durableFiles(lab);
      for (const [name, content] of Object.entries(before)) {
        if (name.endsWith('.properties')) expect(after[name], name).toBe(content);
      }
      expect(Object.values(restartCounts(lab))).toEqual([0, 0, 0]);
      expect(lockFileExists(lab)).toBe(false);
    },
    60_000,
  );
});
