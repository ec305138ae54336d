import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../shared/model/plan.ts';
import { StateMachineFailed } from '../../shared/orchestration/errors.ts';
import { parseSpec } from '../../shared/spec/validate.ts';
import { verifyPlan } from '../../shared/steps/verify.ts';
import { AwsBed, CLUSTER } from './bed.ts';

/*
 * Zones: the bed's NLB routes per zone as an NLB does with cross-zone load balancing off (a node reaches only the
 * targets in its zone), so a broker port — one target, one zone — answers through the regional DNS name only when
 * the connection lands on that zone's node.
 */

let bed: AwsBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

describe('verification on a multi-zone NLB', () => {
  it('verifying through the regional name only (the old way) fails on three zones; through each broker’s zone it passes', async () => {
    // The runbook's layout: one advertised name per zone, so each broker group keeps cross-zone off.
    bed = await AwsBed.start({ brokers: 3, perZonePattern: true });
    const { output } = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    expect((output as { verification: { ok: boolean } }).verification.ok).toBe(true);
    const spec = parseSpec(bed.specInput());
    const { plan } = (await bed.run('provision', { cluster: CLUSTER, mode: 'plan' })).output as { plan: Plan };

    // The old verification: every check dials the regional name. A client resolves it once and keeps the address
    // DNS gave it (TTL 60 s): one zone's node — here us-west-2a's. Brokers 2 and 3 are in the other two zones.
    const { consumerRoutes: _zonal, ...regionalOnly } = bed.deps.loadBalancer;
    const resolved = { ...regionalOnly, consumerAddress: async () => bed!.zoneNodeAddress('us-west-2a') };
    const old = await verifyPlan(spec, plan, { ...bed.deps, loadBalancer: resolved }, { failOnProblems: false });
    expect(old.ok).toBe(false);
    const status = (report: typeof old) =>
      Object.fromEntries(
        report.checks
          .filter((check) => check.kind === 'broker-port')
          .map((check) => [(check as { expectedBrokerId: number }).expectedBrokerId, check.status]),
      );
    expect(status(old)).toEqual({ 1: 'pass', 2: 'fail', 3: 'fail' });
    // Bootstrap passes from any zone: its target group has cross-zone load balancing on.
    expect(old.checks.find((check) => check.kind === 'bootstrap')?.status).toBe('pass');

    const zonal = await verifyPlan(spec, plan, bed.deps, { failOnProblems: false });
    expect(zonal.ok).toBe(true);
    // Bootstrap once per zone, each broker port through its own zone's node.
    expect(zonal.checks.filter((check) => check.kind === 'bootstrap').map((check) => check.via)).toHaveLength(3);
    expect(new Set(zonal.checks.filter((check) => check.kind === 'broker-port').map((check) => check.via)).size).toBe(
      3,
    );
  });

  it('with one advertised name for all zones, broker target groups get cross-zone load balancing, so any zone reaches every broker', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });
    for (const group of bed.aws.state.targetGroups.values()) {
      expect(group.attributes?.['load_balancing.cross_zone.enabled'], group.name).toBe('true');
    }
    const spec = parseSpec(bed.specInput());
    const { plan } = (await bed.run('provision', { cluster: CLUSTER, mode: 'plan' })).output as { plan: Plan };
    const { consumerRoutes: _zonal, ...regionalOnly } = bed.deps.loadBalancer;
    const resolved = { ...regionalOnly, consumerAddress: async () => bed!.zoneNodeAddress('us-west-2c') };
    expect((await verifyPlan(spec, plan, { ...bed.deps, loadBalancer: resolved }, { failOnProblems: false })).ok).toBe(
      true,
    );
  });

  it('a broker in a zone the NLB has no subnet in is a plan-time error: nothing is changed', async () => {
    bed = await AwsBed.start({ brokers: 3, nlbZones: ['us-west-2a', 'us-west-2b'] });
    const failure = await bed.run('provision', { cluster: CLUSTER, mode: 'plan' }).catch((error) => error);
    expect(failure).toBeInstanceOf(StateMachineFailed);
    expect(failure.error).toBe('PlanInvalid');
    expect(failure.detail).toMatch(/broker 3 .* zone "usw2-az3", where the load balancer has no subnet/);
    expect(bed.aws.state.listeners.size).toBe(0);
  });
});
