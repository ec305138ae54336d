import { describe, expect, it } from 'vitest';
import type { LbAction } from '../../model/plan.ts';
import { awsSpec, broker, brokerMapping, gcpSpec, observedState } from '../testing/fixtures.ts';
import { planInputs } from './inputs.ts';
import { lbStages, loadBalancerActions, orderedActions } from './lb-actions.ts';
import { portRegistry } from './port-registry.ts';

function actionsOf(spec: ReturnType<typeof awsSpec>, observed: ReturnType<typeof observedState>) {
  const { brokers, mappings, clock } = planInputs(spec, observed);
  const registry = portRegistry(spec, observed, brokers, mappings, clock);
  const lb = loadBalancerActions(spec, observed.loadBalancer, brokers, mappings, registry);
  return { registry, lb, actions: orderedActions(registry.actions, lb.actions) };
}

const kinds = (actions: readonly LbAction[]) => actions.map((a) => `${a.kind}:${a.port}`);

describe('plan phase: load balancer actions', () => {
  it('creates broker and bootstrap mappings and opens their ports, creates first', () => {
    const { actions } = actionsOf(awsSpec(), observedState([broker(1), broker(2)]));
    expect(kinds(actions)).toEqual([
      'createMapping:9092',
      'createMapping:9093',
      'createMapping:9094',
      'openPort:9092',
      'openPort:9093',
      'openPort:9094',
    ]);
    expect(lbStages(actions).registrations).toEqual([]);
  });

  it('re-registers a replaced instance on its kept port and marks the broker "register"', () => {
    const replaced = broker(1, { instanceId: 'i-new' });
    const observed = observedState(
      [replaced],
      [
        brokerMapping(broker(1), 9093),
        { exposure: 'EXTERNAL', role: 'bootstrap', port: 9092, targets: [{ id: 'i-00000001', port: 39092 }] },
      ],
    );
    observed.loadBalancer.openPorts = [9092, 9093];
    const { actions, lb } = actionsOf(awsSpec(), observed);
    expect(actions).toEqual([
      {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [{ brokerId: 1, instanceId: 'i-new', host: '10.0.0.2', port: 39092 }],
      },
      {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093,
        targets: [{ brokerId: 1, instanceId: 'i-new', host: '10.0.0.2', port: 39092 }],
      },
      {
        kind: 'deregisterTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [{ id: 'i-00000001', port: 39092 }],
      },
      {
        kind: 'deregisterTargets',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093,
        targets: [{ id: 'i-00000001', port: 39092 }],
      },
    ]);
    expect([...lb.reRegistered.get('EXTERNAL')!]).toEqual([1]);
  });

  it('deletes a bootstrap mapping the provider has no use for (GCP: no fan-out, and no consumer ports to close)', () => {
    const observed = observedState([broker(1)], [{ exposure: 'EXTERNAL', role: 'bootstrap', port: 9092, targets: [] }]);
    observed.loadBalancer.openPorts = [9092];
    const { actions, lb } = actionsOf(gcpSpec(), observed);
    expect(kinds(actions)).toEqual(['createMapping:10000', 'deleteMapping:9092']);
    expect([...lb.deletedLate]).toEqual([9092]);
  });

  it('manages no consumer ports where the profile says brokerlink does not (AWS without a security group)', () => {
    const { actions } = actionsOf(awsSpec({ securityGroup: false }), observedState([broker(1)]));
    expect(kinds(actions)).toEqual(['createMapping:9092', 'createMapping:9093']);
  });
});
