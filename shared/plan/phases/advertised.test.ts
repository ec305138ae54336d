import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../spec/validate.ts';
import { awsExposure, awsSpec, broker, brokerMapping, gcpSpec, observedState } from '../testing/fixtures.ts';
import { advertisedAddresses } from './advertised.ts';
import { planInputs } from './inputs.ts';
import { loadBalancerActions } from './lb-actions.ts';
import { portRegistry } from './port-registry.ts';

function addressesOf(spec: ReturnType<typeof awsSpec>, observed: ReturnType<typeof observedState>) {
  const { brokers, mappings, clock } = planInputs(spec, observed);
  const registry = portRegistry(spec, observed, brokers, mappings, clock);
  return advertisedAddresses(
    brokers,
    registry,
    loadBalancerActions(spec, observed.loadBalancer, brokers, mappings, registry),
  );
}

describe('plan phase: advertised addresses', () => {
  it('renders each broker’s zone pattern with its node id and LB port', () => {
    const result = addressesOf(awsSpec(), observedState([broker(1), broker(2)], [brokerMapping(broker(2), 9100)]));
    expect(result.exposures[0]!.brokers.map((b) => [b.id, b.port, b.advertised, b.lb])).toEqual([
      [1, 9093, 'b1.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com:9093', 'create'],
      [2, 9100, 'b2.usw2-az3.abc.us-west-2.aws.3199015.tidbcloud.com:9100', 'ok'],
    ]);
    expect(result.addresses.get('EXTERNAL')?.get(2)).toBe('b2.usw2-az3.abc.us-west-2.aws.3199015.tidbcloud.com:9100');
    expect(result.exposures[0]!.bootstrapPorts).toEqual([9092]);
    expect(result.problems).toEqual([]);
  });

  it('leaves an address pending while a placeholder is unknown, saying why the config waits', () => {
    const spec = parseSpec({
      ...awsSpec(),
      exposures: [
        awsExposure({
          advertisedListenerPattern: '<broker_id>.<endpoint_name>.example.com:<port>',
          placeholders: { endpoint_name: null },
        }),
      ],
    } as never);
    const result = addressesOf(spec, observedState([broker(1)]));
    expect(result.exposures[0]!.brokers[0]!.advertised).toBeNull();
    expect(result.addresses.get('EXTERNAL')?.get(1)).toBeNull();
    expect(result.pending).toEqual([
      {
        exposure: 'EXTERNAL',
        placeholders: ['endpoint_name'],
        message:
          '<endpoint_name> of exposure EXTERNAL is not known yet: load balancer work goes ahead, but the config of the affected brokers is not pushed until every placeholder is known, so each broker restarts once',
      },
    ]);
  });

  it('bootstraps from every broker port where the provider has no fan-out (GCP)', () => {
    const result = addressesOf(gcpSpec(), observedState([broker(2), broker(1)]));
    expect(result.exposures[0]!.bootstrapPorts).toEqual([10000, 10001]);
  });
});
