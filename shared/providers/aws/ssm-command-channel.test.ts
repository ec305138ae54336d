import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { parseReadOutput, parseWriteOutput } from '../../broker-writer/protocol.ts';
import type { CommandHandle, CommandStatus } from '../../ports.ts';
import { AwsThrottled, CommandOutputTruncated, CommandParameterInvalid, CommandTargetInvalid } from './errors.ts';
import { SsmCommandChannel } from './ssm-command-channel.ts';
import { DEFAULT_DOCUMENT_NAME, ssmDocumentContent } from './ssm-document.ts';
import { brokerInstances, createFakeAws, type FakeAws } from './testing/fake-aws.ts';
import { runDocumentLocally } from './testing/run-document.ts';

const PROPERTIES = '/home/ec2-user/config/server.properties';
const roots: string[] = [];

afterEach(async () => {
  await Promise.all(roots.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function instanceRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bl-instance-'));
  roots.push(dir);
  return dir;
}

/** Polls until the command is no longer running (bounded). */
async function settle(aws: FakeAws, channel: SsmCommandChannel, handle: CommandHandle): Promise<CommandStatus> {
  for (let i = 0; i < 20; i++) {
    const status = await channel.poll(handle);
    if (status.state !== 'running') return status;
    await aws.commandsSettled();
  }
  throw new Error('command did not finish within 20 polls');
}

function fakeWithDocument(options: Parameters<typeof createFakeAws>[0] = {}) {
  const instances = brokerInstances(2);
  const aws = createFakeAws({
    instances,
    documents: { [DEFAULT_DOCUMENT_NAME]: ssmDocumentContent() },
    ...options,
  });
  const channel = new SsmCommandChannel({ ssm: aws.clients.ssm });
  const target = (index: number) => ({
    brokerId: index + 1,
    host: instances[index]!.privateIp!,
    instanceId: instances[index]!.instanceId,
  });
  return { aws, channel, instances, target };
}

describe('SsmCommandChannel.start', () => {
  it("sends brokerlink's own document to one instance with typed parameters, never AWS-RunShellScript", async () => {
    const { aws, channel, target } = fakeWithDocument();
    const handle = await channel.start(target(0), { kind: 'read-config', path: PROPERTIES });
    const calls = aws.calls('ssm', 'SendCommand');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.input).toMatchObject({
      DocumentName: 'BrokerLink-BrokerCommand',
      InstanceIds: [target(0).instanceId],
      Parameters: { action: ['read'], path: [PROPERTIES] },
    });
    expect(JSON.stringify(calls)).not.toContain('AWS-RunShellScript');
    expect(handle).toEqual({ id: expect.any(String), target: target(0) });
  });

  it('passes write and restart values as separate parameters', async () => {
    const { aws, channel, target } = fakeWithDocument();
    const sha = 'a'.repeat(64);
    await channel.start(target(1), {
      kind: 'write-config',
      path: PROPERTIES,
      expectedSha256: sha,
      contentBase64: 'YQ==',
      expectedNodeId: 1,
    });
    await channel.start(target(1), {
      kind: 'restart',
      method: { systemdUnit: 'kafka.service' },
      path: '/opt/kafka/config/server.properties',
    });
    await channel.start(target(1), {
      kind: 'restart',
      method: { script: '/opt/kafka/bin/restart.sh' },
      path: '/opt/kafka/config/server.properties',
    });
    expect(aws.calls('ssm', 'SendCommand').map((c) => c.input['Parameters'])).toEqual([
      { action: ['write'], path: [PROPERTIES], expectedSha256: [sha], contentBase64: ['YQ=='], expectedNodeId: ['1'] },
      { action: ['restart'], systemdUnit: ['kafka.service'] },
      { action: ['restart'], script: ['/opt/kafka/bin/restart.sh'], path: ['/opt/kafka/config/server.properties'] },
    ]);
  });

  it('refuses a broker without an instance id and sends nothing', async () => {
    const { aws, channel } = fakeWithDocument();
    await expect(
      channel.start({ brokerId: 1, host: '10.0.0.2' }, { kind: 'read-config', path: PROPERTIES }),
    ).rejects.toBeInstanceOf(CommandTargetInvalid);
    expect(aws.calls()).toHaveLength(0);
  });

  it.each([
    ['path with a quote', { kind: 'read-config' as const, path: "/tmp/x'; rm -rf / #" }],
    ['path with ..', { kind: 'read-config' as const, path: '/etc/kafka/../shadow' }],
    [
      'sha with shell',
      {
        kind: 'write-config' as const,
        path: PROPERTIES,
        expectedSha256: '$(reboot)',
        contentBase64: '',
        expectedNodeId: 1,
      },
    ],
    [
      'content with a quote',
      {
        kind: 'write-config' as const,
        path: PROPERTIES,
        expectedSha256: 'a'.repeat(64),
        contentBase64: "a'b",
        expectedNodeId: 1,
      },
    ],
    [
      'unit with a space',
      {
        kind: 'restart' as const,
        method: { systemdUnit: 'kafka.service; reboot' },
        path: '/opt/kafka/config/server.properties',
      },
    ],
    [
      'script with $',
      {
        kind: 'restart' as const,
        method: { script: '/opt/$HOME/restart.sh' },
        path: '/opt/kafka/config/server.properties',
      },
    ],
  ])('rejects a %s before sending anything', async (_, command) => {
    const { aws, channel, target } = fakeWithDocument();
    await expect(channel.start(target(0), command)).rejects.toBeInstanceOf(CommandParameterInvalid);
    expect(aws.calls()).toHaveLength(0);
  });

  it('refuses content that would take the command past SSM 64 KB document limit', async () => {
    const { aws, channel, target } = fakeWithDocument();
    const big = Buffer.alloc(48 * 1024, 'a').toString('base64');
    await expect(
      channel.start(target(0), {
        kind: 'write-config',
        path: PROPERTIES,
        expectedSha256: 'a'.repeat(64),
        contentBase64: big,
        expectedNodeId: 1,
      }),
    ).rejects.toThrow(/64 KB/);
    expect(aws.calls()).toHaveLength(0);
    const fits = Buffer.alloc(30 * 1024, 'a').toString('base64');
    await channel.start(target(0), {
      kind: 'write-config',
      path: PROPERTIES,
      expectedSha256: 'a'.repeat(64),
      contentBase64: fits,
      expectedNodeId: 1,
    });
    expect(aws.calls('ssm', 'SendCommand')).toHaveLength(1);
  });

  it('refuses to be configured with an AWS-owned document', () => {
    const { aws } = fakeWithDocument();
    expect(() => new SsmCommandChannel({ ssm: aws.clients.ssm, documentName: 'AWS-RunShellScript' })).toThrow(
      CommandParameterInvalid,
    );
  });

  it('maps SendCommand throttling left after SDK retries to AwsThrottled', async () => {
    const { aws, channel, target } = fakeWithDocument();
    aws.throttle('ssm', 'SendCommand', 1);
    await expect(channel.start(target(0), { kind: 'read-config', path: PROPERTIES })).rejects.toBeInstanceOf(
      AwsThrottled,
    );
  });
});

describe('SsmCommandChannel.poll', () => {
  it('reports running while the invocation is not visible yet and while it runs, then the outcome', async () => {
    const { aws, channel, target } = fakeWithDocument({
      invisiblePolls: 2,
      inProgressPolls: 1,
      onCommand: () => ({ status: 'Success', stdout: 'hello\n' }),
    });
    const handle = await channel.start(target(0), { kind: 'read-config', path: PROPERTIES });
    await aws.commandsSettled();
    const states = [];
    for (let i = 0; i < 4; i++) states.push(await channel.poll(handle));
    expect(states).toEqual([
      { state: 'running' },
      { state: 'running' },
      { state: 'running' },
      { state: 'succeeded', stdout: 'hello\n' },
    ]);
    expect(aws.calls('ssm', 'GetCommandInvocation').map((c) => c.error)).toEqual([
      'InvocationDoesNotExist',
      'InvocationDoesNotExist',
      undefined,
      undefined,
    ]);
  });

  it.each([
    ['Failed', 3, 3],
    ['TimedOut', -1, null],
    ['Cancelled', -1, null],
  ] as const)('maps %s to failed with exit code %s → %s', async (status, code, exitCode) => {
    const { aws, channel, target } = fakeWithDocument({
      invisiblePolls: 0,
      inProgressPolls: 0,
      onCommand: () => ({ status, stdout: 'out', stderr: 'err', exitCode: code }),
    });
    const handle = await channel.start(target(0), {
      kind: 'restart',
      method: { systemdUnit: 'kafka.service' },
      path: '/opt/kafka/config/server.properties',
    });
    expect(await settle(aws, channel, handle)).toEqual({ state: 'failed', exitCode, stdout: 'out', stderr: 'err' });
  });

  it('refuses output at the 24,000 character inline limit as possibly truncated', async () => {
    const { aws, channel, target } = fakeWithDocument({
      onCommand: () => ({ status: 'Success', stdout: 'x'.repeat(30_000) }),
    });
    const handle = await channel.start(target(0), { kind: 'read-config', path: PROPERTIES });
    await expect(settle(aws, channel, handle)).rejects.toBeInstanceOf(CommandOutputTruncated);
  });
});

describe('SsmCommandChannel with the real document run by the shell', () => {
  async function withInstances() {
    const ctx = fakeWithDocument();
    const rootOf = new Map<string, string>();
    for (const instance of ctx.instances) {
      const root = await instanceRoot();
      rootOf.set(instance.instanceId, root);
      await mkdir(dirname(join(root, PROPERTIES)), { recursive: true });
      await writeFile(
        join(root, PROPERTIES),
        `node.id=${instance.tags['kafka-node-id']}\nlisteners=INTERNAL://:9092\n`,
      );
    }
    const bin = await instanceRoot();
    await writeFile(join(bin, 'systemctl'), '#!/bin/sh\nprintf "%s|" "$@" > "$SYSTEMCTL_LOG"\n', { mode: 0o755 });
    const systemctlLog = join(bin, 'systemctl.log');
    ctx.aws.setCommandHook(
      runDocumentLocally({
        rootFor: (id) => rootOf.get(id)!,
        env: { ...process.env, PATH: `${bin}:${process.env['PATH']}`, SYSTEMCTL_LOG: systemctlLog },
      }),
    );
    return { ...ctx, rootOf, systemctlLog };
  }

  it('reads and compare-and-swap writes server.properties on the right instance only', async () => {
    const { aws, channel, target, instances, rootOf } = await withInstances();
    const read = await settle(aws, channel, await channel.start(target(0), { kind: 'read-config', path: PROPERTIES }));
    expect(read.state).toBe('succeeded');
    const current = parseReadOutput(read.state === 'succeeded' ? read.stdout : '');
    expect(Buffer.from(current.contentBase64, 'base64').toString()).toBe('node.id=1\nlisteners=INTERNAL://:9092\n');

    const next = 'node.id=1\nlisteners=INTERNAL://:9092,EXTERNAL://0.0.0.0:39092\n';
    const write = await settle(
      aws,
      channel,
      await channel.start(target(0), {
        kind: 'write-config',
        path: PROPERTIES,
        expectedSha256: current.sha256,
        contentBase64: Buffer.from(next).toString('base64'),
        expectedNodeId: 1,
      }),
    );
    expect(write.state).toBe('succeeded');
    expect(parseWriteOutput(write.state === 'succeeded' ? write.stdout : '').result).toBe('changed');
    expect(await readFile(join(rootOf.get(instances[0]!.instanceId)!, PROPERTIES), 'utf8')).toBe(next);
    expect(await readFile(join(rootOf.get(instances[1]!.instanceId)!, PROPERTIES), 'utf8')).toBe(
      'node.id=2\nlisteners=INTERNAL://:9092\n',
    );

    // The same write again: the file no longer has the sha it was read with → conflict, exit code 3.
    const stale = await settle(
      aws,
      channel,
      await channel.start(target(0), {
        kind: 'write-config',
        path: PROPERTIES,
        expectedSha256: current.sha256,
        contentBase64: Buffer.from('node.id=1\n').toString('base64'),
        expectedNodeId: 1,
      }),
    );
    expect(stale).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(createHash('sha256').update(next).digest('hex')).not.toBe(current.sha256);
    expect(await readFile(join(rootOf.get(instances[0]!.instanceId)!, PROPERTIES), 'utf8')).toBe(next);
  });

  it('restarts through systemctl with the unit as one argument after --', async () => {
    const { aws, channel, target, systemctlLog } = await withInstances();
    const status = await settle(
      aws,
      channel,
      await channel.start(target(1), {
        kind: 'restart',
        method: { systemdUnit: 'kafka@main.service' },
        path: '/opt/kafka/config/server.properties',
      }),
    );
    expect(status.state).toBe('succeeded');
    expect(await readFile(systemctlLog, 'utf8')).toBe('restart|--|kafka@main.service|');
  });

  it('runs a restart script only if it exists and is executable, with the properties path as its argument', async () => {
    const { aws, channel, target, instances, rootOf } = await withInstances();
    const root = rootOf.get(instances[0]!.instanceId)!;
    const script = '/opt/kafka/restart.sh';
    await mkdir(join(root, '/opt/kafka'), { recursive: true });
    await writeFile(join(root, script), '#!/bin/sh\nprintf "%s" "$*" > "$(dirname "$0")/restarted"\n', { mode: 0o644 });
    const notExecutable = await settle(
      aws,
      channel,
      await channel.start(target(0), {
        kind: 'restart',
        method: { script },
        path: '/opt/kafka/config/server.properties',
      }),
    );
    expect(notExecutable).toMatchObject({ state: 'failed', exitCode: 2 });
    await chmod(join(root, script), 0o755);
    const ran = await settle(
      aws,
      channel,
      await channel.start(target(0), {
        kind: 'restart',
        method: { script },
        path: '/opt/kafka/config/server.properties',
      }),
    );
    expect(ran.state).toBe('succeeded');
    expect(await readFile(join(root, '/opt/kafka/restarted'), 'utf8')).toMatch(
      /\/opt\/kafka\/config\/server\.properties$/,
    );
  });

  it('never runs a value SSM would refuse: a raw SendCommand with a quote fails InvalidParameters', async () => {
    const { aws, target } = await withInstances();
    const error = await aws.clients.ssm
      .send(
        new SendCommandCommand({
          DocumentName: DEFAULT_DOCUMENT_NAME,
          InstanceIds: [target(0).instanceId],
          Parameters: { action: ['read'], path: ["/tmp/x'$(touch /tmp/pwned)'"] },
        }),
      )
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('InvalidParameters');
    expect(aws.state.invocations.size).toBe(0);
  });
});
