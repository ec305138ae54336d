import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quorumCheck } from './quorum.ts';
import { quorum } from './testing/snapshots.ts';

describe('quorumCheck (Strimzi KafkaQuorumCheck)', () => {
  it('allows any voter of a healthy 3-voter quorum, the leader included', () => {
    const q = quorum(1, { 1: 0, 2: 10, 3: 1_999 });
    for (const id of [1, 2, 3]) expect(quorumCheck(id, q).ok).toBe(true);
  });

  it('allows restarting the lagging voter itself when the other two are caught up', () => {
    const q = quorum(1, { 1: 0, 2: 0, 3: 30_000 });
    expect(quorumCheck(3, q)).toMatchObject({ ok: true, reasons: [] });
  });

  it('refuses a voter of a 3-voter quorum when another voter lags', () => {
    const q = quorum(1, { 1: 0, 2: 0, 3: 30_000 });
    expect(quorumCheck(2, q).reasons).toEqual([
      'restarting controller 2 would leave 1 of 3 voters caught up; a majority (2) is needed',
    ]);
    expect(quorumCheck(1, q).ok).toBe(false);
  });

  it('counts a lag of exactly the fetch timeout as lagging (strictly less is caught up)', () => {
    expect(quorumCheck(2, quorum(1, { 1: 0, 2: 0, 3: 2_000 })).ok).toBe(false);
    expect(quorumCheck(2, quorum(1, { 1: 0, 2: 0, 3: 1_999 })).ok).toBe(true);
  });

  it('allows a voter of a 5-voter quorum while one other voter lags (3 of 4 remain)', () => {
    const q = quorum(1, { 1: 0, 2: 0, 3: 0, 4: 0, 5: 9_000 });
    expect(quorumCheck(2, q).ok).toBe(true);
  });

  it('refuses a voter of a 5-voter quorum while two other voters lag', () => {
    const q = quorum(1, { 1: 0, 2: 0, 3: 0, 4: 9_000, 5: null });
    const verdict = quorumCheck(2, q);
    expect(verdict.reasons).toEqual([
      'restarting controller 2 would leave 2 of 5 voters caught up; a majority (3) is needed',
    ]);
    expect(verdict.notes).toEqual([
      'voter 4 is 9000 ms behind quorum leader 1',
      'voter 5 has no valid lastCaughtUpTimestamp',
    ]);
    // Restarting one of the laggards is fine: 1, 2, 3 stay caught up.
    expect(quorumCheck(4, q).ok).toBe(true);
  });

  it('refuses when the quorum has no leader', () => {
    expect(quorumCheck(2, quorum(-1, { 1: 0, 2: 0, 3: 0 })).reasons).toEqual([
      'the KRaft metadata quorum has no leader',
    ]);
  });

  it('refuses when the leader is not among the voters', () => {
    expect(quorumCheck(2, quorum(9, { 1: 0, 2: 0, 3: 0 })).reasons).toEqual([
      'quorum leader 9 is not among the voters',
    ]);
  });

  it('refuses when the leader reports no lastCaughtUpTimestamp', () => {
    expect(quorumCheck(2, quorum(1, { 1: null, 2: 0, 3: 0 })).ok).toBe(false);
  });

  it('allows the single voter of a 1-voter quorum, with a note', () => {
    const verdict = quorumCheck(1, quorum(1, { 1: 0 }));
    expect(verdict.ok).toBe(true);
    expect(verdict.notes[0]).toMatch(/single voter/);
  });

  it('allows a voter of a 2-voter quorum only when the other voter is caught up', () => {
    expect(quorumCheck(1, quorum(1, { 1: 0, 2: 0 })).ok).toBe(true);
    expect(quorumCheck(2, quorum(1, { 1: 0, 2: 0 })).ok).toBe(true);
    expect(quorumCheck(1, quorum(1, { 1: 0, 2: 5_000 })).reasons).toEqual([
      'restarting controller 1 would leave 0 of 2 voters caught up; the other voter must be caught up',
    ]);
  });

  it('counts every caught-up voter for a node that is not a voter', () => {
    expect(quorumCheck(7, quorum(1, { 1: 0, 2: 0, 3: 9_000 })).ok).toBe(true);
    expect(quorumCheck(7, quorum(1, { 1: 0, 2: 9_000, 3: 9_000 })).ok).toBe(false);
  });
});

describe('quorumCheck properties', () => {
  const arbLags = fc.array(fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: null }), {
    minLength: 3,
    maxLength: 7,
  });

  it('allows a restart exactly when the caught-up voters other than the node form a majority', () => {
    fc.assert(
      fc.property(arbLags, fc.nat(), (lagList, pick) => {
        const lags = Object.fromEntries(lagList.map((lag, i) => [i + 1, i === 0 ? 0 : lag]));
        const node = (pick % lagList.length) + 1;
        const othersCaughtUp = lagList.filter((lag, i) => i + 1 !== node && (i === 0 || (lag !== null && lag < 2_000)));
        expect(quorumCheck(node, quorum(1, lags)).ok).toBe(othersCaughtUp.length > lagList.length / 2);
      }),
    );
  });

  it('never turns a refusal into an approval when a voter falls further behind', () => {
    fc.assert(
      fc.property(arbLags, fc.nat(), fc.nat(), (lagList, pick, victim) => {
        const lags = Object.fromEntries(lagList.map((lag, i) => [i + 1, i === 0 ? 0 : lag]));
        const node = (pick % lagList.length) + 1;
        const slower = { ...lags };
        const v = (victim % (lagList.length - 1)) + 2; // any voter but the leader
        slower[v] = (lags[v] ?? 0) + 10_000;
        if (!quorumCheck(node, quorum(1, lags)).ok) expect(quorumCheck(node, quorum(1, slower)).ok).toBe(false);
      }),
    );
  });
});
