/**
 * End to end on REAL Apache Kafka (testkit/apache-kafka): a 3-node combined-mode KRaft cluster from seed-like
 * server.properties, the local provider's load balancer, the real provision and drift-check state machines, and
 * real restarts (SIGTERM, wait for the JVM to exit, start again with the edited file). One cluster for the whole
 * file; the tests run in order and each leaves the cluster as the next one expects it (documented per test).
 * Then the consumer's view with clients nobody here wrote: kcat, Kafka's own kafka-broker-api-versions, and
 * @platformatic/kafka's Producer/Consumer through the advertised names mapped to the LB.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApacheLab, startApacheLab } from '../../demo/apache-lab.ts';
import { createProbe } from '../../shared/kafka/probe/probe.ts';
import { createLocalLoadBalancer } from '../../shared/providers/local/load-balancer.ts';
import { parseSpec } from '../../shared/spec/validate.ts';
import { hostOf, javaHostsFile, withHostsMapping } from '../../testkit/apache-kafka/clients.ts';
import { KAFKA_VERSION } from '../../testkit/apache-kafka/install.ts';
import {
  apply,
  brokerPorts,
  durableFiles,
  ledgerView,
  lockFileExists,
  planOnly,
  restartCounts,
} from '../e2e/helpers.ts';

const run = promisify(execFile);
let lab: ApacheLab;

beforeAll(async () => {
  lab = await startApacheLab({ drift: 'repair' });
}, 180_000);
afterAll(async () => {
  await lab?.close();
});

/** The advertised EXTERNAL address of every broker, as the plan says. */
async function plannedAdvertised(): Promise<Map<number, string>> {
  const plan = await planOnly(lab);
  const out = new Map<number, string>();
  for (const exposure of plan.exposures) {
    for (const b of exposure.brokers) if (b.advertised) out.set(b.id, b.advertised);
  }
  return out;
}

function bootstrap(): string {
  return `127.0.0.1:${lab.ports.bootstrap}`;
}

