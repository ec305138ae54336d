import { describe, expect, it } from 'vitest';
import { CapacityExceeded } from '../errors.ts';
import { at, awsSpec, broker, brokerMapping, observedState, T0 } from '../testing/fixtures.ts';
import { checkBrokerCapacity, checkListenerCapacity } from './capacity.ts';
import { planInputs } from './inputs.ts';
import { loadBalancerActions } from './lb-actions.ts';
import { portRegistry } from './port-registry.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('plan phase: capacity', () => {
  it('refuses more brokers than an NLB has listeners before deciding any port', () => {
    expect(() => checkBrokerCapacity(awsSpec(), 49)).not.toThrow();
    const error = (() => {
      try {
        checkBrokerCapacity(awsSpec(), 50);
      } catch (e) {
        return e as CapacityExceeded;
      }
    })();
    expect(error).toBeInstanceOf(CapacityExceeded);
    expect(error).toMatchObject({ kind: 'listener-quota', needed: 51, available: 50 });
  });

  it('counts retired ports in cool-down as listeners, and says when the first one is released', () => {
    const spec = awsSpec();
    const cooling = brokerMapping(broker(90), 9500, { retiredAt: at(T0, -60), targets: [] });
    const check = (count: number) => {
      const observed = observedState(
        ids(count).map((id) => broker(id)),
        [cooling],
      );
      const { brokers, mappings, clock } = planInputs(spec, observed);
      const registry = portRegistry(spec, observed, brokers, mappings, clock);
      const lb = loadBalancerActions(spec, observed.loadBalancer, brokers, mappings, registry);
      checkListenerCapacity(spec, mappings, registry, lb, brokers.length);
    };
    expect(() => check(48)).not.toThrow();
    expect(() => check(49)).toThrow(
      `the load balancer would hold 51 listeners (49 brokers × 1 exposure(s) + 1 bootstrap + 1 retired port(s) in cool-down), but a aws network load balancer allows at most 50. The first retired port is released at ${at(T0, 3540)}; wait for it or lower rollout.portCooldownSeconds.`,
    );
  });
});
