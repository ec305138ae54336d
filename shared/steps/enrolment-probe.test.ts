import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObservedState } from '../model/observed.ts';
import { type EnrolmentProbe, probeEnrolment } from './enrolment-probe.ts';
import { CommandFailed } from './errors.ts';
import { tasks } from './tasks.ts';
import { createFileCommandChannel } from './testing/fakes.ts';
import { KRAFT_PROPERTIES, localSpec } from './testing/spec.ts';

const spec = localSpec();

/** Brokers 1-3 established (mapped), broker 4 and 5 new; `commandReady` as discovery reports it. */
function observed(brokers: ObservedState['brokers']): ObservedState {
  return {
    observedAt: '2026-05-01T12:00:00.000Z',
    brokers,
    loadBalancer: {
      mappings: [1, 2, 3].map((id) => ({
        exposure: 'EXTERNAL',
        role: 'broker' as const,
        port: 19092 + id,
        brokerId: id,
        targets: [{ id: `127.0.0.${id}`, port: 39092 }],
      })),
      openPorts: [],
    },
  };
}

const established = [1, 2, 3].map((id) => ({ id, host: `127.0.0.${id}`, state: 'running' as const }));

async function probeToDone(
  state: ObservedState,
  channel: ReturnType<typeof createFileCommandChannel>,
): Promise<EnrolmentProbe> {
  let probe = await probeEnrolment(spec, state, undefined, { commands: channel });
  for (let polls = 0; !probe.done; polls += 1) {
    if (polls > 10) throw new Error('probe never finished');
    probe = await probeEnrolment(spec, state, probe, { commands: channel });
  }
  return probe;
}

describe('probeEnrolment', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-probe-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('sends nothing and answers done when no broker is just enrolling', async () => {
    const channel = createFileCommandChannel({});
    const state = observed([
      ...established.map((broker) => ({ ...broker, commandReady: true })),
      // New, but its provider does not say its agent just came online: not probed (the push reports a missing file).
      { id: 4, host: '127.0.0.4', state: 'running' },
      // New and just launched, but its agent is not online yet: the enrolment waits for the agent first.
      { id: 5, host: '127.0.0.5', state: 'running', commandReady: false },
    ]);
    expect(await probeEnrolment(spec, state, undefined, { commands: channel })).toEqual({
      done: true,
      running: [],
      configPresent: {},
    });
    expect(channel.started).toEqual([]);
  });

  it('reads server.properties of new brokers whose agent is online, with the real writer: present and absent', async () => {
    const present = join(dir, 'present.properties');
    await writeFile(present, KRAFT_PROPERTIES.replace('node.id=1', 'node.id=4'));
    const channel = createFileCommandChannel({ 4: present, 5: join(dir, 'not-written-yet.properties') });
    const state = observed([
      ...established,
      { id: 4, host: '127.0.0.4', state: 'running', commandReady: true },
      { id: 5, host: '127.0.0.5', state: 'running', commandReady: true },
    ]);

    const probe = await probeToDone(state, channel);

    expect(probe.configPresent).toEqual({ 4: true, 5: false });
    expect(channel.started).toEqual([
      { brokerId: 4, command: { kind: 'read-config', path: spec.brokers.propertiesPath } },
      { brokerId: 5, command: { kind: 'read-config', path: spec.brokers.propertiesPath } },
    ]);
  });

  it('fails on any other failure of the read (a real fault, as the push would)', async () => {
    const channel = createFileCommandChannel({ 4: join(dir, 'x.properties') });
    channel.failNext(4, 5, 'cannot read file');
    const state = observed([...established, { id: 4, host: '127.0.0.4', state: 'running', commandReady: true }]);
    await expect(probeToDone(state, channel)).rejects.toThrow(CommandFailed);
    await expect(probeToDone(state, createFileCommandChannel({}))).rejects.toThrow(
      /checking that server.properties exists failed on broker 4: exit code 127/,
    );
  });
});

describe('plan task with the probe’s findings', () => {
  const state = observed([
    ...established,
    { id: 4, host: '127.0.0.4', state: 'running', commandReady: true },
    { id: 5, host: '127.0.0.5', state: 'running', commandReady: true },
  ]);

  it('leaves out a new broker without server.properties, warns, and asks the apply to wait for it', async () => {
    const result = (await tasks.plan({ spec, observed: state, configPresent: { 4: true, 5: false } }, {} as never)) as {
      plan: { brokers: { id: number }[]; warnings: string[] };
      enrolling: number[];
      waitForEnrolment: boolean;
    };
    expect(result.plan.brokers.map((broker) => broker.id)).toEqual([1, 2, 3, 4]);
    expect(result.plan.warnings).toContainEqual(
      expect.stringContaining('broker 5 (127.0.0.5) is new and has no server.properties yet'),
    );
    expect(result).toMatchObject({ enrolling: [5], waitForEnrolment: true });
  });

  it('plans every broker when nothing was probed (drift check) or every file is there', async () => {
    for (const configPresent of [null, { 4: true, 5: true }]) {
      const result = (await tasks.plan({ spec, observed: state, configPresent }, {} as never)) as {
        plan: { brokers: { id: number }[] };
        waitForEnrolment: boolean;
      };
      expect(result.plan.brokers.map((broker) => broker.id)).toEqual([1, 2, 3, 4, 5]);
      expect(result.waitForEnrolment).toBe(false);
    }
    const withoutField = (await tasks.plan({ spec, observed: state }, {} as never)) as { waitForEnrolment: boolean };
    expect(withoutField.waitForEnrolment).toBe(false);
  });

  it('refuses a malformed finding, naming the field', async () => {
    await expect(tasks.plan({ spec, observed: state, configPresent: { four: true } }, {} as never)).rejects.toThrow(
      /configPresent.*keys must be node ids \(digits only\)/,
    );
  });
});
