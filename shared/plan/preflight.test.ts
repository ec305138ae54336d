import { describe, expect, it } from 'vitest';
import { PlanInvalid } from './errors.ts';
import { plan } from './planner.ts';
import { awsExposure, awsSpec, broker, observedState } from './testing/fixtures.ts';

/* Plan-time refusals of what the config push would refuse after the load balancer changed (./preflight.ts). */

const seedListeners = (id: number) => ({
  INTERNAL: {
    bind: { host: '0.0.0.0', port: 9092 },
    advertised: { host: broker(id).host, port: 9092 },
    securityProtocol: 'PLAINTEXT',
  },
  CONTROLLER: { bind: { host: '0.0.0.0', port: 29092 }, securityProtocol: 'PLAINTEXT' },
});
const running = (ids: number[]) =>
  Object.fromEntries(ids.map((id) => [String(id), { running: seedListeners(id) }])) as NonNullable<
    Parameters<typeof observedState>[2]
  >['brokerConfigs'];

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof PlanInvalid) return error.problems;
    throw error;
  }
  return [];
}

describe('plan: listener collisions are refused before any LB action', () => {
  const brokers = [broker(1), broker(2), broker(3)];

  it.each([
    ['INTERNAL', "INTERNAL://0.0.0.0:9092 is not brokerlink's"],
    ['CONTROLLER', "CONTROLLER://0.0.0.0:29092 is not brokerlink's"],
  ])('an exposure named %s, like a listener the brokers run', (listener, reason) => {
    const spec = awsSpec({ exposures: [awsExposure({ listener })] });
    expect(problemsOf(() => plan(spec, observedState(brokers, [], { brokerConfigs: running([1, 2, 3]) })))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^exposures\\[0\\] \\(listener ${listener}, broker port 39092\\) collides with a listener brokers 1, 2, 3 already run: ${reason.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`,
        ),
      ),
    ]);
  });

  it('an exposure whose broker port another listener binds', () => {
    const spec = awsSpec({ exposures: [awsExposure({ brokerPort: 29092 })] });
    expect(problemsOf(() => plan(spec, observedState(brokers, [], { brokerConfigs: running([2]) })))).toEqual([
      expect.stringContaining('a listener broker 2 already runs: CONTROLLER://0.0.0.0:29092 already binds port 29092'),
    ]);
  });

  it('plans as before when the brokers run brokerlink’s own listener or their config is unknown', () => {
    const spec = awsSpec();
    const configs = {
      ...running([2]),
      '1': { running: { ...seedListeners(1), EXTERNAL: { bind: { host: '0.0.0.0', port: 39092 } } } },
    };
    expect(problemsOf(() => plan(spec, observedState(brokers, [], { brokerConfigs: configs })))).toEqual([]);
  });
});

describe('plan: swapped node ids are refused before any LB action', () => {
  it('names both brokers, the addresses and the tag to fix', () => {
    const one = broker(1);
    const three = broker(3);
    const swapped = [
      { ...one, host: three.host, instanceId: three.instanceId! },
      { ...three, host: one.host, instanceId: one.instanceId! },
    ];
    expect(problemsOf(() => plan(awsSpec(), observedState(swapped, [], { brokerConfigs: running([1, 3]) })))).toEqual([
      `broker 1 was found at instance ${three.instanceId} (${three.host}), but broker 1 advertises INTERNAL at ${one.host}, where broker 3 was found: the two hosts' node ids are swapped or wrong. Fix the "kafka-node-id" tag of ${three.instanceId} (it says 1). Nothing was changed.`,
      `broker 3 was found at instance ${one.instanceId} (${one.host}), but broker 3 advertises INTERNAL at ${three.host}, where broker 1 was found: the two hosts' node ids are swapped or wrong. Fix the "kafka-node-id" tag of ${one.instanceId} (it says 3). Nothing was changed.`,
    ]);
  });

  it('does not judge a broker that advertises a name rather than another broker’s address', () => {
    const named = { ...seedListeners(1).INTERNAL, advertised: { host: 'kafka-1.internal', port: 9092 } };
    const configs = { '1': { running: { ...seedListeners(1), INTERNAL: named } } };
    expect(problemsOf(() => plan(awsSpec(), observedState([broker(1)], [], { brokerConfigs: configs })))).toEqual([]);
  });
});
