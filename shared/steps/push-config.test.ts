import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlannedBroker } from '../model/plan.ts';
import { plan } from '../plan/planner.ts';
import { BrokerIdentityMismatch, CommandFailed, ConfigConflict } from './errors.ts';
import { advanceConfigPush, type PushState } from './push-config.ts';
import { createFileCommandChannel } from './testing/fakes.ts';
import { KRAFT_PROPERTIES, localSpec } from './testing/spec.ts';

const spec = localSpec();
const planned = plan(spec, {
  observedAt: '2026-05-01T12:00:00.000Z',
  brokers: spec.brokers.static!.map((b) => ({ id: b.id, host: b.host })),
  loadBalancer: { mappings: [], openPorts: [] },
});
const broker1 = planned.brokers.find((b) => b.id === 1) as PlannedBroker;

async function runToDone(channel: ReturnType<typeof createFileCommandChannel>, broker: PlannedBroker) {
  let state: PushState | undefined;
  let calls = 0;
  do {
    state = await advanceConfigPush(spec, broker, state, { commands: channel });
    calls++;
    if (calls > 50) throw new Error('push never finished');
  } while (state.phase !== 'done');
  return state;
}

describe('advanceConfigPush', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-push-'));
    file = join(dir, 'server.properties');
    await writeFile(file, KRAFT_PROPERTIES);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads, computes and writes the listener config in separate non-blocking phases', async () => {
    const channel = createFileCommandChannel({ 1: file });
    const first = await advanceConfigPush(spec, broker1, undefined, { commands: channel });
    expect(first.phase).toBe('reading');
    const done = await runToDone(channel, broker1);
    expect(done).toMatchObject({ phase: 'done', result: 'changed' });
    expect(done.diff).toContain(
      '+advertised.listeners=INTERNAL://127.0.0.1:9092,EXTERNAL://b1.kafka.example.internal:19093',
    );
    const text = await readFile(file, 'utf8');
    expect(text).toContain('EXTERNAL://0.0.0.0:39092');
    expect(text).toContain('EXTERNAL:PLAINTEXT');
    expect(text).toContain('# seed-like broker config');
    expect((await readdir(dir)).some((name) => name.includes('.brokerlink-') && name.endsWith('.bak'))).toBe(true);
    expect(channel.started.map((s) => s.command.kind)).toEqual(['read-config', 'read-config', 'write-config']);
  });

  it('is a no-op on a file that already has the config: read only, no write', async () => {
    const channel = createFileCommandChannel({ 1: file });
    await runToDone(channel, broker1);
    const before = await readFile(file, 'utf8');
    channel.started.length = 0;
    const again = await runToDone(channel, broker1);
    expect(again).toMatchObject({ phase: 'done', result: 'unchanged', diff: '' });
    expect(channel.started.map((s) => s.command.kind)).toEqual(['read-config']);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('raises ConfigConflict when the file changes between read and write, and leaves the other edit in place', async () => {
    const channel = createFileCommandChannel({ 1: file });
    channel.beforeNextWrite(1, () => writeFile(file, `${KRAFT_PROPERTIES}num.io.threads=16\n`));
    await expect(runToDone(channel, broker1)).rejects.toBeInstanceOf(ConfigConflict);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('num.io.threads=16');
    expect(text).not.toContain('EXTERNAL');
  });

  it('raises CommandFailed with the broker and the command output when the channel reports a failure', async () => {
    const channel = createFileCommandChannel({ 1: file });
    channel.failNext(1, 1, 'Undeliverable: instance i-0abc is not managed');
    const error = await runToDone(channel, broker1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailed);
    expect((error as CommandFailed).brokerId).toBe(1);
    expect((error as Error).message).toContain('Undeliverable');
  });

  it('raises BrokerIdentityMismatch, not CommandFailed, when the writer on the host refuses the file as another node’s', async () => {
    // The host reads the ids itself (shared/broker-writer/brokerlink-writer.sh): here it is told to expect another
    // node than brokerlink checked, as a host whose file names another node would refuse it (exit 6).
    const real = createFileCommandChannel({ 1: file });
    const channel = {
      ...real,
      start: (target: Parameters<typeof real.start>[0], command: Parameters<typeof real.start>[1]) =>
        real.start(target, command.kind === 'write-config' ? { ...command, expectedNodeId: 7 } : command),
    };
    const error = await runToDone(channel as typeof real, broker1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerIdentityMismatch);
    expect((error as Error).message).toContain('broker 1');
    expect((error as Error).message).toContain('node.id=1');
    expect(await readFile(file, 'utf8')).toBe(KRAFT_PROPERTIES);
  });
});
