/**
 * The rolling-restart gates and the verification on REAL Apache Kafka, where a home-made broker cannot show what
 * goes wrong (see ../shared/FIELD-NOTES.md, "Kafka behaviours that a home-made broker easily gets wrong"):
 *  - an unclean stop (SIGKILL) leaves the dead broker registered, unfenced and in every ISR until
 *    broker.session.timeout.ms; the health gate must not take that for "back";
 *  - every listener of a node answers BROKER DescribeConfigs, so a broker port wired to the wrong listener must be
 *    caught by what that port answers Metadata with;
 *  - a restarted broker is back only after it caught up on data produced while it was down;
 *  - a broker that never comes back stops the roll (BrokerNotReady), later brokers untouched;
 *  - a partition at min ISR makes the next broker wait, then UnsafeToRoll with the reason.
 * One cluster for the file; each test leaves it healthy and fully rolled for the next.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApacheLab, startApacheLab } from '../../demo/apache-lab.ts';
import { createProbe } from '../../shared/kafka/probe/probe.ts';
import { createLocalLoadBalancer } from '../../shared/providers/local/load-balancer.ts';
import { parseSpec } from '../../shared/spec/validate.ts';
import type { HealthState } from '../../shared/steps/roll.ts';
import { apply, failure, planOnly, restartCounts } from '../e2e/helpers.ts';

let lab: ApacheLab;

beforeAll(async () => {
  lab = await startApacheLab({ drift: 'report' });
}, 180_000);
afterAll(async () => {
  await lab?.close();
});

/** Does broker `id`'s own INTERNAL listener answer now, listing itself as live? (A dead JVM cannot.) */
async function serves(id: number): Promise<boolean> {
  const probe = createProbe({ host: lab.hostOf(id), port: lab.ports.internal, timeoutMs: 1_500 });
  try {
    return (await probe.metadata()).brokers.some((b) => b.id === id);
  } catch {
    return false;
  } finally {
    await probe.close().catch(() => undefined);
  }
}

/** A spec change every broker needs a restart for: another advertised pattern. */
async function newPattern(name: string): Promise<void> {
  await lab.updateSpec((spec) => {
    spec.exposures[0]!.advertisedListenerPattern = `<broker_id>.${name}.demo.internal:<port>`;
  });
}

