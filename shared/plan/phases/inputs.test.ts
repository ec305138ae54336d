import { describe, expect, it } from 'vitest';
import { at, awsSpec, broker, brokerMapping, observedState, T0 } from '../testing/fixtures.ts';
import { planInputs } from './inputs.ts';

describe('plan phase: inputs', () => {
  it('exposes running brokers in node id order, skipping terminated and controller-only nodes', () => {
    const inputs = planInputs(
      awsSpec(),
      observedState([broker(3), broker(1), broker(2, { state: 'terminated' }), broker(4)], [], {
        kafka: { nodeRoles: { '4': ['controller'] } },
      }),
    );
    expect(inputs.brokers.map((entry) => entry.broker.id)).toEqual([1, 3]);
    expect(inputs.brokers[0]!.target).toEqual({ brokerId: 1, instanceId: 'i-00000001', host: '10.0.0.2', port: 0 });
    expect(inputs.warnings).toEqual(['node 4 is a controller-only node (process.roles=controller): it is not exposed']);
    expect(inputs.problems).toEqual([]);
    expect(inputs.clock).toEqual({ now: Date.parse(T0), at: T0, cooldownMs: 3_600_000 });
  });

  it('collects every problem at once: a shared node id, two mappings on a port, bad times, a zone without pattern', () => {
    const twin = broker(5, { instanceId: 'i-twin', host: '10.9.9.9' });
    const inputs = planInputs(awsSpec(), {
      ...observedState(
        [broker(5), twin, broker(6, { azId: 'usw2-az9' }), broker(7, { azId: undefined })],
        [brokerMapping(broker(6), 9093, { retiredAt: 'soon' }), brokerMapping(broker(7), 9093)],
      ),
      observedAt: 'now',
    });
    expect(inputs.problems).toEqual([
      'observedAt "now" is not an ISO 8601 time',
      'node id 5 is claimed by 2 instances: i-00000005 (10.0.0.6), i-twin (10.9.9.9); each broker needs its own node id (check the kafka-node-id tag)',
      'retiredAt of port 9093 "soon" is not an ISO 8601 time',
      'the load balancer reports two mappings on port 9093 (broker 6 of exposure EXTERNAL on port 9093 and broker 7 of exposure EXTERNAL on port 9093); one port can carry one mapping: repair the load balancer',
      'broker 6 (10.0.0.7) is in zone "usw2-az9", which has no advertisedListenerPattern in exposure EXTERNAL; add one (zones with patterns: usw2-az1, usw2-az2, usw2-az3)',
      'broker 7 (10.0.0.8) has no zone (azId/az), but exposure EXTERNAL has one pattern per zone (usw2-az1, usw2-az2, usw2-az3)',
    ]);
  });

  it('sorts the observed mappings by exposure and port, whatever order the load balancer listed them in', () => {
    const inputs = planInputs(
      awsSpec(),
      observedState([], [brokerMapping(broker(2), 9095, { retiredAt: at(T0, -10) }), brokerMapping(broker(1), 9093)]),
    );
    expect(inputs.mappings.map((m) => m.port)).toEqual([9093, 9095]);
  });
});
