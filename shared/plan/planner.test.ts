import { describe, expect, it } from 'vitest';
import type { ObservedState } from '../model/observed.ts';
import type { LbAction, Plan } from '../model/plan.ts';
import { planSchema } from '../model/plan-schema.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import { parseSpec } from '../spec/validate.ts';
import { CapacityExceeded, PlanInvalid } from './errors.ts';
import { lbStages, plan } from './planner.ts';
import { planToJson } from './render.ts';
import { at, awsExposure, awsSpec, broker, brokerMapping, gcpSpec, observedState, T0 } from './testing/fixtures.ts';
import { applyLbActions, applyPlan } from './testing/ledger-sim.ts';

const ids = (n: number, start = 1) => Array.from({ length: n }, (_, i) => start + i);

/** Plans, applies the plan to the simulated ledger and brokers, and returns the state after it. */
function applyOnce(spec: ClusterSpec, observed: ObservedState): { plan: Plan; after: ObservedState } {
  const result = plan(spec, observed);
  return { plan: result, after: applyPlan(observed, result) };
}

function portsOf(p: Plan, listener = 'EXTERNAL'): Record<number, number> {
  const exposure = p.exposures.find((e) => e.listener === listener)!;
  return Object.fromEntries(exposure.brokers.map((b) => [b.id, b.port]));
}

function kinds(actions: readonly LbAction[]): string[] {
  return actions.map((a) => a.kind);
}

/** A converged cluster: planned from nothing and applied once. */
function converged(spec: ClusterSpec, brokerIds: number[]): ObservedState {
  const { after } = applyOnce(spec, observedState(brokerIds.map((id) => broker(id))));
  return after;
}

describe('plan: a fresh cluster', () => {
  const spec = awsSpec();
  const result = plan(spec, observedState([broker(3), broker(1), broker(2)]));

  it('gives brokers the lowest ports of the range in node id order, whatever the discovery order', () => {
    expect(portsOf(result)).toEqual({ 1: 9093, 2: 9094, 3: 9095 });
  });

  it('advertises each broker with the pattern of its AZ ID, <broker_id> and its own LB port', () => {
    const byId = Object.fromEntries(result.exposures[0]!.brokers.map((b) => [b.id, b.advertised]));
    expect(byId).toEqual({
      1: 'b1.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com:9093',
      2: 'b2.usw2-az3.abc.us-west-2.aws.3199015.tidbcloud.com:9094',
      3: 'b3.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com:9095',
    });
  });

  it('creates broker mappings, a bootstrap mapping to every broker, and opens every port', () => {
    expect(kinds(result.actions)).toEqual([
      'createMapping',
      'createMapping',
      'createMapping',
      'createMapping',
      'openPort',
      'openPort',
      'openPort',
      'openPort',
    ]);
    const bootstrap = result.actions.find((a) => a.kind === 'createMapping' && a.role === 'bootstrap');
    expect(bootstrap).toMatchObject({ port: 9092, exposure: 'EXTERNAL' });
    expect(bootstrap?.kind === 'createMapping' && bootstrap.targets.map((t) => [t.brokerId, t.port])).toEqual([
      [1, 39092],
      [2, 39092],
      [3, 39092],
    ]);
    expect(result.actions.filter((a) => a.kind === 'openPort').map((a) => a.port)).toEqual([9092, 9093, 9094, 9095]);
    expect(result.actions.find((a) => a.kind === 'openPort')).toMatchObject({ cidrs: ['10.100.0.0/16'] });
  });

  it('plans a config push and a restart for every broker when nothing about them was observed', () => {
    expect(result.brokers.map((b) => [b.id, b.configChange, b.restart])).toEqual([
      [1, 'unknown', true],
      [2, 'unknown', true],
      [3, 'unknown', true],
    ]);
    expect(result.brokers[0]!.desiredListeners).toEqual([
      {
        name: 'EXTERNAL',
        bindHost: '0.0.0.0',
        bindPort: 39092,
        advertisedHost: 'b1.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com',
        advertisedPort: 9093,
        securityProtocol: 'PLAINTEXT',
      },
    ]);
    expect(result.restartOrder).toEqual([1, 2, 3]);
    expect(result.summary).toEqual({ lbActions: 8, configChanges: 3, restarts: 3, inSync: false });
  });

  it('produces a plan the orchestrator schema accepts, stamped with the observed time', () => {
    expect(planSchema.safeParse(result).success).toBe(true);
    expect(result.generatedAt).toBe(T0);
  });

  it('reaches a state where planning again has nothing to do', () => {
    const after = applyPlan(observedState([broker(3), broker(1), broker(2)]), result);
    const again = plan(spec, after);
    expect(again.actions).toEqual([]);
    expect(again.restartOrder).toEqual([]);
    expect(again.brokers.every((b) => b.configChange === 'none' && !b.restart)).toBe(true);
    expect(again.summary.inSync).toBe(true);
    expect(portsOf(again)).toEqual(portsOf(result));
  });
});