describe(`provision on real Apache Kafka ${KAFKA_VERSION} (3 KRaft combined nodes)`, () => {
  it('the probe negotiates and decodes real Kafka versions: Metadata, DescribeConfigs, DescribeQuorum, Produce, Fetch', async () => {
    const probe = createProbe({ host: lab.hostOf(1), port: lab.ports.internal, timeoutMs: 5_000 });
    try {
      const { negotiated } = await probe.apiVersions();
      // Kafka 4.x: Produce ≤ 12, Fetch ≤ 17, Metadata ≤ 13, DescribeQuorum ≤ 2; the client's highest versions win.
      expect(negotiated).toMatchObject({ Produce: 11, Fetch: 12, Metadata: 12, DescribeConfigs: 4, DescribeQuorum: 2 });
      // kafka-topics returns once the controller created the topic; broker 1 learns it from the metadata log a
      // moment later (UNKNOWN_TOPIC_OR_PARTITION until then), so ask until it knows a partition it leads, bounded.
      let metadata = await probe.metadata({ topics: ['orders'] });
      for (let tries = 0; tries < 60 && !metadata.topics[0]?.partitions.some((p) => p.leader === 1); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        metadata = await probe.metadata({ topics: ['orders'] });
      }
      const partition = metadata.topics[0]!.partitions.find((p) => p.leader === 1);
      expect(partition, JSON.stringify(metadata.topics)).toBeDefined();
      const value = Buffer.from(`probe-${Date.now()}`);
      const { baseOffset } = await probe.produce('orders', partition!.index, Buffer.from('k'), value);
      const records = await probe.fetch('orders', partition!.index, baseOffset);
      expect(records[0]?.value?.toString()).toBe(value.toString());
      const quorum = await probe.describeQuorum();
      expect(quorum?.voters.map((v) => v.id).sort()).toEqual([1, 2, 3]);
      expect(quorum!.leaderId).toBeGreaterThan(0);
      const identity = await probe.expectBroker(1);
      expect(identity.processRoles).toEqual(['broker', 'controller']);
    } finally {
      await probe.close();
    }
  });

  it('full apply from seed-like files: LB mappings, EXTERNAL listeners, each broker restarted once, verified', async () => {
    const before = await readFile(lab.propertiesFile(1), 'utf8');
    expect(before).not.toContain('EXTERNAL');

    const out = await apply(lab);

    expect(out.verification.ok).toBe(true);
    expect(out.report.changes.lbActions).toBe(8);
    expect([...out.report.changes.configsWritten].sort()).toEqual([1, 2, 3]);
    expect([...out.report.changes.restarted].sort()).toEqual([1, 2, 3]);
    expect(restartCounts(lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
    const ports = await brokerPorts(lab);
    for (const id of [1, 2, 3]) {
      const text = await readFile(lab.propertiesFile(id), 'utf8');
      expect(text).toContain(`EXTERNAL://0.0.0.0:${lab.ports.external}`);
      expect(text).toContain(`EXTERNAL://b${id}.kafka.demo.internal:${ports.get(id)}`);
    }
    expect(lockFileExists(lab)).toBe(false);
  });

  it('changes nothing on a re-run: zero LB changes, zero writes, zero restarts', async () => {
    const files = await durableFiles(lab);
    const version = (await lab.readState()).version;

    const again = await apply(lab);

    expect(again.verification.ok).toBe(true);
    expect(again.report.changes).toEqual({ lbActions: 0, configsWritten: [], restarted: [] });
    expect((await lab.readState()).version).toBe(version);
    expect(restartCounts(lab)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(await durableFiles(lab)).toEqual(files);
  });

  it('kcat -L through the LB bootstrap port lists exactly the planned advertised addresses', async () => {
    const planned = await plannedAdvertised();
    const { stdout } = await run('kcat', ['-L', '-b', bootstrap(), '-m', '10'], { timeout: 30_000 });
    const listed = [...stdout.matchAll(/broker (\d+) at (\S+)/g)].map((m) => [Number(m[1]), m[2]!] as const);
    expect(new Map(listed)).toEqual(planned);
  });

  it("Kafka's own kafka-broker-api-versions through the LB (names mapped to the LB) lists the planned addresses", async () => {
    const planned = await plannedAdvertised();
    const hosts = await javaHostsFile(join(lab.dir, 'java-hosts'), [...planned.values()].map(hostOf), '127.0.0.1');
    const stdout = await lab.kafka.kafkaTool(
      'org.apache.kafka.tools.BrokerApiVersionsCommand',
      ['--bootstrap-server', bootstrap()],
      {
        jvmOptions: [`-Djdk.net.hosts.file=${hosts}`],
      },
    );
    // One block per broker: "<advertised host:port> (id: N rack: null isFenced: false) -> (" then its API versions.
    const listed = [...stdout.matchAll(/^(\S+) \(id: (\d+) rack: [^)]*\) -> \(/gm)].map(
      (m) => [Number(m[2]), m[1]!] as const,
    );
    expect(new Map(listed)).toEqual(planned);
    expect(stdout).toMatch(/Produce\(0\): \d+ to \d+ \[usable: \d+\]/);
  });

  it('a produce/consume round trip through the LB: bootstrap, then the advertised names mapped to the LB', async () => {
    const planned = await plannedAdvertised();
    const topic = 'orders';
    // The roll moved leadership off each broker in turn, and Kafka restores preferred leaders only every 300 s: elect
    // them now (Kafka's own tool), so every broker leads a partition and the clients must reach each one.
    await lab.kafka.kafkaTool('org.apache.kafka.tools.LeaderElectionCommand', [
      ...(await lab.kafka.commandConfig()).map((arg) => (arg === '--command-config' ? '--admin.config' : arg)),
      '--bootstrap-server',
      lab.kafka.bootstrap(),
      '--election-type',
      'PREFERRED',
      '--all-topic-partitions',
    ]);
    const values = Array.from({ length: 30 }, (_, i) => `round-trip-${Date.now()}-${i}`);
    const connected = new Set<string>();
    const looked = new Set<string>();
    await withHostsMapping(
      [...planned.values()].map(hostOf),
      '127.0.0.1',
      async () => {
        const producer = new Producer({
          clientId: 'brokerlink-e2e-producer',
          bootstrapBrokers: [bootstrap()],
          serializers: stringSerializers,
          idempotent: true,
          acks: -1,
        });
        producer.on('client:broker:connect', (e: { broker: { host: string; port: number } }) =>
          connected.add(`${e.broker.host}:${e.broker.port}`),
        );
        try {
          await producer.send({ messages: values.map((value, i) => ({ topic, key: String(i % 6), value })) });
        } finally {
          await producer.close();
        }
        const consumer = new Consumer({
          clientId: 'brokerlink-e2e-consumer',
          groupId: `brokerlink-e2e-${Date.now()}`,
          bootstrapBrokers: [bootstrap()],
          deserializers: stringDeserializers,
        });
        consumer.on('client:broker:connect', (e: { broker: { host: string; port: number } }) =>
          connected.add(`${e.broker.host}:${e.broker.port}`),
        );
        try {
          const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
          const seen = new Set<string>();
          const wanted = new Set(values);
          const deadline = setTimeout(() => void stream.close(), 60_000);
          for await (const message of stream) {
            if (wanted.has(message.value as string)) seen.add(message.value as string);
            if (seen.size === wanted.size) break;
          }
          clearTimeout(deadline);
          await stream.close();
          expect(seen.size).toBe(values.length);
        } finally {
          await consumer.close(true);
        }
      },
      looked,
    );
    // The clients read the advertised names from Metadata and resolved them (to the LB); they connected to the LB
    // bootstrap port and to the advertised host:port endpoints only, never to an internal address.
    expect([...looked].sort()).toEqual([...planned.values()].map(hostOf).sort());
    const allowed = new Set([bootstrap(), ...planned.values()]);
    expect([...connected].filter((a) => !allowed.has(a))).toEqual([]);
  });

  it('repairs drift: a mapping removed from the LB and a hand-edited advertised.listeners on a restarted broker', async () => {
    const expected = await ledgerView(lab);
    const state = await lab.readState();
    const mapping = state.mappings.find((m) => m.role === 'broker' && m.brokerId === 2)!;
    await createLocalLoadBalancer({ stateFile: lab.stateFile, daemon: lab.lb }).start(parseSpec(lab.spec()), {
      kind: 'deregisterTargets',
      exposure: 'EXTERNAL',
      role: 'broker',
      port: mapping.port,
      targets: mapping.targets.map((t) => ({ id: t.id, port: t.port })),
    });
    const file = lab.propertiesFile(3);
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(/EXTERNAL:\/\/b3\.[^,\n]+/, 'EXTERNAL://kafka-3.old.internal:9092'),
    );
    await lab.runRestartScript(3);
    await lab.waitInSync(3);

    const out = (await lab.run('drift-check')) as { drift: number; details: string[]; repairStarted: boolean };

    expect(out.drift).toBe(2);
    expect(out.repairStarted).toBe(true);
    expect(out.details.join('\n')).toMatch(/register broker 2/);
    expect(out.details.join('\n')).toMatch(/broker 3: .*kafka-3\.old\.internal:9092/);
    expect(await ledgerView(lab)).toEqual(expected);
    const port3 = (await brokerPorts(lab)).get(3);
    expect(await readFile(file, 'utf8')).toContain(`EXTERNAL://b3.kafka.demo.internal:${port3}`);
    // by hand once, by the repair once
    expect(restartCounts(lab)).toEqual({ 1: 1, 2: 1, 3: 3 });
    const after = (await lab.run('drift-check')) as { drift: number };
    expect(after.drift).toBe(0);
  });

  it('enrolls a 4th (broker-only) node: only it is configured and restarted, the others keep their ports', async () => {
    const ports = await brokerPorts(lab);
    const files = {
      1: await readFile(lab.propertiesFile(1), 'utf8'),
      2: await readFile(lab.propertiesFile(2), 'utf8'),
    };
    const restarts = restartCounts(lab);
    await lab.addBroker(4);

    const out = await apply(lab);

    expect(out.verification.ok).toBe(true);
    expect(out.report.changes.configsWritten).toEqual([4]);
    expect(out.report.changes.restarted).toEqual([4]);
    expect(restartCounts(lab)).toEqual({ ...restarts, 4: 1 });
    const after = await brokerPorts(lab);
    for (const id of [1, 2, 3]) expect(after.get(id)).toBe(ports.get(id));
    expect(await readFile(lab.propertiesFile(1), 'utf8')).toBe(files[1]);
    expect(await readFile(lab.propertiesFile(2), 'utf8')).toBe(files[2]);
    const { stdout } = await run('kcat', ['-L', '-b', bootstrap(), '-m', '10'], { timeout: 30_000 });
    expect(stdout).toContain(`broker 4 at b4.kafka.demo.internal:${after.get(4)}`);
  });
});
