import { describe, expect, it } from 'vitest';
import { CapacityExceeded, PlanInvalid } from '../errors.ts';
import { at, awsExposure, awsSpec, broker, brokerMapping, observedState, T0 } from '../testing/fixtures.ts';
import { planInputs } from './inputs.ts';
import { portRegistry } from './port-registry.ts';

function registryOf(spec: ReturnType<typeof awsSpec>, observed: ReturnType<typeof observedState>) {
  const { brokers, mappings, clock } = planInputs(spec, observed);
  return portRegistry(spec, observed, brokers, mappings, clock);
}

const portsOf = (registry: ReturnType<typeof registryOf>) =>
  Object.fromEntries([...registry.exposures[0]!.ports].map(([id, p]) => [id, `${p.port}:${p.lb}`]));

describe('plan phase: port registry', () => {
  it('keeps observed ports and gives new brokers the lowest free ports of the range', () => {
    const registry = registryOf(
      awsSpec(),
      observedState([broker(1), broker(2), broker(3)], [brokerMapping(broker(2), 9093)]),
    );
    expect(portsOf(registry)).toEqual({ 1: '9094:create', 2: '9093:ok', 3: '9095:create' });
    expect(registry.actions).toEqual({ deleteExpired: [], revive: [], retire: [] });
  });

  it('retires a gone broker’s port, revives it for a returning broker, and frees it after the cool-down', () => {
    const spec = awsSpec();
    const gone = registryOf(
      spec,
      observedState([broker(1)], [brokerMapping(broker(1), 9093), brokerMapping(broker(2), 9094)]),
    );
    expect(gone.actions.retire).toEqual([
      { kind: 'retireMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2, retiredAt: T0 },
    ]);
    expect(gone.exposures[0]!.retired).toEqual([{ port: 9094, brokerId: 2, retiredAt: T0, reusableAt: at(T0, 3600) }]);

    const retired = brokerMapping(broker(2), 9094, { retiredAt: at(T0, -60), targets: [] });
    const back = registryOf(spec, observedState([broker(1), broker(2)], [brokerMapping(broker(1), 9093), retired]));
    expect(portsOf(back)).toEqual({ 1: '9093:ok', 2: '9094:revive' });
    expect(back.actions.revive).toEqual([{ kind: 'reviveMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 }]);

    const old = brokerMapping(broker(2), 9094, { retiredAt: at(T0, -3600), targets: [] });
    const freed = registryOf(spec, observedState([broker(1), broker(3)], [brokerMapping(broker(1), 9093), old]));
    expect(freed.actions.deleteExpired).toEqual([
      { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 },
    ]);
    expect([...freed.freedEarly]).toEqual([9094]);
    expect(portsOf(freed)).toEqual({ 1: '9093:ok', 3: '9094:create' });
  });

  it('warns about mappings it leaves alone: unknown listener, no node id, outside the range', () => {
    const registry = registryOf(
      awsSpec(),
      observedState(
        [broker(1)],
        [
          brokerMapping(broker(1), 9500),
          { exposure: 'EXTERNAL', role: 'broker', port: 9094, targets: [] },
          { ...brokerMapping(broker(9), 9700), exposure: 'LEGACY' },
        ],
      ),
    );
    expect(registry.warnings.sort()).toEqual([
      "exposure EXTERNAL: broker 1 keeps port 9500, outside brokerPorts 9093-9141, because moving a port breaks consumers; to move it, remove the broker's mapping by hand",
      'exposure EXTERNAL: the broker mapping on port 9094 has no node id tag; it is left alone and its port is not reused',
      'the load balancer has a broker mapping on port 9700 for listener "LEGACY", which is not in the spec; it is left alone (remove it by hand if the exposure is gone)',
    ]);
  });

  it('refuses a bootstrap port another mapping holds, naming the holder', () => {
    const error = (() => {
      try {
        registryOf(awsSpec(), observedState([broker(1)], [brokerMapping(broker(1), 9092)]));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PlanInvalid);
    expect((error as PlanInvalid).problems).toEqual([
      'bootstrapPort 9092 of exposure EXTERNAL is held by the broker mapping of broker 1 of exposure EXTERNAL on port 9092; free that port first or choose another bootstrapPort',
    ]);
  });

  it('says when the range is full, counting the ports in cool-down', () => {
    const spec = awsSpec({ exposures: [awsExposure({ brokerPorts: { from: 9093, to: 9094 } })] });
    const cooling = brokerMapping(broker(7), 9094, { retiredAt: at(T0, -60), targets: [] });
    expect(() => registryOf(spec, observedState([broker(1), broker(2)], [cooling]))).toThrow(CapacityExceeded);
    expect(() => registryOf(spec, observedState([broker(1), broker(2)], [cooling]))).toThrow(
      `exposure EXTERNAL: brokerPorts 9093-9094 (2 ports) is full: 2 brokers need a port; 1 port(s) are in cool-down after a broker was removed (the first is reusable at ${at(T0, 3540)}). Widen brokerPorts, wait for the cool-down, or lower rollout.portCooldownSeconds.`,
    );
  });
});