describe('plan: determinism', () => {
  it('gives byte-identical JSON when discovery and the load balancer list things in another order', () => {
    const spec = awsSpec();
    const base = converged(spec, [1, 2, 3, 4, 5]);
    const changed: ObservedState = { ...base, brokers: [...base.brokers.filter((b) => b.id !== 3), broker(9)] };
    const shuffled: ObservedState = {
      ...changed,
      brokers: [...changed.brokers].reverse(),
      loadBalancer: {
        mappings: [...changed.loadBalancer.mappings].reverse(),
        openPorts: [...changed.loadBalancer.openPorts].reverse(),
      },
    };
    expect(planToJson(plan(spec, shuffled))).toBe(planToJson(plan(spec, changed)));
    expect(planToJson(plan(spec, changed))).toBe(planToJson(plan(spec, structuredClone(changed))));
  });
});

describe('plan: the stable port registry', () => {
  const spec = awsSpec({ rollout: { portCooldownSeconds: 3600 } });

  it('keeps every broker on its port when a broker is added, and gives the new one the lowest free port', () => {
    const before = converged(spec, [1, 2, 3]);
    // Broker 2's port 9094 was freed long ago (simulate a gap): only 9093 and 9095 are held.
    const withGap: ObservedState = {
      ...before,
      brokers: before.brokers.filter((b) => b.id !== 2),
      loadBalancer: {
        ...before.loadBalancer,
        mappings: before.loadBalancer.mappings
          .filter((m) => m.brokerId !== 2)
          .map((m) =>
            m.role === 'bootstrap' ? { ...m, targets: m.targets.filter((t) => t.id !== broker(2).instanceId) } : m,
          ),
        openPorts: before.loadBalancer.openPorts.filter((p) => p !== 9094),
      },
    };
    const result = plan(spec, { ...withGap, brokers: [...withGap.brokers, broker(7)] });
    expect(portsOf(result)).toEqual({ 1: 9093, 3: 9095, 7: 9094 });
    expect(result.exposures[0]!.brokers.map((b) => [b.id, b.lb])).toEqual([
      [1, 'ok'],
      [3, 'ok'],
      [7, 'create'],
    ]);
    expect(kinds(result.actions)).toEqual(['createMapping', 'openPort', 'registerTargets']);
    expect(result.actions[2]).toMatchObject({ kind: 'registerTargets', role: 'bootstrap', port: 9092 });
    expect(result.brokers.filter((b) => b.restart).map((b) => b.id)).toEqual([7]);
  });

  it('retires a removed broker’s mapping at observedAt, drops it from bootstrap and holds its port', () => {
    const before = converged(spec, [1, 2, 3]);
    const result = plan(spec, { ...before, brokers: before.brokers.filter((b) => b.id !== 2) });
    expect(result.actions).toEqual([
      {
        kind: 'deregisterTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [{ id: broker(2).instanceId, port: 39092 }],
      },
      { kind: 'retireMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2, retiredAt: T0 },
    ]);
    expect(result.exposures[0]!.retired).toEqual([
      { port: 9094, brokerId: 2, retiredAt: T0, reusableAt: at(T0, 3600) },
    ]);
    expect(result.restartOrder).toEqual([]);
  });

  it('does not give a port in cool-down to a new broker', () => {
    const before = converged(spec, [1, 2, 3]);
    const removed = applyOnce(spec, { ...before, brokers: before.brokers.filter((b) => b.id !== 2) }).after;
    const later = { ...removed, observedAt: at(T0, 3599), brokers: [...removed.brokers, broker(4)] };
    expect(portsOf(plan(spec, later))).toEqual({ 1: 9093, 3: 9095, 4: 9096 });
  });

  it('keeps the port and re-registers the targets when an instance is replaced', () => {
    const before = converged(spec, [1, 2, 3]);
    const replacement = broker(2, { instanceId: 'i-0replaced', host: '10.0.9.9' });
    const result = plan(spec, { ...before, brokers: [broker(1), replacement, broker(3)] });
    expect(portsOf(result)).toEqual({ 1: 9093, 2: 9094, 3: 9095 });
    expect(result.exposures[0]!.brokers[1]!.lb).toBe('register');
    expect(result.actions).toEqual([
      {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [{ brokerId: 2, instanceId: 'i-0replaced', host: '10.0.9.9', port: 39092 }],
      },
      {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9094,
        targets: [{ brokerId: 2, instanceId: 'i-0replaced', host: '10.0.9.9', port: 39092 }],
      },
      {
        kind: 'deregisterTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [{ id: broker(2).instanceId, port: 39092 }],
      },
      {
        kind: 'deregisterTargets',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9094,
        targets: [{ id: broker(2).instanceId, port: 39092 }],
      },
    ]);
    const again = plan(spec, applyPlan({ ...before, brokers: [broker(1), replacement, broker(3)] }, result));
    expect(again.actions).toEqual([]);
  });

  it('recognises a target registered by IP address as the broker (no churn)', () => {
    const b = broker(1);
    const observed = observedState([b], [brokerMapping(b, 9093, { targets: [{ id: b.host, port: 39092 }] })]);
    const result = plan(spec, observed);
    expect(result.actions.some((a) => a.port === 9093 && a.kind !== 'openPort')).toBe(false);
  });

  it('gives a broker that returns inside its cool-down its old port back, even when a lower port is free', () => {
    const before = converged(spec, [1, 2, 3]);
    // Broker 1 leaves at T0; broker 3 leaves 3000 s later; at T0+3700 broker 1's cool-down is over, broker 3's is not.
    const gone1 = applyOnce(spec, { ...before, brokers: [broker(2), broker(3)] }).after;
    const gone3 = applyOnce(spec, { ...gone1, observedAt: at(T0, 3000), brokers: [broker(2)] }).after;
    const back: ObservedState = { ...gone3, observedAt: at(T0, 3700), brokers: [broker(2), broker(3), broker(4)] };
    const result = plan(spec, back);
    expect(portsOf(result)).toEqual({ 2: 9094, 3: 9095, 4: 9093 });
    expect(result.exposures[0]!.brokers.map((b) => [b.id, b.lb])).toEqual([
      [2, 'ok'],
      [3, 'revive'],
      [4, 'create'],
    ]);
    expect(result.actions).toEqual(
      expect.arrayContaining([
        { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1 },
        { kind: 'reviveMapping', exposure: 'EXTERNAL', port: 9095, brokerId: 3 },
        expect.objectContaining({ kind: 'registerTargets', role: 'broker', port: 9095 }),
      ]),
    );
    expect(kinds(result.actions).indexOf('reviveMapping')).toBeLessThan(
      kinds(result.actions).indexOf('registerTargets'),
    );
    expect(plan(spec, applyPlan(back, result)).actions).toEqual([]);
  });

  it('treats a broker that returns after its cool-down as new: the expired mapping is deleted first, then the lowest free port is assigned', () => {
    const before = converged(spec, [1, 2, 3]);
    const removed = applyOnce(spec, { ...before, brokers: before.brokers.filter((b) => b.id !== 2) }).after;
    const back: ObservedState = { ...removed, observedAt: at(T0, 3600), brokers: [broker(1), broker(2), broker(3)] };
    const result = plan(spec, back);
    expect(portsOf(result)).toEqual({ 1: 9093, 2: 9094, 3: 9095 });
    expect(result.actions[0]).toEqual({ kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 });
    expect(result.actions[1]).toMatchObject({ kind: 'createMapping', port: 9094, brokerId: 2 });
    expect(result.exposures[0]!.brokers[1]!.lb).toBe('create');
    expect(result.actions.some((a) => a.kind === 'closePort')).toBe(false);
    expect(plan(spec, applyPlan(back, result)).actions).toEqual([]);
  });

  it('deletes an expired mapping of a broker that stays away and closes its port', () => {
    const before = converged(spec, [1, 2, 3]);
    const removed = applyOnce(spec, { ...before, brokers: before.brokers.filter((b) => b.id !== 2) }).after;
    const result = plan(spec, { ...removed, observedAt: at(T0, 7200) });
    expect(result.actions).toEqual([
      { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9094, brokerId: 2 },
      { kind: 'closePort', port: 9094, cidrs: ['10.100.0.0/16'] },
    ]);
    expect(result.exposures[0]!.retired).toEqual([]);
  });

  it('handles sparse and large node ids without deriving ports from them', () => {
    const result = plan(spec, observedState([broker(2147483647), broker(1001), broker(2002)]));
    expect(portsOf(result)).toEqual({ 1001: 9093, 2002: 9094, 2147483647: 9095 });
    expect(result.exposures[0]!.brokers[2]!.advertised).toBe(
      'b2147483647.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com:9095',
    );
  });

  it('keeps a port outside a changed range while its broker exists, with a warning, and gives new brokers ports inside', () => {
    const before = converged(spec, [1, 2]);
    const narrowed = awsSpec({ exposures: [awsExposure({ brokerPorts: { from: 9094, to: 9141 } })] });
    const result = plan(narrowed, { ...before, brokers: [broker(1), broker(2), broker(3)] });
    expect(portsOf(result)).toEqual({ 1: 9093, 2: 9094, 3: 9095 });
    expect(result.warnings).toEqual([
      expect.stringContaining('broker 1 keeps port 9093, outside brokerPorts 9094-9141'),
    ]);
  });

  it('revives a returning broker’s port even when it now lies outside the range, with a warning', () => {
    const before = converged(spec, [1, 2]);
    const removed = applyOnce(spec, { ...before, brokers: [broker(2)] }).after;
    const narrowed = awsSpec({ exposures: [awsExposure({ brokerPorts: { from: 9094, to: 9141 } })] });
    const result = plan(narrowed, { ...removed, observedAt: at(T0, 60), brokers: [broker(1), broker(2)] });
    expect(portsOf(result)).toEqual({ 1: 9093, 2: 9094 });
    expect(result.exposures[0]!.brokers[0]!.lb).toBe('revive');
    expect(result.warnings).toEqual([
      expect.stringContaining('broker 1 keeps port 9093, outside brokerPorts 9094-9141'),
    ]);
  });

  it('fails with the figures when the range is full', () => {
    const small = awsSpec({ exposures: [awsExposure({ brokerPorts: { from: 9093, to: 9095 } })] });
    const error = catchError(() => plan(small, observedState([1, 2, 3, 4].map((id) => broker(id)))));
    expect(error).toBeInstanceOf(CapacityExceeded);
    expect(error).toMatchObject({ kind: 'port-range', exposure: 'EXTERNAL', available: 3, needed: 4 });
    expect((error as Error).message).toContain('brokerPorts 9093-9095 (3 ports) is full: 4 brokers need a port');
  });

  it('says when a full range frees up if ports are only held by a cool-down', () => {
    const small = awsSpec({ exposures: [awsExposure({ brokerPorts: { from: 9093, to: 9095 } })] });
    const before = converged(small, [1, 2, 3]);
    const removed = applyOnce(small, { ...before, brokers: before.brokers.filter((b) => b.id !== 3) }).after;
    const error = catchError(() =>
      plan(small, { ...removed, observedAt: at(T0, 60), brokers: [broker(1), broker(2), broker(4)] }),
    );
    expect(error).toBeInstanceOf(CapacityExceeded);
    expect((error as Error).message).toContain(
      `1 port(s) are in cool-down after a broker was removed (the first is reusable at ${at(T0, 3600)})`,
    );
  });

  it('retires a second mapping of the same broker and keeps the one the broker advertises', () => {
    const b = broker(1);
    const observed = observedState([b], [brokerMapping(b, 9093), brokerMapping(b, 9094)], {
      brokerConfigs: {
        '1': { running: { EXTERNAL: { advertised: { host: 'x.example.com', port: 9094 } } } },
      },
    });
    const result = plan(spec, observed);
    expect(portsOf(result)).toEqual({ 1: 9094 });
    expect(result.actions).toContainEqual({
      kind: 'retireMapping',
      exposure: 'EXTERNAL',
      port: 9093,
      brokerId: 1,
      retiredAt: T0,
    });
  });

  it('excludes terminated instances, so their mapping is retired', () => {
    const before = converged(spec, [1, 2]);
    const result = plan(spec, { ...before, brokers: [broker(1), broker(2, { state: 'terminated' })] });
    expect(portsOf(result)).toEqual({ 1: 9093 });
    expect(result.actions).toContainEqual(expect.objectContaining({ kind: 'retireMapping', port: 9094, brokerId: 2 }));
  });

  it('leaves mappings of listeners that are not in the spec alone, warns, and never reuses their ports', () => {
    const b = broker(1);
    const foreign = { ...brokerMapping(b, 9093), exposure: 'OLDNAME' };
    const result = plan(spec, observedState([b], [foreign]));
    expect(portsOf(result)).toEqual({ 1: 9094 });
    expect(result.actions.some((a) => a.port === 9093)).toBe(false);
    expect(result.warnings).toEqual([expect.stringContaining('listener "OLDNAME", which is not in the spec')]);
  });

  it('leaves an untagged broker mapping alone and does not reuse its port', () => {
    const b = broker(1);
    const { brokerId: _drop, ...untagged } = brokerMapping(b, 9093);
    const result = plan(spec, observedState([b], [untagged]));
    expect(portsOf(result)).toEqual({ 1: 9094 });
    expect(result.warnings).toEqual([expect.stringContaining('port 9093 has no node id tag')]);
  });

  it('rejects two instances claiming one node id, naming both', () => {
    const error = catchError(() =>
      plan(spec, observedState([broker(1), broker(1, { instanceId: 'i-0other', host: '10.0.5.5' })])),
    );
    expect(error).toBeInstanceOf(PlanInvalid);
    expect((error as Error).message).toContain('node id 1 is claimed by 2 instances');
    expect((error as Error).message).toContain('i-0other (10.0.5.5)');
  });

  it('rejects a ledger with two mappings on one port', () => {
    const error = catchError(() =>
      plan(spec, observedState([broker(1)], [brokerMapping(broker(1), 9093), brokerMapping(broker(2), 9093)])),
    );
    expect(error).toBeInstanceOf(PlanInvalid);
    expect((error as Error).message).toContain('two mappings on port 9093');
  });
});

describe('plan: bootstrap and consumer ports', () => {
  it('registers missing brokers on bootstrap and deregisters targets that are no broker any more', () => {
    const spec = awsSpec();
    const before = converged(spec, [1, 2]);
    const stale = structuredClone(before);
    const bootstrap = stale.loadBalancer.mappings.find((m) => m.role === 'bootstrap')!;
    bootstrap.targets = [
      { id: broker(1).instanceId!, port: 39092 },
      { id: 'i-0gone', port: 39092 },
    ];
    const result = plan(spec, stale);
    expect(result.actions).toEqual([
      {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [{ brokerId: 2, instanceId: broker(2).instanceId, host: broker(2).host, port: 39092 }],
      },
      {
        kind: 'deregisterTargets',
        exposure: 'EXTERNAL',
        role: 'bootstrap',
        port: 9092,
        targets: [{ id: 'i-0gone', port: 39092 }],
      },
    ]);
  });

  it('moves the bootstrap mapping when bootstrapPort changes: create new, delete old, close old', () => {
    const spec = awsSpec();
    const before = converged(spec, [1]);
    const moved = awsSpec({ exposures: [awsExposure({ bootstrapPort: 9000 })] });
    const result = plan(moved, before);
    expect(kinds(result.actions)).toEqual(['createMapping', 'openPort', 'deleteMapping', 'closePort']);
    expect(result.actions.map((a) => a.port)).toEqual([9000, 9000, 9092, 9092]);
    expect(plan(moved, applyPlan(before, result)).actions).toEqual([]);
  });

  it('on GCP uses the broker ports as bootstrap ports and has no bootstrap mapping', () => {
    const spec = gcpSpec();
    const result = plan(spec, observedState([broker(2), broker(1)]));
    expect(result.exposures[0]!.bootstrapPorts).toEqual([10000, 10001]);
    expect(
      result.actions
        .filter((a) => a.kind === 'createMapping')
        .every((a) => a.kind === 'createMapping' && a.role === 'broker'),
    ).toBe(true);
    expect(result.exposures[0]!.brokers[0]!.advertised).toBe('b1.kafka.psc.example.internal:10000');
  });

  it('on GCP deletes a leftover bootstrap mapping, and opens or closes no consumer port (PSC: none to manage)', () => {
    const spec = gcpSpec();
    const observed = observedState([broker(1)], [{ exposure: 'EXTERNAL', role: 'bootstrap', port: 9092, targets: [] }]);
    observed.loadBalancer.openPorts = [9092];
    const result = plan(spec, observed);
    expect(result.actions).toContainEqual({ kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9092 });
    expect(result.actions.filter((a) => a.kind === 'openPort' || a.kind === 'closePort')).toEqual([]);
  });

  it('does not manage ports on AWS without a security group; on the local provider opens them to loopback', () => {
    const noSg = awsSpec({ securityGroup: false });
    expect(plan(noSg, observedState([broker(1)])).actions.some((a) => a.kind === 'openPort')).toBe(false);
    const local = parseSpec({
      ...awsSpec(),
      provider: { local: { stateFile: '/tmp/brokerlink-lb.json' } },
      exposures: [awsExposure({ advertisedListenerPattern: '<broker_id>.localhost:<port>' })],
    });
    const localPlan = plan(local, observedState([broker(1)]));
    expect(kinds(localPlan.actions)).toEqual(['createMapping', 'createMapping', 'openPort', 'openPort']);
    expect(localPlan.actions.filter((a) => a.kind === 'openPort')).toEqual([
      { kind: 'openPort', port: 9092, cidrs: ['127.0.0.0/8'] },
      { kind: 'openPort', port: 9093, cidrs: ['127.0.0.0/8'] },
    ]);
    expect(localPlan.provider).toBe('local');
  });

  it('refuses a bootstrapPort that is held by a broker mapping', () => {
    const spec = awsSpec({ exposures: [awsExposure({ bootstrapPort: 9000 })] });
    const observed = observedState([broker(1)], [brokerMapping(broker(1), 9000)]);
    const error = catchError(() => plan(spec, observed));
    expect(error).toBeInstanceOf(PlanInvalid);
    expect((error as Error).message).toContain(
      'bootstrapPort 9000 of exposure EXTERNAL is held by the broker mapping of broker 1',
    );
  });
});

describe('plan: two exposures on one load balancer', () => {
  const spec = awsSpec({
    exposures: [
      awsExposure(),
      awsExposure({
        listener: 'EXTERNAL2',
        brokerPort: 39093,
        bootstrapPort: 9192,
        brokerPorts: { from: 9193, to: 9241 },
        advertisedListenerPattern: '<broker_id>.second.example.com:<port>',
        securityProtocol: 'SASL_SSL',
      }),
    ],
  });

  it('gives every broker a port in each exposure, unique across the load balancer, and one listener per exposure', () => {
    const result = plan(spec, observedState([broker(1), broker(2)]));
    expect(portsOf(result, 'EXTERNAL')).toEqual({ 1: 9093, 2: 9094 });
    expect(portsOf(result, 'EXTERNAL2')).toEqual({ 1: 9193, 2: 9194 });
    expect(result.exposures[1]!.bootstrapPorts).toEqual([9192]);
    expect(
      result.brokers[0]!.desiredListeners.map((l) => [
        l.name,
        l.bindPort,
        l.advertisedHost,
        l.advertisedPort,
        l.securityProtocol,
      ]),
    ).toEqual([
      ['EXTERNAL', 39092, 'b1.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com', 9093, 'PLAINTEXT'],
      ['EXTERNAL2', 39093, 'b1.second.example.com', 9193, 'SASL_SSL'],
    ]);
    const created = result.actions.filter((a) => a.kind === 'createMapping');
    expect(new Set(created.map((a) => a.port)).size).toBe(created.length);
    expect(
      created
        .filter((a) => a.exposure === 'EXTERNAL2' && a.kind === 'createMapping' && a.role === 'broker')
        .every((a) => a.kind === 'createMapping' && a.targets[0]!.port === 39093),
    ).toBe(true);
  });

  it('converges: a second plan after applying has nothing to do', () => {
    const after = applyPlan(observedState([broker(1), broker(2)]), plan(spec, observedState([broker(1), broker(2)])));
    expect(plan(spec, after).summary.inSync).toBe(true);
  });
});

describe('plan: the AWS 50-listener quota', () => {
  const wide = { from: 9093, to: 9300 };

  it('accepts 49 brokers plus bootstrap (50 listeners)', () => {
    const spec = awsSpec({ exposures: [awsExposure({ brokerPorts: wide })] });
    const result = plan(spec, observedState(ids(49).map((id) => broker(id))));
    expect(result.actions.filter((a) => a.kind === 'createMapping')).toHaveLength(50);
  });

  it('rejects 50 brokers with the figures', () => {
    const spec = awsSpec({ exposures: [awsExposure({ brokerPorts: wide })] });
    const error = catchError(() => plan(spec, observedState(ids(50).map((id) => broker(id)))));
    expect(error).toBeInstanceOf(CapacityExceeded);
    expect(error).toMatchObject({ kind: 'listener-quota', needed: 51, available: 50 });
    expect((error as Error).message).toContain('needs 51 listeners');
    expect((error as Error).message).toContain('at most 50');
    expect((error as Error).message).toContain('at most 49 brokers fit');
  });

  it('halves the room with two exposures: 24 brokers fit, 25 do not', () => {
    const spec = awsSpec({
      exposures: [
        awsExposure({ brokerPorts: wide }),
        awsExposure({
          listener: 'EXTERNAL2',
          brokerPort: 39093,
          bootstrapPort: 9400,
          brokerPorts: { from: 9401, to: 9600 },
          advertisedListenerPattern: '<broker_id>.second.example.com:<port>',
        }),
      ],
    });
    expect(() => plan(spec, observedState(ids(24).map((id) => broker(id))))).not.toThrow();
    const error = catchError(() => plan(spec, observedState(ids(25).map((id) => broker(id)))));
    expect(error).toMatchObject({ kind: 'listener-quota', needed: 52, available: 50 });
    expect((error as Error).message).toContain('at most 24 brokers fit');
  });

  it('counts retired ports in cool-down as listeners and says when they are released', () => {
    const spec = awsSpec({ exposures: [awsExposure({ brokerPorts: wide })] });
    const before = converged(spec, ids(49));
    const removed = applyOnce(spec, { ...before, brokers: before.brokers.filter((b) => b.id !== 49) }).after;
    const error = catchError(() => plan(spec, { ...removed, brokers: [...removed.brokers, broker(60)] }));
    expect(error).toBeInstanceOf(CapacityExceeded);
    expect((error as Error).message).toContain(
      '51 listeners (49 brokers × 1 exposure(s) + 1 bootstrap + 1 retired port(s) in cool-down)',
    );
    expect((error as Error).message).toContain(`released at ${at(T0, 3600)}`);
  });

  it('has no listener quota on GCP', () => {
    expect(() => plan(gcpSpec(), observedState(ids(60).map((id) => broker(id))))).not.toThrow();
  });
});

describe('plan: per-zone patterns', () => {
  it('names the broker and the zone when a broker is in a zone without a pattern', () => {
    const error = catchError(() => plan(awsSpec(), observedState([broker(1), broker(2, { azId: 'usw2-az4' })])));
    expect(error).toBeInstanceOf(PlanInvalid);
    expect((error as Error).message).toContain('broker 2 (10.0.0.3) is in zone "usw2-az4"');
    expect((error as Error).message).toContain('zones with patterns: usw2-az1, usw2-az2, usw2-az3');
  });

  it('reports a broker without any zone, and all such brokers at once', () => {
    const { azId: _a, ...noZone } = broker(5);
    const error = catchError(() => plan(awsSpec(), observedState([noZone, broker(6, { azId: 'elsewhere' })])));
    expect((error as PlanInvalid).problems).toHaveLength(2);
    expect((error as Error).message).toContain('broker 5 (10.0.0.6) has no zone');
  });

  it('falls back to the zone name when the broker has no zone id', () => {
    const spec = awsSpec({
      exposures: [awsExposure({ advertisedListenerPattern: { 'us-west-2a': '<broker_id>.a.example.com:<port>' } })],
    });
    const { azId: _a, ...zoneNameOnly } = broker(1, { az: 'us-west-2a' });
    expect(plan(spec, observedState([zoneNameOnly])).exposures[0]!.brokers[0]!.advertised).toBe(
      'b1.a.example.com:9093',
    );
  });

  it('rejects a rendered name that is not a valid DNS name (a placeholder filled in after validation)', () => {
    const spec = awsSpec({
      exposures: [
        awsExposure({
          advertisedListenerPattern: '<broker_id>.<unique>.example.com:<port>',
          placeholders: { unique: null },
        }),
      ],
    });
    // The orchestrator fills in a value learned from the cloud; the planner checks what it renders.
    spec.exposures[0]!.placeholders = { unique: 'Not_A_Label' };
    const error = catchError(() => plan(spec, observedState([broker(1)])));
    expect(error).toBeInstanceOf(PlanInvalid);
    expect((error as Error).message).toContain('exposure EXTERNAL, broker 1: renders "b1.Not_A_Label.example.com"');
  });
});

describe('plan: placeholders not known yet', () => {
  const pendingExposure = awsExposure({
    advertisedListenerPattern: '<broker_id>.<unique_name>.ap-northeast-1.alibaba.example.com:<port>',
    placeholders: { unique_name: null },
  });

  it('does the LB work but holds every affected broker’s config, without restarts, and explains why', () => {
    const result = plan(awsSpec({ exposures: [pendingExposure] }), observedState([broker(1), broker(2)]));
    expect(result.actions.filter((a) => a.kind === 'createMapping')).toHaveLength(3);
    expect(result.exposures[0]!.brokers.map((b) => b.advertised)).toEqual([null, null]);
    expect(result.brokers.map((b) => [b.configChange, b.restart, b.desiredListeners])).toEqual([
      ['pending', false, []],
      ['pending', false, []],
    ]);
    expect(result.restartOrder).toEqual([]);
    expect(result.pending).toEqual([
      { exposure: 'EXTERNAL', placeholders: ['unique_name'], message: expect.stringContaining('<unique_name>') },
    ]);
    expect(result.summary.inSync).toBe(false);
  });

  it('does not push the known exposure alone either, so the broker rolls once when the name is known', () => {
    const spec = awsSpec({
      exposures: [
        awsExposure(),
        {
          ...pendingExposure,
          listener: 'EXTERNAL2',
          brokerPort: 39093,
          bootstrapPort: 9192,
          brokerPorts: { from: 9193, to: 9241 },
        },
      ],
    });
    const first = applyOnce(spec, observedState([broker(1)]));
    expect(first.plan.brokers[0]!.configChange).toBe('pending');
    expect(first.plan.brokers[0]!.desiredListeners.map((l) => l.name)).toEqual(['EXTERNAL']);
    expect(first.after.brokerConfigs?.['1']?.file).toBeUndefined();

    const known = awsSpec({
      exposures: [
        awsExposure(),
        {
          ...pendingExposure,
          placeholders: { unique_name: 'ep-123abc' },
          listener: 'EXTERNAL2',
          brokerPort: 39093,
          bootstrapPort: 9192,
          brokerPorts: { from: 9193, to: 9241 },
        },
      ],
    });
    const second = applyOnce(known, first.after);
    expect(second.plan.actions).toEqual([]);
    expect(second.plan.brokers[0]!.desiredListeners.map((l) => l.advertisedHost)).toEqual([
      'b1.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com',
      'b1.ep-123abc.ap-northeast-1.alibaba.example.com',
    ]);
    expect(second.plan.restartOrder).toEqual([1]);
    expect(plan(known, second.after).summary.inSync).toBe(true);
  });
});

describe('plan: broker config and restarts', () => {
  const spec = awsSpec();
  const desired = (id: number, port: number) => ({
    EXTERNAL: {
      bind: { host: '0.0.0.0', port: 39092 },
      advertised: { host: `b${id}.usw2-az${(id % 3) + 1}.abc.us-west-2.aws.3199015.tidbcloud.com`, port },
      securityProtocol: 'PLAINTEXT',
    },
  });

  it('restarts a broker whose file is up to date but whose running config is not', () => {
    const b = broker(1);
    const result = plan(
      spec,
      observedState([b], [brokerMapping(b, 9093)], {
        brokerConfigs: { '1': { file: desired(1, 9093), running: desired(1, 9999) } },
      }),
    );
    expect(result.brokers[0]).toMatchObject({ configChange: 'none', restart: true });
    expect(result.brokers[0]!.reasons).toContain(
      'the running broker advertises EXTERNAL as b1.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com:9999, want b1.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com:9093 (restart to apply)',
    );
  });

  it('pushes but does not restart when only the file differs and the running config is already right', () => {
    const b = broker(1);
    const result = plan(
      spec,
      observedState([b], [brokerMapping(b, 9093)], {
        brokerConfigs: { '1': { file: {}, running: desired(1, 9093) } },
      }),
    );
    expect(result.brokers[0]).toMatchObject({ configChange: 'update', restart: false });
    expect(result.brokers[0]!.reasons[0]).toBe('server.properties has no EXTERNAL listener');
  });

  it('restarts after a file update when the running config was not observed, and not when nothing changes', () => {
    const b = broker(1);
    const update = plan(
      spec,
      observedState([b], [brokerMapping(b, 9093)], { brokerConfigs: { '1': { file: desired(1, 9094) } } }),
    );
    expect(update.brokers[0]).toMatchObject({ configChange: 'update', restart: true });
    const same = plan(
      spec,
      observedState([b], [brokerMapping(b, 9093)], { brokerConfigs: { '1': { file: desired(1, 9093) } } }),
    );
    expect(same.brokers[0]).toMatchObject({ configChange: 'none', restart: false });
  });

  it('reports a changed security protocol as a reason', () => {
    const b = broker(1);
    const wrong = { EXTERNAL: { ...desired(1, 9093).EXTERNAL, securityProtocol: 'SSL' } };
    const result = plan(
      spec,
      observedState([b], [brokerMapping(b, 9093)], { brokerConfigs: { '1': { file: wrong, running: wrong } } }),
    );
    expect(result.brokers[0]!.reasons).toContain('server.properties maps EXTERNAL to SSL, want PLAINTEXT');
  });

  it('refuses at plan time a listener of the exposure’s name bound elsewhere, as the config push would', () => {
    const b = broker(1);
    const moved = { EXTERNAL: { ...desired(1, 9093).EXTERNAL, bind: { host: '0.0.0.0', port: 39000 } } };
    expect(() =>
      plan(spec, observedState([b], [brokerMapping(b, 9093)], { brokerConfigs: { '1': { running: moved } } })),
    ).toThrowError(/EXTERNAL:\/\/0\.0\.0\.0:39000 is not brokerlink's/);
  });

  it('orders restarts controllers first and the active controller last, and leaves controller-only nodes out of the LB', () => {
    const result = plan(
      spec,
      observedState(
        [1, 2, 3, 4, 5].map((id) => broker(id)),
        [],
        {
          kafka: {
            controllerId: 2,
            nodeRoles: {
              '1': ['broker'],
              '2': ['broker', 'controller'],
              '3': ['broker', 'controller'],
              '4': ['broker'],
              '5': ['controller'],
            },
          },
        },
      ),
    );
    expect(result.restartOrder).toEqual([3, 1, 4, 2]);
    expect(portsOf(result)).toEqual({ 1: 9093, 2: 9094, 3: 9095, 4: 9096 });
    expect(result.warnings).toEqual([expect.stringContaining('node 5 is a controller-only node')]);
  });
});

describe('lbStages', () => {
  it('puts the expired deletes, creates, revives and opens first, without reordering', () => {
    const spec = awsSpec();
    const before = converged(spec, [1, 2, 3]);
    const removed = applyOnce(spec, { ...before, brokers: before.brokers.filter((b) => b.id !== 2) }).after;
    const back = { ...removed, observedAt: at(T0, 3600), brokers: [broker(1), broker(2), broker(3), broker(4)] };
    const result = plan(spec, back);
    const { targets, registrations } = lbStages(result.actions);
    expect([...targets, ...registrations]).toEqual(result.actions);
    expect(kinds(targets)).toEqual(['deleteMapping', 'createMapping', 'createMapping', 'openPort']);
    expect(targets.map((a) => a.port)).toEqual([9094, 9094, 9096, 9096]);
    expect(kinds(registrations).every((k) => k === 'registerTargets' || k === 'deregisterTargets')).toBe(true);
    // Applying the first stage alone leaves a consistent ledger (no port conflict).
    expect(() => applyLbActions(back, targets)).not.toThrow();
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
