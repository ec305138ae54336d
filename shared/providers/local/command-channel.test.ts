import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriterArgumentInvalid } from '../../broker-writer/errors.ts';
import { parseReadOutput, parseWriteOutput, sha256Hex, WRITER_EXIT } from '../../broker-writer/protocol.ts';
import type { CommandChannel, CommandHandle, CommandStatus, CommandTarget } from '../../ports.ts';
import { createLocalCommandChannel, perBrokerRoot } from './command-channel.ts';
import { CommandNotFound } from './errors.ts';

const target: CommandTarget = { brokerId: 1, host: '127.0.0.1', instanceId: '127.0.0.1' };

let dir: string;
let props: string;

async function settle(channel: CommandChannel, handle: CommandHandle, timeoutMs = 10_000): Promise<CommandStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await channel.poll(handle);
    if (status.state !== 'running') return status;
    if (Date.now() > deadline) throw new Error(`command ${handle.id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function run(channel: CommandChannel, command: Parameters<CommandChannel['start']>[1], t = target) {
  return settle(channel, await channel.start(t, command));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bl-local-cmd-'));
  props = join(dir, 'server.properties');
  await writeFile(props, 'node.id=1\nlisteners=PLAINTEXT://127.0.0.1:9092\n');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local command channel: config through the real brokerlink-writer.sh', () => {
  it('reads server.properties and returns the writer’s JSON answer', async () => {
    const channel = createLocalCommandChannel({ propertiesPath: props });
    const handle = await channel.start(target, { kind: 'read-config', path: props });
    expect(JSON.parse(JSON.stringify(handle))).toEqual(handle);
    const status = await settle(channel, handle);
    expect(status.state).toBe('succeeded');
    const read = parseReadOutput(status.state === 'succeeded' ? status.stdout : '');
    expect(Buffer.from(read.contentBase64, 'base64').toString()).toBe(await readFile(props, 'utf8'));
    expect(read.sha256).toBe(sha256Hex(await readFile(props)));
  });

  it('writes new content when the file is still what was read, keeping a backup', async () => {
    const channel = createLocalCommandChannel({ propertiesPath: props });
    const before = await readFile(props);
    const next = Buffer.from('node.id=1\nlisteners=PLAINTEXT://127.0.0.1:9092,EXTERNAL://0.0.0.0:39092\n');
    const status = await run(channel, {
      kind: 'write-config',
      path: props,
      expectedSha256: sha256Hex(before),
      contentBase64: next.toString('base64'),
      expectedNodeId: 1,
    });
    expect(status.state).toBe('succeeded');
    const result = parseWriteOutput(status.state === 'succeeded' ? status.stdout : '', 0);
    expect(result).toMatchObject({ result: 'changed', sha256: sha256Hex(next) });
    expect(await readFile(props, 'utf8')).toBe(next.toString());
    if (result.result === 'changed') expect(await readFile(result.backup)).toEqual(before);
  });

  it('reports the writer’s conflict exit code when the file changed since it was read', async () => {
    const channel = createLocalCommandChannel({ propertiesPath: props });
    const status = await run(channel, {
      kind: 'write-config',
      path: props,
      expectedSha256: '0'.repeat(64),
      contentBase64: Buffer.from('x=1\n').toString('base64'),
      expectedNodeId: 1,
    });
    expect(status).toMatchObject({ state: 'failed', exitCode: WRITER_EXIT.conflict });
    expect(await readFile(props, 'utf8')).toContain('node.id=1');
  });

  it('reports a missing file as a failed command with the writer’s not-found code', async () => {
    const channel = createLocalCommandChannel({ propertiesPath: props });
    const status = await run(channel, { kind: 'read-config', path: join(dir, 'absent.properties') });
    expect(status).toMatchObject({ state: 'failed', exitCode: WRITER_EXIT.notFound });
    expect(status.state === 'failed' ? status.stdout : '').toContain('not-found');
  });

  it('refuses unsafe arguments before running anything', async () => {
    const channel = createLocalCommandChannel({ propertiesPath: props });
    await expect(channel.start(target, { kind: 'read-config', path: `${dir}/x;rm -rf /` })).rejects.toThrow(
      WriterArgumentInvalid,
    );
    await expect(
      channel.start(target, {
        kind: 'write-config',
        path: props,
        expectedSha256: 'abc',
        contentBase64: '',
        expectedNodeId: 1,
      }),
    ).rejects.toThrow(WriterArgumentInvalid);
  });

  it('maps the spec’s path into a per-broker root when several brokers share the machine', async () => {
    for (const id of [1, 2]) {
      await mkdir(join(dir, String(id), 'etc'), { recursive: true });
      await writeFile(join(dir, String(id), 'etc', 'server.properties'), `node.id=${id}\n`);
    }
    const channel = createLocalCommandChannel({
      propertiesPath: '/etc/server.properties',
      resolvePath: perBrokerRoot(dir),
    });
    for (const id of [1, 2]) {
      const status = await run(
        channel,
        { kind: 'read-config', path: '/etc/server.properties' },
        { brokerId: id, host: '127.0.0.1' },
      );
      const read = parseReadOutput(status.state === 'succeeded' ? status.stdout : '');
      expect(Buffer.from(read.contentBase64, 'base64').toString()).toBe(`node.id=${id}\n`);
    }
  });

  it('does not know handles of another process', async () => {
    const channel = createLocalCommandChannel({ propertiesPath: props });
    await expect(channel.poll({ id: 'local-1-unknown', target })).rejects.toThrow(CommandNotFound);
  });
});

describe('local command channel: restart', () => {
  it('runs the restart script with the properties path as its only argument, without a shell', async () => {
    const recorder = join(dir, 'record-restart.sh');
    await writeFile(recorder, '#!/usr/bin/env bash\nprintf "%s\\n" "$#" "$@" > "$1.restarts"\necho restarted\n');
    await chmod(recorder, 0o755);
    const hostile = join(dir, 'a b;$(touch pwned)');
    await mkdir(hostile);
    const weird = join(hostile, 'server.properties');
    await writeFile(weird, 'node.id=1\n');
    const channel = createLocalCommandChannel({ propertiesPath: props });
    expect(await run(channel, { kind: 'restart', method: { script: recorder }, path: props })).toMatchObject({
      state: 'succeeded',
      stdout: 'restarted\n',
    });
    expect(await readFile(`${props}.restarts`, 'utf8')).toBe(`1\n${props}\n`);
    // A path with shell metacharacters is refused, or handed over as one argv entry: nothing in it ever runs.
    const other = createLocalCommandChannel({ propertiesPath: weird });
    await run(other, { kind: 'restart', method: { script: recorder }, path: weird }).catch(() => undefined);
    await expect(readFile(join(dir, 'pwned'))).rejects.toThrow(/ENOENT/);
  });

  it('kills a restart that outlives its timeout and says so', async () => {
    const slow = join(dir, 'slow-restart.sh');
    await writeFile(slow, '#!/usr/bin/env bash\nsleep 30\n');
    await chmod(slow, 0o755);
    const channel = createLocalCommandChannel({ propertiesPath: props, timeouts: { restart: 200 } });
    const status = await run(channel, { kind: 'restart', method: { script: slow }, path: props });
    expect(status).toMatchObject({ state: 'failed', exitCode: null, stderr: expect.stringContaining('timeout') });
  });

  it('passes the properties path as the only argument of the restart script', async () => {
    const argsFile = join(dir, 'args');
    const script = join(dir, 'record-args.sh');
    await writeFile(script, `#!/usr/bin/env bash\nprintf '%s\\n' "$#" "$@" > ${argsFile}\n`);
    await chmod(script, 0o755);
    const channel = createLocalCommandChannel({ propertiesPath: props });
    expect(await run(channel, { kind: 'restart', method: { script }, path: props })).toMatchObject({
      state: 'succeeded',
    });
    expect(await readFile(argsFile, 'utf8')).toBe(`1\n${props}\n`);
  });

  it('reports clearly when systemd is not available to restart a unit', async () => {
    const channel = createLocalCommandChannel({ propertiesPath: props });
    const status = await run(channel, { kind: 'restart', method: { systemdUnit: 'kafka.service' }, path: props });
    expect(status.state).toBe('failed');
    expect(status.state === 'failed' ? status.stderr : '').toMatch(/systemctl|systemd|ENOENT|kafka\.service/);
    expect(await readdir(dir)).toContain('server.properties');
  });
});
