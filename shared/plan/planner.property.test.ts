import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DiscoveredBroker, ObservedState } from '../model/observed.ts';
import type { Plan } from '../model/plan.ts';
import { plan } from './planner.ts';
import { planToJson } from './render.ts';
import { AWS_ZONES, awsExposure, awsSpec, observedState, T0 } from './testing/fixtures.ts';
import { applyPlan } from './testing/ledger-sim.ts';

/*
 * Property tests of the port registry: random histories of brokers joining, leaving, coming back, being replaced
 * and discovery reordering, with time passing. After each step the plan is applied to the simulated ledger.
 */

const COOLDOWN = 100;
const POOL = [0, 1, 2, 3, 5, 8, 13, 1001, 2002, 2147483647] as const;

const spec = awsSpec({
  rollout: { portCooldownSeconds: COOLDOWN },
  exposures: [
    awsExposure({ brokerPorts: { from: 9093, to: 9104 } }),
    awsExposure({
      listener: 'EXTERNAL2',
      brokerPort: 39093,
      bootstrapPort: 9200,
      brokerPorts: { from: 9201, to: 9212 },
      advertisedListenerPattern: '<broker_id>.second.example.com:<port>',
    }),
  ],
});
const LISTENERS = spec.exposures.map((e) => e.listener);

type Op =
  | { kind: 'add'; id: number }
  | { kind: 'remove'; id: number }
  | { kind: 'replace'; id: number }
  | { kind: 'reorder'; seed: number }
  | { kind: 'wait'; seconds: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), id: fc.constantFrom(...POOL) }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.constantFrom(...POOL) }),
  fc.record({ kind: fc.constant('replace' as const), id: fc.constantFrom(...POOL) }),
  fc.record({ kind: fc.constant('reorder' as const), seed: fc.integer({ min: 1, max: 2 ** 30 }) }),
  fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 0, max: 3 * COOLDOWN }) }),
);

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function makeBroker(id: number, generation: number): DiscoveredBroker {
  return {
    id,
    host: `10.${generation % 200}.${Math.floor((id % 60000) / 250)}.${(id % 250) + 1}`,
    instanceId: `i-${id.toString(16)}-${generation}`,
    azId: AWS_ZONES[id % AWS_ZONES.length]!,
  };
}

function portsByExposure(p: Plan): Map<string, Map<number, number>> {
  return new Map(p.exposures.map((e) => [e.listener, new Map(e.brokers.map((b) => [b.id, b.port]))]));
}

interface PortOwner {
  owner: number;
  /** observedAt (ms) of the plan that retired it; undefined while the owner is present. */
  releasedAt?: number;
}

/** Runs a history, checking the invariants after every step. */
function runHistory(ops: readonly Op[]): void {
  let now = Date.parse(T0);
  let generation = 0;
  let order = 1;
  const present = new Map<number, DiscoveredBroker>();
  let ledger: ObservedState = observedState([]);
  let previous: Map<string, Map<number, number>> | undefined;
  const owners = new Map<string, Map<number, PortOwner>>(LISTENERS.map((l) => [l, new Map()]));

  for (const op of ops) {
    switch (op.kind) {
      case 'add':
        if (!present.has(op.id)) present.set(op.id, makeBroker(op.id, generation++));
        break;
      case 'remove':
        present.delete(op.id);
        break;
      case 'replace':
        if (present.has(op.id)) present.set(op.id, makeBroker(op.id, generation++));
        break;
      case 'reorder':
        order = op.seed;
        break;
      case 'wait':
        now += op.seconds * 1000;
        break;
    }
    const observed: ObservedState = {
      ...ledger,
      observedAt: new Date(now).toISOString(),
      brokers: shuffle([...present.values()], order),
    };
    const result = plan(spec, observed);

    // Deterministic: the same inputs in another order give the same bytes.
    const reordered: ObservedState = {
      ...observed,
      brokers: shuffle(observed.brokers, order + 7),
      loadBalancer: {
        mappings: shuffle(observed.loadBalancer.mappings, order + 11),
        openPorts: shuffle(observed.loadBalancer.openPorts, order + 13),
      },
    };
    expect(planToJson(plan(spec, reordered))).toBe(planToJson(result));

    const ports = portsByExposure(result);
    const everyPort = [
      ...[...ports.values()].flatMap((m) => [...m.values()]),
      ...result.exposures.flatMap((e) => e.bootstrapPorts),
    ];
    // Unique per exposure and across the load balancer.
    expect(new Set(everyPort).size).toBe(everyPort.length);

    for (const listener of LISTENERS) {
      const current = ports.get(listener)!;
      const ledgerOfListener = owners.get(listener)!;
      expect([...current.keys()].sort((a, b) => a - b)).toEqual([...present.keys()].sort((a, b) => a - b));
      for (const [id, port] of current) {
        // Never moves the port of a broker that stayed.
        const before = previous?.get(listener)?.get(id);
        if (before !== undefined) expect(port).toBe(before);
        // Never hands a port in cool-down to another broker.
        const holder = ledgerOfListener.get(port);
        if (holder !== undefined && holder.owner !== id) {
          expect(holder.releasedAt).toBeDefined();
          expect(now).toBeGreaterThanOrEqual(holder.releasedAt! + COOLDOWN * 1000);
        }
        // A broker back inside its cool-down gets its old port.
        for (const [oldPort, record] of ledgerOfListener) {
          if (record.owner === id && record.releasedAt !== undefined && now < record.releasedAt + COOLDOWN * 1000) {
            expect(port).toBe(oldPort);
          }
        }
      }
      for (const [port, record] of ledgerOfListener) {
        if (record.releasedAt === undefined && current.get(record.owner) !== port) record.releasedAt = now;
      }
      for (const [id, port] of current) ledgerOfListener.set(port, { owner: id });
    }

    // Idempotent: after applying, planning again at the same instant has nothing to do.
    ledger = applyPlan(observed, result);
    const again = plan(spec, ledger);
    expect(again.actions).toEqual([]);
    expect(again.restartOrder).toEqual([]);
    previous = ports;
  }
}

describe('plan: properties of the port registry', () => {
  it('never moves a broker’s port, never reuses a port in cool-down, keeps ports unique, is deterministic and converges', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        runHistory(ops);
      }),
      { numRuns: 150 },
    );
  });

  it('replays a hand-written history: leave, replace, return inside and after the cool-down', () => {
    runHistory([
      { kind: 'add', id: 1 },
      { kind: 'add', id: 2 },
      { kind: 'add', id: 2147483647 },
      { kind: 'remove', id: 1 },
      { kind: 'add', id: 5 },
      { kind: 'replace', id: 2 },
      { kind: 'wait', seconds: COOLDOWN / 2 },
      { kind: 'add', id: 1 },
      { kind: 'remove', id: 5 },
      { kind: 'wait', seconds: COOLDOWN },
      { kind: 'add', id: 8 },
      { kind: 'reorder', seed: 42 },
      { kind: 'add', id: 5 },
    ]);
  });
});
