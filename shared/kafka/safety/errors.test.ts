import { describe, expect, it } from 'vitest';
import { BrokerNotReady, RollInputInvalid, UnsafeToRoll } from './errors.ts';

describe('safety errors', () => {
  it('UnsafeToRoll carries the node, its reasons and the cause', () => {
    const cause = new Error('probe said so');
    const error = new UnsafeToRoll(4, ['broker 4 is recovering logs', 'orders-1 is under min ISR'], { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('UnsafeToRoll');
    expect(error.nodeId).toBe(4);
    expect(error.reasons).toEqual(['broker 4 is recovering logs', 'orders-1 is under min ISR']);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      'node 4 cannot be restarted safely now: broker 4 is recovering logs; orders-1 is under min ISR',
    );
  });

  it('BrokerNotReady carries the node, its reasons and the cause', () => {
    const error = new BrokerNotReady(2, ['broker 2 is not registered'], { cause: 'timeout' });
    expect(error.name).toBe('BrokerNotReady');
    expect(error.nodeId).toBe(2);
    expect(error.cause).toBe('timeout');
    expect(error.message).toBe('node 2 is not back and healthy yet: broker 2 is not registered');
  });

  it('names the whole batch when nodes were to restart together', () => {
    expect(new UnsafeToRoll([1, 3], ['orders-0 would keep [2] in sync']).message).toBe(
      'the batch of nodes 1, 3 cannot be restarted safely now: orders-0 would keep [2] in sync',
    );
    const notReady = new BrokerNotReady([1, 3], ['broker 3: broker 3 is not registered']);
    expect(notReady.nodeIds).toEqual([1, 3]);
    expect(notReady.message).toBe('nodes 1, 3 are not back and healthy yet: broker 3: broker 3 is not registered');
  });

  it('says so when no reason was given', () => {
    expect(new BrokerNotReady(2, []).message).toMatch(/\(no reason given\)$/);
  });

  it('serialises its name for the state machine to match', () => {
    const error = new RollInputInvalid('bad');
    expect(`${error}`).toBe('RollInputInvalid: bad');
  });
});
