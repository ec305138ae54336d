import { describe, expect, it } from 'vitest';
import { PlanInvalid } from './errors.ts';
import { plan } from './planner.ts';
import { awsSpec, broker, gcpSpec, observedState } from './testing/fixtures.ts';

describe('targets the load balancer can register (AWS: instance ids or IPv4 addresses)', () => {
  it('refuses at plan time a broker with a host name or IPv6 address and no instance id, naming broker and fix', () => {
    const observed = observedState([
      broker(1),
      broker(2, { host: 'kafka-2.internal.example.com', instanceId: undefined }),
      broker(3, { host: '[fd00::3]', instanceId: undefined }),
    ]);
    const refused = (() => {
      try {
        plan(awsSpec(), observed);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(PlanInvalid);
    const message = (refused as Error).message;
    expect(message).toContain('broker 2: host "kafka-2.internal.example.com" is not an IPv4 address');
    expect(message).toContain('broker 3: host "[fd00::3]" is not an IPv4 address');
    expect(message).toContain('give brokers.static its instanceId or its IPv4 address');
    expect(message).not.toContain('broker 1:');
  });

  it('plans a broker with an instance id whatever its host, or an IPv4 host without one', () => {
    const observed = observedState([
      broker(1, { host: 'kafka-1.internal.example.com' }),
      broker(2, { instanceId: undefined }),
      broker(3),
    ]);
    expect(plan(awsSpec(), observed).brokers.map((planned) => planned.id)).toEqual([1, 2, 3]);
  });

  it('leaves providers that register any host alone', () => {
    const observed = observedState([broker(1, { host: 'kafka-1.internal.example.com', instanceId: undefined })]);
    expect(plan(gcpSpec(), observed).brokers.map((planned) => planned.id)).toEqual([1]);
  });
});
