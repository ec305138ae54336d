import { describe, expect, it } from 'vitest';
import type { ListenerView } from '../model/observed.ts';
import { driftOf } from '../steps/drift.ts';
import { plan } from './planner.ts';
import { awsExposure, awsSpec, broker, brokerMapping, observedState } from './testing/fixtures.ts';

/*
 * Issue 13, items 2 and 4 at the planner: ports recovered from the brokers' advertised listeners when the ledger
 * lost them, port moves said loudly, a down broker reported as down (not pushed, not restarted), and mappings
 * brokerlink does not manage inside its ranges as drift.
 */

const desired = (id: number, port: number): Record<string, ListenerView> => ({
  EXTERNAL: {
    bind: { host: '0.0.0.0', port: 39092 },
    advertised: { host: `b${id}.${broker(id).azId}.abc.us-west-2.aws.3199015.tidbcloud.com`, port },
    securityProtocol: 'PLAINTEXT',
  },
});
const running = (ports: Record<number, number>) =>
  Object.fromEntries(Object.entries(ports).map(([id, port]) => [id, { running: desired(Number(id), port) }]));

describe('plan: ports recovered from what running brokers advertise', () => {
  it('with the ledger lost, every broker keeps the port it advertises: no port moves, no restart', () => {
    const brokers = [broker(1), broker(2), broker(3)];
    const result = plan(
      awsSpec(),
      observedState(brokers, [], { brokerConfigs: running({ 1: 9097, 2: 9093, 3: 9101 }) }),
    );
    expect(result.exposures[0]!.brokers.map((b) => [b.id, b.port, b.lb])).toEqual([
      [1, 9097, 'create'],
      [2, 9093, 'create'],
      [3, 9101, 'create'],
    ]);
    expect(result.portMoves).toEqual([]);
    expect(result.restartOrder).toEqual([]);
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'broker 1 keeps port 9097, which it advertises, though the port ledger holds no port for it',
        ),
      ]),
    );
  });

  it('recovers no port that two brokers advertise, or that lies outside the range or is held: those move, loudly', () => {
    const brokers = [broker(1), broker(2), broker(3), broker(4)];
    const result = plan(
      awsSpec(),
      observedState(brokers, [brokerMapping(broker(4), 9095)], {
        brokerConfigs: running({ 1: 9100, 2: 9100, 3: 9500, 4: 9095 }),
      }),
    );
    const ports = Object.fromEntries(result.exposures[0]!.brokers.map((b) => [b.id, b.port]));
    expect(ports).toEqual({ 1: 9093, 2: 9094, 3: 9096, 4: 9095 });
    expect(result.portMoves).toEqual([
      { exposure: 'EXTERNAL', brokerId: 1, from: 9100, to: 9093 },
      { exposure: 'EXTERNAL', brokerId: 2, from: 9100, to: 9094 },
      { exposure: 'EXTERNAL', brokerId: 3, from: 9500, to: 9096 },
    ]);
    expect(result.warnings.filter((w) => w.startsWith('MOVES PORT: '))).toHaveLength(3);
  });

  it('a drift repair makes a port move only with drift.allowPortMoves: true', () => {
    const result = plan(awsSpec(), observedState([broker(1)], [], { brokerConfigs: running({ 1: 9500 }) }));
    expect(result.portMoves).toHaveLength(1);
    const held = driftOf(result, { action: 'repair', allowPortMoves: false });
    expect(held).toMatchObject({ repair: false, held: [expect.stringContaining('set drift.allowPortMoves: true')] });
    expect(held.details[0]).toBe('broker 1 would move EXTERNAL from port 9500 (what consumers use now) to 9093');
    expect(driftOf(result, { action: 'repair', allowPortMoves: true })).toMatchObject({ repair: true, held: [] });
  });
});

describe('plan: what is not a port move', () => {
  it('a broker the ledger holds a port for, advertising a port no mapping routes to it, is repaired without opt-in', () => {
    // Config management put broker 1 on port 9500; the ledger holds 9093 for it and nothing routes 9500 to it, so no
    // consumer can be using 9500 through the load balancer.
    const result = plan(
      awsSpec(),
      observedState([broker(1)], [brokerMapping(broker(1), 9093)], { brokerConfigs: running({ 1: 9500 }) }),
    );
    expect(result.portMoves).toEqual([]);
    expect(result.brokers[0]).toMatchObject({ restart: true });
    expect(driftOf(result, { action: 'repair', allowPortMoves: false })).toMatchObject({ repair: true, held: [] });
  });

  it('a broker advertising another host than the load balancer’s is a listener change, not a port move', () => {
    const views = desired(1, 9500);
    views['EXTERNAL'] = { ...views['EXTERNAL']!, advertised: { host: 'kafka-1.old.internal', port: 9500 } };
    const result = plan(awsSpec(), observedState([broker(1)], [], { brokerConfigs: { 1: { running: views } } }));
    expect(result.portMoves).toEqual([]);
    expect(result.warnings.filter((w) => w.startsWith('MOVES PORT: '))).toEqual([]);
  });
});

