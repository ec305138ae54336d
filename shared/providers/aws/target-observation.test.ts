import { describe, expect, it } from 'vitest';
import type { ObservedTarget } from '../../model/observed.ts';
import { type ObservedGroup, observeTargets } from './target-observation.ts';

const bootstrap: ObservedGroup = {
  targetGroupArn: 'tg-boot',
  port: 9092,
  role: 'bootstrap',
  targetTag: undefined,
  retired: false,
};
const broker = (n: number, tag: string | undefined, retired = false): ObservedGroup => ({
  targetGroupArn: `tg-${n}`,
  port: 9092 + n,
  role: 'broker',
  targetTag: tag,
  retired,
});
const healthy = (id: string): ObservedTarget => ({ id, port: 39092, health: 'healthy' });

function describer(answers: Record<string, ObservedTarget[]>) {
  const described: string[] = [];
  return {
    described,
    describe: async (arn: string) => {
      described.push(arn);
      return answers[arn] ?? [];
    },
  };
}

describe('AWS target observation', () => {
  it('describes every group in describe mode', async () => {
    const { described, describe: d } = describer({ 'tg-1': [healthy('i-1')] });
    const result = await observeTargets([bootstrap, broker(1, 'i-1:39092')], {
      mode: { mode: 'describe' },
      describe: d,
      concurrency: 2,
      now: new Date(0),
    });
    expect(described.sort()).toEqual(['tg-1', 'tg-boot']);
    expect(result.get('tg-1')).toEqual([healthy('i-1')]);
  });

  it('in ledger mode reads broker targets from their tag with the bootstrap group’s health, describing only the doubtful', async () => {
    const { described, describe: d } = describer({
      'tg-boot': [healthy('i-1'), healthy('i-2')],
      'tg-3': [],
      'tg-4': [healthy('i-4')],
    });
    const result = await observeTargets(
      [
        bootstrap,
        broker(1, 'i-1:39092'),
        broker(2, 'i-2:39092'),
        broker(3, ''),
        broker(4, undefined),
        broker(5, '', true),
      ],
      { mode: { mode: 'ledger', auditPerObserve: 0 }, describe: d, concurrency: 4, now: new Date(0) },
    );
    // tg-3: active with an empty tag; tg-4: no tag yet. The retired tg-5 with an empty tag is believed.
    expect(described.sort()).toEqual(['tg-3', 'tg-4', 'tg-boot']);
    expect(result.get('tg-1')).toEqual([healthy('i-1')]);
    expect(result.get('tg-5')).toEqual([]);
  });

  it('in ledger mode describes a group whose tagged target the bootstrap group lacks', async () => {
    const { described, describe: d } = describer({ 'tg-boot': [healthy('i-1')] });
    await observeTargets([bootstrap, broker(1, 'i-1:39092'), broker(2, 'i-9:39092')], {
      mode: { mode: 'ledger', auditPerObserve: 0 },
      describe: d,
      concurrency: 4,
      now: new Date(0),
    });
    expect(described.sort()).toEqual(['tg-2', 'tg-boot']);
  });

  it('audits a rotating few groups every minute, so every group is described within ⌈n / audit⌉ minutes', async () => {
    const groups = [bootstrap, ...[1, 2, 3, 4, 5].map((n) => broker(n, `i-${n}:39092`))];
    const answers = { 'tg-boot': [1, 2, 3, 4, 5].map((n) => healthy(`i-${n}`)) };
    const seen = new Set<string>();
    for (let minute = 0; minute < 3; minute++) {
      const { described, describe: d } = describer(answers);
      await observeTargets(groups, {
        mode: { mode: 'ledger', auditPerObserve: 2 },
        describe: d,
        concurrency: 4,
        now: new Date(minute * 60_000),
      });
      expect(described.filter((arn) => arn !== 'tg-boot')).toHaveLength(2);
      for (const arn of described) seen.add(arn);
    }
    expect([...seen].sort()).toEqual(['tg-1', 'tg-2', 'tg-3', 'tg-4', 'tg-5', 'tg-boot']);
  });
});
