import { describe, expect, it } from 'vitest';
import { BrokerlinkError, dispositionOf } from './errors.ts';

class ThingRetryable extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'ThingRetryable';
}

class Forgetful extends BrokerlinkError {
  override readonly name = 'Forgetful';
}

class InheritsOnly extends ThingRetryable {}

describe('BrokerlinkError', () => {
  it('reads the disposition its class declares, from the instance and from the class', () => {
    const error = new ThingRetryable('boom', { context: { brokerId: 3 } });
    expect(error.disposition).toBe('retry');
    expect(dispositionOf(ThingRetryable)).toBe('retry');
    expect(error.context).toEqual({ brokerId: 3 });
  });

  it('keeps the cause', () => {
    const cause = new Error('root');
    expect(new ThingRetryable('boom', { cause }).cause).toBe(cause);
  });

  it('refuses a class that declares no disposition of its own, even when a base class does', () => {
    expect(() => new Forgetful('x').disposition).toThrow(/Forgetful declares no disposition/);
    expect(() => dispositionOf(InheritsOnly)).toThrow(/InheritsOnly declares no disposition/);
    expect(() => dispositionOf({})).toThrow(/declares no disposition/);
  });
});
