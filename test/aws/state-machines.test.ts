import { afterEach, describe, expect, it } from 'vitest';
import { StateMachineFailed } from '../../shared/orchestration/errors.ts';
import { readListenerConfig } from '../../shared/properties/listeners.ts';
import { AwsBed, CLUSTER, isMutating } from './bed.ts';

let bed: AwsBed | undefined;
afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

function externalOf(text: string) {
  const config = readListenerConfig(text);
  return {
    bind: config.listeners.endpoints.find((endpoint) => endpoint.name === 'EXTERNAL'),
    advertised: config.advertisedListeners.endpoints.find((endpoint) => endpoint.name === 'EXTERNAL'),
  };
}

describe('provision state machine on AWS (fake control plane, real brokers and files)', () => {
  it('applies 3 brokers: target groups, listeners, SG ports, config, gated restarts, verification through the NLB', async () => {
    bed = await AwsBed.start({ brokers: 3 });
    const { output } = await bed.run('provision', { cluster: CLUSTER, mode: 'apply' });

    const done = output as { mode: string; verification: { ok: boolean }; report: unknown };
    expect(done.mode).toBe('apply');
    expect(done.verification.ok).toBe(true);
    const ports = [...bed.aws.state.listeners.values()].map((listener) => listener.port).sort();
    expect(ports).toEqual([9092, 9093, 9094, 9095]);
    for (const id of [1, 2, 3]) {
      const external = externalOf(await bed.fileText(id));
      expect(external.bind).toMatchObject({ host: '0.0.0.0', port: 39092 });
      expect(external.advertised).toMatchObject({ host: `b${id}.orders.example.com`, port: 9092 + id });
      expect(bed.brokers.get(id)!.kafka.running).toBe(true);
    }
    expect([...bed.restartLog].sort()).toEqual([1, 2, 3]);
    // The lock is released: the next execution can take it.
    const again = await bed.run('provision', { cluster: CLUSTER, mode: 'plan' });
    expect(again.output).toMatchObject({ mode: 'plan' });
  });
});
