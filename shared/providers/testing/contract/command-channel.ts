/*
 * The CommandChannel port's contract (shared/ports.ts): brokerlink's only way onto a broker host — read, compare-and-
 * swap write and restart through the broker-side writer (shared/broker-writer/), started and then polled. The suite
 * runs the real writer on a real file of the subject's host (a temp directory standing in for one) and checks what
 * lands on disk.
 *
 *   describeCommandChannelContract('aws (fake SSM, the document run by the shell)', async () => ({ channel, target, ... }));
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseReadOutput, parseWriteOutput, WRITER_EXIT } from '../../../broker-writer/protocol.ts';
import type { BrokerCommand, CommandChannel, CommandHandle, CommandStatus, CommandTarget } from '../../../ports.ts';
import type { RestartMethod } from '../../../spec/schema.ts';

export interface CommandChannelSubject {
  channel: CommandChannel;
  /** The broker host the suite commands; `target.brokerId` is the node id its server.properties names. */
  target: CommandTarget;
  /** server.properties as a command names it on the host. */
  path: string;
  /** The same file, from the test's side. */
  readFile(): Promise<string>;
  writeFile(text: string): Promise<void>;
  /** A restart method that succeeds on the host. */
  restart: RestartMethod;
  /** Lets the host run what was started (a fake agent), instead of a 10 ms pause between polls. */
  between?: () => Promise<void>;
  close?(): Promise<void>;
}

const MAX_POLLS = 100;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const base64 = (text: string) => Buffer.from(text).toString('base64');

export function describeCommandChannelContract(adapter: string, makeSubject: () => Promise<CommandChannelSubject>) {
  describe(`CommandChannel contract: ${adapter}`, () => {
    let subject: CommandChannelSubject;
    let original: string;

    /** Starts a command and polls it to its end, the handle crossing JSON between polls as in the workflow. */
    async function run(command: BrokerCommand): Promise<{ status: CommandStatus; states: string[] }> {
      const handle = await subject.channel.start(subject.target, command);
      const carried = JSON.parse(JSON.stringify(handle)) as CommandHandle;
      expect(carried).toEqual(handle);
      const states: string[] = [];
      for (let polls = 0; polls < MAX_POLLS; polls++) {
        const status = await subject.channel.poll(carried);
        states.push(status.state);
        if (status.state !== 'running') return { status, states };
        await (subject.between?.() ?? sleep(10));
      }
      throw new Error(`${command.kind} still running after ${MAX_POLLS} polls`);
    }
    const succeeded = (status: CommandStatus) => {
      if (status.state !== 'succeeded') throw new Error(`command failed: ${JSON.stringify(status)}`);
      return status.stdout;
    };

    beforeEach(async () => {
      subject = await makeSubject();
      original = `# broker config\nnode.id=${subject.target.brokerId}\nlisteners=INTERNAL://0.0.0.0:9092\n`;
      await subject.writeFile(original);
    });
    afterEach(async () => {
      await subject.close?.();
    });

    it('reads server.properties: its content and sha-256 as the host has them', async () => {
      const { status, states } = await run({ kind: 'read-config', path: subject.path });
      const read = parseReadOutput(succeeded(status));
      expect(Buffer.from(read.contentBase64, 'base64').toString()).toBe(original);
      expect(read.sha256).toBe(sha256(original));
      expect(states.slice(0, -1).every((state) => state === 'running')).toBe(true);
    });

    it('writes by compare-and-swap: the new content lands while the file is as it was read', async () => {
      const next = `${original}listeners=INTERNAL://0.0.0.0:9092,EXTERNAL://0.0.0.0:39092\n`;
      const { status } = await run({
        kind: 'write-config',
        path: subject.path,
        expectedSha256: sha256(original),
        contentBase64: base64(next),
        expectedNodeId: subject.target.brokerId,
      });
      expect(parseWriteOutput(succeeded(status)).result).toBe('changed');
      expect(await subject.readFile()).toBe(next);
    });

    it('refuses a stale write with the conflict exit code and leaves the file as it is', async () => {
      const { status } = await run({
        kind: 'write-config',
        path: subject.path,
        expectedSha256: sha256('what someone else read'),
        contentBase64: base64('node.id=99\n'),
        expectedNodeId: subject.target.brokerId,
      });
      expect(status).toMatchObject({ state: 'failed', exitCode: WRITER_EXIT.conflict });
      expect(await subject.readFile()).toBe(original);
    });

    it('refuses to write a file that names another node', async () => {
      const { status } = await run({
        kind: 'write-config',
        path: subject.path,
        expectedSha256: sha256(original),
        contentBase64: base64(original),
        expectedNodeId: subject.target.brokerId + 1,
      });
      expect(status).toMatchObject({ state: 'failed', exitCode: WRITER_EXIT.nodeIdMismatch });
      expect(await subject.readFile()).toBe(original);
    });

    it('reports a file that is not there as failed (not found)', async () => {
      const missing = subject.path.replace(/[^/]+$/, 'missing.properties');
      const { status } = await run({ kind: 'read-config', path: missing });
      expect(status).toMatchObject({ state: 'failed', exitCode: WRITER_EXIT.notFound });
    });

    it('restarts the broker with the spec’s method', async () => {
      const { status } = await run({ kind: 'restart', method: subject.restart, path: subject.path });
      succeeded(status);
    });
  });
}