describe('rolling-restart gates on real Apache Kafka', () => {
  it('unclean stop: with SIGKILL restarts a broker counts as back only once its new JVM serves and it is in every ISR', async () => {
    await lab.updateSpec((spec) => {
      spec.brokers.restart = { script: lab.killRestartScript };
    });
    const readyWhileNotServing: string[] = [];
    const rolledWhileAnotherDown: string[] = [];
    const others = (id: number) => [...lab.brokers.keys()].filter((b) => b !== id);

    const out = await apply(lab, {
      wrapTask: (task, run) => async (input) => {
        const result = await run(input);
        // Only the roll's tasks carry a batch (here one broker each: rollout.batch none).
        const batch = (input as { brokerIds?: number[] }).brokerIds ?? [];
        for (const brokerId of batch) {
          if (task === 'checkHealthy' && (result as HealthState).ready && !(await serves(brokerId))) {
            readyWhileNotServing.push(`broker ${brokerId} declared healthy while its own listener did not answer`);
          }
          if (task === 'checkCanRoll' && (result as { ok: boolean }).ok) {
            for (const other of others(brokerId)) {
              if (!(await serves(other)))
                rolledWhileAnotherDown.push(`broker ${brokerId} cleared to roll while broker ${other} was down`);
            }
          }
        }
        return result;
      },
    });

    expect(readyWhileNotServing).toEqual([]);
    expect(rolledWhileAnotherDown).toEqual([]);
    expect(out.verification.ok).toBe(true);
    expect(restartCounts(lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
    await lab.updateSpec((spec) => {
      spec.brokers.restart = { script: lab.restartScript };
    });
  });

  it('verification proves the listener: a broker port wired to the broker’s INTERNAL listener fails', async () => {
    const spec = parseSpec(lab.spec());
    const adapter = createLocalLoadBalancer({ stateFile: lab.stateFile, daemon: lab.lb });
    const mapping = (await lab.readState()).mappings.find((m) => m.role === 'broker' && m.brokerId === 2)!;
    const target = (port: number) => [{ brokerId: 2, host: lab.hostOf(2), port }];
    await adapter.start(spec, {
      kind: 'deregisterTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: mapping.port,
      targets: mapping.targets.map((t) => ({ id: t.id, port: t.port })),
    });
    await adapter.start(spec, {
      kind: 'registerTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: mapping.port,
      targets: target(lab.ports.internal),
    });
    try {
      const out = (await lab.run('provision', { cluster: spec.cluster, mode: 'verify' }).catch((e) => e)) as {
        verification?: { ok: boolean; checks: { kind: string; expectedBrokerId?: number; reasons: string[] }[] };
        detail?: string;
      };
      const text = JSON.stringify(out.verification?.checks ?? out.detail ?? out);
      expect(out.verification?.ok ?? false).toBe(false);
      expect(text).toMatch(/listener/i);
      expect(text).toContain(`${lab.hostOf(2)}:${lab.ports.internal}`);
    } finally {
      const now = (await lab.readState()).mappings.find((m) => m.port === mapping.port)!;
      await adapter.start(spec, {
        kind: 'deregisterTargets',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: mapping.port,
        targets: now.targets.map((t) => ({ id: t.id, port: t.port })),
      });
      await adapter.start(spec, {
        kind: 'registerTargets',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: mapping.port,
        targets: target(lab.ports.external),
      });
    }
    const again = (await lab.run('provision', { cluster: spec.cluster, mode: 'verify' })) as {
      verification: { ok: boolean };
    };
    expect(again.verification.ok).toBe(true);
  });

  it('a restarted broker is back only after catching up on data produced while it was down', async () => {
    const id = 3;
    await lab.kafka.stopNode(id, 'SIGTERM');
    // 20 000 records of 200 bytes into orders while broker 3 is down (acks=all works: ISR 2 of 3, min ISR 2).
    const bootstrap = [1, 2].map((b) => `${lab.hostOf(b)}:${lab.ports.internal}`).join(',');
    await lab.kafka.kafkaTool('org.apache.kafka.tools.ProducerPerformance', [
      '--topic',
      'orders',
      '--num-records',
      '20000',
      '--record-size',
      '200',
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${bootstrap}`,
      'acks=all',
    ]);
    await lab.kafka.startNode(id);
    const { checkHealthy } = await import('../../shared/steps/roll.ts');
    const spec = parseSpec(lab.spec());
    let state: HealthState | undefined;
    const deadline = Date.now() + 120_000;
    while (!state?.ready) {
      if (Date.now() > deadline)
        throw new Error(`broker ${id} not healthy: ${state?.brokers[0]?.readiness.lastReasons.join('; ')}`);
      state = await checkHealthy(spec, [id], state, lab.deps());
      if (!state.ready) await new Promise((r) => setTimeout(r, 500));
    }
    // At "healthy", broker 3 holds every record its leaders hold (Kafka's own log-dirs view, per replica).
    const sizes = await replicaSizes();
    const behind = [...sizes.entries()].filter(([, bySize]) => new Set(bySize.values()).size > 1);
    expect(behind).toEqual([]);
  });

  it('a broker that never comes back (its restart breaks its own config) stops the roll with BrokerNotReady', async () => {
    await newPattern('kafka2');
    await lab.updateSpec((spec) => {
      spec.rollout = { ...spec.rollout, healthTimeoutSeconds: 25 };
    });
    const order = (await planOnly(lab)).restartOrder;
    const broken = order[0]!;
    const file = lab.propertiesFile(broken);
    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}num.network.threads=not-a-number\n`);
    const before = restartCounts(lab);

    const failed = await failure(apply(lab));

    expect(failed.error).toBe('BrokerNotReady');
    expect(failed.detail).toContain(`node ${broken}`);
    expect(lab.brokers.get(broken)!.node.running()).toBe(false);
    for (const id of order.slice(1)) expect(restartCounts(lab)[id]).toBe(before[id]);
    // Repair by hand, then finish the roll (restores the cluster for the next test).
    await writeFile(file, (await readFile(file, 'utf8')).replace('num.network.threads=not-a-number\n', ''));
    await lab.runRestartScript(broken);
    await lab.waitInSync(broken);
    await lab.updateSpec((spec) => {
      spec.rollout = { ...spec.rollout, healthTimeoutSeconds: 120 };
    });
    const out = await apply(lab);
    expect(out.verification.ok).toBe(true);
  });

  it('with one broker down and a topic at min ISR, the next broker waits, then UnsafeToRoll names the partition', async () => {
    await newPattern('kafka3');
    await lab.updateSpec((spec) => {
      spec.rollout = { ...spec.rollout, canRollTimeoutSeconds: 8 };
    });
    const before = restartCounts(lab);
    let down: number | undefined;
    let gated: number | undefined;
    let gateChecks = 0;
    try {
      const failed = await failure(
        apply(lab, {
          // Another broker goes down (SIGTERM, stays down) just before the first gate: every orders partition is
          // then at ISR 2 = min.insync.replicas 2, with the broker to roll in it.
          wrapTask: (task, run) => async (input) => {
            if (task === 'checkCanRoll') {
              gateChecks += 1;
              gated = (input as { brokerIds: number[] }).brokerIds[0]!;
              if (down === undefined) {
                down = [...lab.brokers.keys()].find((id) => id !== gated)!;
                await lab.kafka.stopNode(down, 'SIGTERM');
              }
            }
            return run(input);
          },
        }),
      );
      expect(failed.error).toBe('UnsafeToRoll');
      expect(failed.detail).toContain(`node ${gated}`);
      expect(failed.detail).toMatch(/orders-\d+ has ISR \[[\d, ]+\] = min\.insync\.replicas 2/);
      expect(gateChecks).toBeGreaterThan(1);
      expect(restartCounts(lab)).toEqual(before);
    } finally {
      if (down !== undefined) {
        await lab.kafka.startNode(down);
        await lab.waitInSync(down);
      }
    }
  });
});

/** Per partition of `orders`: replica size in bytes per broker, from Kafka's own kafka-log-dirs. */
async function replicaSizes(): Promise<Map<string, Map<number, number>>> {
  const bootstrap = `${lab.hostOf(1)}:${lab.ports.internal}`;
  const stdout = await lab.kafka.kafkaTool('org.apache.kafka.tools.LogDirsCommand', [
    '--bootstrap-server',
    bootstrap,
    '--describe',
    '--topic-list',
    'orders',
  ]);
  const json = JSON.parse(stdout.split('\n').find((l) => l.trim().startsWith('{'))!) as {
    brokers: { broker: number; logDirs: { partitions: { partition: string; size: number }[] }[] }[];
  };
  const out = new Map<string, Map<number, number>>();
  for (const b of json.brokers) {
    for (const dir of b.logDirs) {
      for (const p of dir.partitions) {
        const bySize = out.get(p.partition) ?? new Map<number, number>();
        bySize.set(b.broker, p.size);
        out.set(p.partition, bySize);
      }
    }
  }
  return out;
}
