import { describe, expect, it } from 'vitest';
import { once } from './once.ts';

describe('once', () => {
  it('makes the value on the first call only', () => {
    let made = 0;
    const value = once(() => ({ n: ++made }));
    expect(value()).toBe(value());
    expect(made).toBe(1);
  });

  it('shares one promise between concurrent first calls', async () => {
    let made = 0;
    const value = once(async () => ++made);
    expect(await Promise.all([value(), value()])).toEqual([1, 1]);
    expect(made).toBe(1);
  });

  it('tries again after a throw or a rejection instead of keeping the failure', async () => {
    let calls = 0;
    const sync = once(() => {
      if (++calls === 1) throw new Error('first fails');
      return calls;
    });
    expect(() => sync()).toThrow('first fails');
    expect(sync()).toBe(2);

    let loads = 0;
    const load = once(async () => {
      if (++loads === 1) throw new Error('throttled');
      return loads;
    });
    await expect(load()).rejects.toThrow('throttled');
    expect(await load()).toBe(2);
    expect(await load()).toBe(2);
  });
});
