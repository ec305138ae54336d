import { describe, expect, it } from 'vitest';
import { BrokerlinkError, DEFAULT_RETRY_POLICY, dispositionOf, retryPolicyOf } from './errors.ts';

class ThingRetryable extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'ThingRetryable';
}

class Forgetful extends BrokerlinkError {
  override readonly name = 'Forgetful';
}

class InheritsOnly extends ThingRetryable {}

class SlowRetryable extends BrokerlinkError {
  static readonly disposition = 'retry';
  static readonly retryPolicy = { intervalSeconds: 10, maxAttempts: 3, backoffRate: 1 };
  override readonly name = 'SlowRetryable';
}

class WaitsWithoutPolicy extends BrokerlinkError {
  static readonly disposition = 'wait';
  override readonly name = 'WaitsWithoutPolicy';
}

class FatalWithPolicy extends BrokerlinkError {
  static readonly disposition = 'fail';
  static readonly retryPolicy = { intervalSeconds: 1, maxAttempts: 1, backoffRate: 1 };
  override readonly name = 'FatalWithPolicy';
}

class BadPolicy extends BrokerlinkError {
  static readonly disposition = 'retry';
  static readonly retryPolicy = { intervalSeconds: 0.5, maxAttempts: 3, backoffRate: 2 };
  override readonly name = 'BadPolicy';
}

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

  it('gives a retry class its own policy, or the default one', () => {
    expect(retryPolicyOf(SlowRetryable)).toEqual({ intervalSeconds: 10, maxAttempts: 3, backoffRate: 1 });
    expect(retryPolicyOf(ThingRetryable)).toBe(DEFAULT_RETRY_POLICY);
  });

  it('refuses a waiting class without a policy, a fatal class with one, and a policy out of range', () => {
    expect(() => retryPolicyOf(WaitsWithoutPolicy)).toThrow(/WaitsWithoutPolicy waits but declares no retryPolicy/);
    expect(() => retryPolicyOf(FatalWithPolicy)).toThrow(/FatalWithPolicy is fatal but declares a retryPolicy/);
    expect(() => retryPolicyOf(BadPolicy)).toThrow(/BadPolicy declares an invalid retryPolicy/);
  });
});
