import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../spec/validate.ts';
import { ObservedStateInvalid } from './errors.ts';
import { parseObservedState, parseObservedStateText, validateObservedState } from './observed-schema.ts';
import { plan } from './planner.ts';
import { awsSpec, broker, observedState } from './testing/fixtures.ts';
import { applyPlan } from './testing/ledger-sim.ts';

const valid = {
  observedAt: '2026-05-01T12:00:00Z',
  brokers: [{ id: 1, host: '10.0.1.11', instanceId: 'i-0a1', azId: 'usw2-az1', state: 'running' }],
  loadBalancer: {
    mappings: [
      {
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093,
        brokerId: 1,
        targets: [{ id: 'i-0a1', port: 39092, health: 'healthy' }],
      },
      { exposure: 'EXTERNAL', role: 'broker', port: 9094, brokerId: 2, targets: [], retiredAt: '2026-05-01T11:00:00Z' },
    ],
    openPorts: [9092, 9093],
  },
  brokerConfigs: {
    '1': { running: { EXTERNAL: { bind: { host: '0.0.0.0', port: 39092 }, securityProtocol: 'PLAINTEXT' } } },
  },
  kafka: { controllerId: 1, nodeRoles: { '1': ['broker', 'controller'] } },
};

describe('observed state schema', () => {
  it('accepts a complete snapshot', () => {
    expect(validateObservedState(valid)).toEqual({ ok: true, observed: valid });
  });

  it('accepts a rack topology (rollout.batch rack) and names the field of a bad one', () => {
    const topology = {
      racks: { '1': 'a', '2': 'a' },
      blocked: {},
      constraints: [
        {
          rack: 'a',
          members: [1, 2],
          capacity: 1,
          witness: {
            kind: 'partition',
            partition: 'orders-0',
            replicas: [1, 2, 3],
            isr: [1, 2, 3],
            minIsr: 2,
            rule: 'min-isr',
            alike: 0,
          },
        },
      ],
    };
    const withTopology = { ...valid, kafka: { ...valid.kafka, topology } };
    expect(validateObservedState(withTopology)).toEqual({ ok: true, observed: withTopology });
    const bad = {
      ...valid,
      kafka: { ...valid.kafka, topology: { ...topology, constraints: [{ ...topology.constraints[0], capacity: 0 }] } },
    };
    const result = validateObservedState(bad);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toEqual(['kafka.topology.constraints[0].capacity']);
  });

  it('accepts what the planner’s own simulation produces (round trip through JSON)', () => {
    const start = observedState([broker(1), broker(2)]);
    const after = applyPlan(start, plan(awsSpec(), start));
    expect(parseObservedState(JSON.parse(JSON.stringify(after)))).toEqual(after);
  });

  it('rejects unknown keys, naming the path and the key', () => {
    const result = validateObservedState({ ...valid, loadBalancer: { ...valid.loadBalancer, openports: [] } });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: 'loadBalancer', message: 'has unknown key "openports"; remove or fix the spelling' }],
    });
  });

  it('reports every problem at once, with paths', () => {
    const result = validateObservedState({
      observedAt: 'yesterday',
      brokers: [{ id: -1, host: '' }],
      loadBalancer: {
        mappings: [{ exposure: 'EXTERNAL', role: 'broker', port: 70000, targets: [], retiredAt: 'soon' }],
      },
    });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'observedAt',
        'brokers[0].id',
        'brokers[0].host',
        'loadBalancer.mappings[0].port',
        'loadBalancer.mappings[0].retiredAt',
        'loadBalancer.openPorts',
      ]),
    );
  });

  it('rejects a bootstrap mapping with a broker id or a retirement time', () => {
    const result = validateObservedState({
      ...valid,
      loadBalancer: {
        mappings: [{ exposure: 'EXTERNAL', role: 'bootstrap', port: 9092, brokerId: 1, targets: [] }],
        openPorts: [],
      },
    });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: 'loadBalancer.mappings[0].brokerId', message: 'is only valid on a broker mapping' },
    ]);
  });

  it('rejects broker config keys that are not node ids', () => {
    const result = validateObservedState({ ...valid, brokerConfigs: { one: {} } });
    expect(result.ok ? [] : result.issues.map((i) => i.message)).toEqual([
      expect.stringContaining('keys are node ids written as strings'),
    ]);
  });

  it('parses YAML or JSON text and throws ObservedStateInvalid with the source named', () => {
    expect(parseObservedStateText(JSON.stringify(valid))).toEqual(valid);
    expect(() => parseObservedStateText('observedAt: [', 'snap.yaml')).toThrow(ObservedStateInvalid);
    expect(() => parseObservedStateText('observedAt: x\nbrokers: []\n', 'snap.yaml')).toThrow(/snap\.yaml is invalid/);
  });

  it('accepts the example in docs/observed-state.md, and plans from it what the document says', () => {
    const doc = readFileSync(new URL('../../docs/observed-state.md', import.meta.url), 'utf8');
    const json = doc.match(/```json\n([\s\S]*?)\n```/)?.[1];
    expect(json).toBeDefined();
    const observed = parseObservedStateText(json!, 'docs example');
    const spec = parseSpecText(readFileSync(new URL('../../docs/examples/aws-orders.yaml', import.meta.url), 'utf8'));
    const result = plan(spec, observed);
    expect(result.exposures[0]!.brokers.map((b) => [b.id, b.port, b.lb])).toEqual([
      [1, 9093, 'ok'],
      [2, 9094, 'ok'],
      [3, 9096, 'create'],
    ]);
    expect(result.exposures[0]!.retired).toEqual([
      { port: 9095, brokerId: 4, retiredAt: '2026-05-01T11:50:00Z', reusableAt: '2026-05-02T11:50:00.000Z' },
    ]);
    expect(result.actions.map((a) => `${a.kind} ${a.port}`)).toEqual([
      'createMapping 9096',
      'openPort 9096',
      'registerTargets 9092',
    ]);
    expect(result.restartOrder).toEqual([2, 3]);
  });
});