describe('plan: a broker that is down', () => {
  it('is down when Kafka answers without it, or its instance is stopped: not pushed, not restarted, drift that needs a person', () => {
    // Broker 3 was mapped before its instance stopped, and its target has since been deregistered; broker 4, stopped
    // too, never was mapped. RegisterTargets refuses a stopped instance: nothing is registered for either.
    const brokers = [broker(1), broker(2), broker(3, { state: 'stopped' }), broker(4, { state: 'stopped' })];
    const result = plan(
      awsSpec(),
      observedState(brokers, [brokerMapping(broker(3), 9095, { targets: [] })], {
        kafka: { controllerId: 1, liveBrokers: [1] },
        brokerConfigs: running({ 1: 9093 }),
      }),
    );
    const byId = Object.fromEntries(result.brokers.map((b) => [b.id, b]));
    expect(byId[2]).toMatchObject({
      configChange: 'down',
      restart: false,
      reasons: [expect.stringContaining('broker 2 is down (Kafka answers, but without it')],
    });
    expect(byId[3]).toMatchObject({
      configChange: 'down',
      restart: false,
      reasons: [expect.stringContaining('broker 3 is down (instance stopped)')],
    });
    expect(result.restartOrder).toEqual([]);
    expect(result.exposures[0]!.brokers.map((b) => [b.id, b.port])).toEqual([
      [1, 9093],
      [2, 9094],
      [3, 9095], // it keeps its port
    ]);
    const registered = result.actions.flatMap((a) => (a.kind === 'registerTargets' ? a.targets : []));
    expect(registered.filter((t) => t.brokerId === 3 || t.brokerId === 4)).toEqual([]);
    expect(byId[4]).toBeUndefined();
    expect(result.warnings).toContainEqual(
      expect.stringMatching(/^broker 4 .* is stopped: not registered, pushed or restarted until it runs$/),
    );
    expect(result.summary.inSync).toBe(false);
    const report = driftOf(result, { action: 'repair', allowPortMoves: false });
    expect(report.details.filter((d) => d.includes('is down'))).toHaveLength(2);
    expect(report.details.some((d) => d.includes('running config not observed'))).toBe(false);
  });

  it('is not judged down when Kafka could not be asked at all', () => {
    const result = plan(awsSpec(), observedState([broker(1)], []));
    expect(result.brokers[0]!.configChange).toBe('unknown');
  });
});

describe('plan: mappings brokerlink does not manage, inside its ranges', () => {
  it('are drift a person resolves: a repair does not start for them alone', () => {
    const b = broker(1);
    const result = plan(
      awsSpec({ exposures: [awsExposure()] }),
      observedState([b], [brokerMapping(b, 9093), { ...brokerMapping(broker(9), 9095), exposure: 'LEGACY' }], {
        brokerConfigs: running({ 1: 9093 }),
      }),
    );
    expect(result.unmanaged).toEqual([
      {
        port: 9095,
        listener: 'LEGACY',
        role: 'broker',
        insideRangeOf: 'EXTERNAL',
        why: 'a broker mapping of listener "LEGACY", which is not in the spec',
      },
    ]);
    expect(result.summary.inSync).toBe(false);
    const report = driftOf(result, { action: 'repair', allowPortMoves: false });
    expect(report.details).toContainEqual(
      expect.stringContaining('port 9095 (inside brokerPorts of EXTERNAL) has a broker mapping of listener "LEGACY"'),
    );
    // When it is the only drift left, no repair starts for it (an apply would change nothing).
    const otherwiseInSync = {
      ...result,
      actions: [],
      brokers: result.brokers.map((planned) => ({ ...planned, configChange: 'none' as const, restart: false })),
    };
    expect(driftOf(otherwiseInSync, { action: 'repair', allowPortMoves: false })).toMatchObject({
      drift: 1,
      repair: false,
      held: ['nothing here is for an apply to change: the rest needs a person'],
    });
  });
});
