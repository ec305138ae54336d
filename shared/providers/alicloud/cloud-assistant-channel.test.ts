import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ecsNamespace from '@alicloud/ecs20140526';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseReadOutput, planWrite } from '../../broker-writer/protocol.ts';
import type { BrokerCommand, CommandChannel, CommandHandle, CommandStatus } from '../../ports.ts';
import { createAlicloudClients } from './clients.ts';
import { CloudAssistantChannel } from './cloud-assistant-channel.ts';
import { shippedCommand } from './cloud-assistant-script.ts';
import { commonJs } from './commonjs.ts';
import { FAKE_REGION, FAKE_VPC_ID, type FakeAlibaba, startFakeAlibaba } from './testing/fake-alibaba.ts';

/*
 * Config push and restart over Cloud Assistant: the real ECS client, RunCommand / DescribeInvocationResults against
 * the fake, which substitutes parameters as plain text and runs the command with bash on real files of a host folder.
 */

const ecs = commonJs(ecsNamespace);
const PROPERTIES = 'process.roles=broker,controller\nnode.id=1\nlisteners=INTERNAL://0.0.0.0:9092\n';

let bed: string;
let mountPoint: string;
let canary: string;
let fake: FakeAlibaba;
let channel: CloudAssistantChannel;
const target = (n: number) => ({ brokerId: n, host: `10.0.${n}.11`, instanceId: `i-t4nbroker${n}` });

beforeAll(async () => {
  bed = await mkdtemp(join(tmpdir(), 'brokerlink-ca-'));
  mountPoint = join(bed, 'instance');
  canary = join(bed, 'canary');
  await mkdir(mountPoint);
  fake = await startFakeAlibaba({
    mountPoint,
    instances: [1, 2, 3].map((n) => ({
      instanceId: `i-t4nbroker${n}`,
      privateIp: `10.0.${n}.11`,
      zoneId: 'ap-southeast-1a',
      vpcId: FAKE_VPC_ID,
      vSwitchId: 'vsw-a',
      status: 'Running' as const,
      tags: {},
      // broker 3 has no agent yet (just booted)
      ...(n < 3 ? { hostRoot: join(bed, 'hosts', String(n)) } : {}),
    })),
  });
  channel = new CloudAssistantChannel({ ecs: createAlicloudClients(fake.clientOptions).ecs, region: FAKE_REGION });
});
afterAll(async () => {
  await fake.close();
  await rm(bed, { recursive: true, force: true });
});
beforeEach(async () => {
  for (const n of [1, 2]) {
    await mkdir(join(bed, 'hosts', String(n), 'config'), { recursive: true });
    await writeFile(
      join(bed, 'hosts', String(n), 'config', 'server.properties'),
      PROPERTIES.replace('node.id=1', `node.id=${n}`),
    );
  }
  await rm(canary, { force: true });
  fake.gateway.calls.length = 0;
});

const propertiesPath = () => join(mountPoint, 'config', 'server.properties');

async function finished(commands: CommandChannel, handle: CommandHandle): Promise<CommandStatus> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const status = await commands.poll(handle);
    if (status.state !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('command did not finish');
}

async function run(n: number, command: BrokerCommand): Promise<CommandStatus> {
  return finished(channel, await channel.start(target(n), command));
}

const runCommandCalls = () => fake.gateway.calls.filter((call) => call.action === 'RunCommand');

describe('CloudAssistantChannel', () => {
  it("reads a broker's server.properties through the real writer, from that instance's own files", async () => {
    const status = await run(2, { kind: 'read-config', path: propertiesPath() });
    expect(status.state).toBe('succeeded');
    const read = parseReadOutput(status.state === 'succeeded' ? status.stdout : '');
    expect(Buffer.from(read.contentBase64, 'base64').toString()).toContain('node.id=2');
    expect(read.sha256).toBe(createHash('sha256').update(PROPERTIES.replace('node.id=1', 'node.id=2')).digest('hex'));
  });

  it('writes with compare-and-swap on one host only, keeping a backup', async () => {
    const read = parseReadOutput(
      ((await run(1, { kind: 'read-config', path: propertiesPath() })) as { stdout: string }).stdout,
    );
    const write = planWrite(
      read,
      [
        {
          name: 'EXTERNAL',
          bindHost: '0.0.0.0',
          bindPort: 39092,
          advertisedHost: 'b1.abc.alicloud.plc.tidbcloud.com',
          advertisedPort: 9093,
          securityProtocol: 'PLAINTEXT',
        },
      ],
      { path: propertiesPath(), expectedNodeId: 1 },
    );
    if (!write.changed) throw new Error('expected a change');
    const status = await run(1, write.command);
    expect(status).toMatchObject({ state: 'succeeded' });
    const host1 = await readFile(join(bed, 'hosts', '1', 'config', 'server.properties'), 'utf8');
    expect(host1).toContain('EXTERNAL://b1.abc.alicloud.plc.tidbcloud.com:9093');
    expect(await readFile(join(bed, 'hosts', '2', 'config', 'server.properties'), 'utf8')).not.toContain('EXTERNAL');
    // the same write again: the file changed since the read, so the writer refuses (exit 3)
    const again = await run(1, write.command);
    expect(again).toMatchObject({ state: 'failed', exitCode: 3 });
  });

  it('restarts through the spec’s script with the properties path as its only argument', async () => {
    const script = join(bed, 'hosts', '1', 'bin', 'restart.sh');
    await mkdir(join(bed, 'hosts', '1', 'bin'), { recursive: true });
    await writeFile(script, '#!/bin/bash\nprintf "restarted with %s\\n" "$1" >> "$(dirname "$0")/restarts.log"\n');
    await chmod(script, 0o755);
    const status = await run(1, {
      kind: 'restart',
      method: { script: join(mountPoint, 'bin', 'restart.sh') },
      path: propertiesPath(),
    });
    expect(status.state).toBe('succeeded');
    expect(await readFile(join(bed, 'hosts', '1', 'bin', 'restarts.log'), 'utf8')).toBe(
      `restarted with ${propertiesPath()}\n`,
    );
  });

  it('reports a failed command with its exit code and Cloud Assistant’s error code', async () => {
    const status = await run(1, { kind: 'read-config', path: join(mountPoint, 'config', 'missing.properties') });
    expect(status).toMatchObject({ state: 'failed', exitCode: 4 });
    expect(status.state === 'failed' && status.stderr).toMatch(/Failed; ExitCodeNonzero/);
  });

  it.each([
    ['path', { kind: 'read-config', path: `/tmp/x'; touch CANARY; '` }],
    ['path', { kind: 'restart', method: { systemdUnit: 'kafka.service' }, path: '/etc/$(touch CANARY)' }],
    [
      'systemdUnit',
      {
        kind: 'restart',
        method: { systemdUnit: "kafka.service' ; touch CANARY ; '.service" },
        path: '/etc/k.properties',
      },
    ],
    ['script', { kind: 'restart', method: { script: '/opt/`touch CANARY`' }, path: '/etc/k.properties' }],
    [
      'contentBase64',
      {
        kind: 'write-config',
        path: '/etc/k.properties',
        expectedSha256: 'a'.repeat(64),
        contentBase64: "'; touch CANARY; '",
      },
    ],
    ['path', { kind: 'write-config', path: '/etc/../k', expectedSha256: 'a'.repeat(64), contentBase64: '' }],
    [
      'expectedSha256',
      { kind: 'write-config', path: '/etc/k.properties', expectedSha256: '$(touch CANARY)', contentBase64: '' },
    ],
  ])('refuses a hostile %s before anything is sent, and nothing runs', async (field, command) => {
    const hostile = JSON.parse(JSON.stringify(command).replaceAll('CANARY', canary)) as BrokerCommand;
    await expect(channel.start(target(1), hostile)).rejects.toMatchObject({ name: 'CloudAssistantValueUnsafe', field });
    expect(runCommandCalls()).toEqual([]);
    expect(existsSync(canary)).toBe(false);
  });

  it('is what stands between a hostile value and the shell: Cloud Assistant itself pastes values in raw', async () => {
    // Bypass the adapter and send the shipped command with a hostile path straight to (fake) Cloud Assistant.
    const client = createAlicloudClients(fake.clientOptions).ecs;
    const answer = await client.runCommand(
      new ecs.RunCommandRequest({
        regionId: FAKE_REGION,
        type: 'RunShellScript',
        commandContent: shippedCommand().base64,
        contentEncoding: 'Base64',
        enableParameter: true,
        instanceId: ['i-t4nbroker1'],
        parameters: {
          action: 'read',
          path: `x'; touch ${canary}; '`,
          expectedSha256: '',
          expectedNodeId: '',
          contentGzipBase64: '',
          systemdUnit: '',
          script: '',
        },
      }),
    );
    await finished(channel, { id: answer.body!.invokeId!, target: target(1) });
    expect(existsSync(canary)).toBe(true);
  });

  it('refuses a write whose command would exceed 24 KB of Base64, sending nothing', async () => {
    const incompressible = randomBytes(20_000).toString('base64');
    const command: BrokerCommand = {
      kind: 'write-config',
      path: propertiesPath(),
      expectedSha256: 'a'.repeat(64),
      contentBase64: incompressible,
      expectedNodeId: 1,
    };
    await expect(channel.start(target(1), command)).rejects.toMatchObject({ name: 'CloudAssistantCommandTooLarge' });
    expect(runCommandCalls()).toEqual([]);
  });

  it('fits a realistic 30 KB server.properties: content travels compressed', async () => {
    const big = `${PROPERTIES}${Array.from({ length: 600 }, (_, i) => `# comment line ${i} about log.retention and friends\n`).join('')}`;
    expect(big.length).toBeGreaterThan(30_000);
    await writeFile(join(bed, 'hosts', '2', 'config', 'server.properties'), PROPERTIES);
    const read = parseReadOutput(
      ((await run(2, { kind: 'read-config', path: propertiesPath() })) as { stdout: string }).stdout,
    );
    const command: BrokerCommand = {
      kind: 'write-config',
      path: propertiesPath(),
      expectedSha256: read.sha256,
      contentBase64: Buffer.from(big).toString('base64'),
      expectedNodeId: 1,
    };
    expect(await run(2, command)).toMatchObject({ state: 'succeeded' });
    expect(await readFile(join(bed, 'hosts', '2', 'config', 'server.properties'), 'utf8')).toBe(big);
  });

  it('treats output Cloud Assistant dropped (over 24 KB) as an error, not a short answer', async () => {
    await writeFile(join(bed, 'hosts', '1', 'config', 'server.properties'), randomBytes(30_000));
    const handle = await channel.start(target(1), { kind: 'read-config', path: propertiesPath() });
    await expect(finished(channel, handle)).rejects.toMatchObject({ name: 'CloudAssistantOutputDropped' });
  });

  it('waits (disposition wait) for an instance whose agent is not running yet', async () => {
    const error = await channel
      .start(target(3), { kind: 'read-config', path: propertiesPath() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'CloudAssistantAgentNotReady', disposition: 'wait' });
  });

  it('refuses a broker without an instance id', async () => {
    await expect(
      channel.start({ brokerId: 9, host: '10.0.0.9' }, { kind: 'read-config', path: propertiesPath() }),
    ).rejects.toMatchObject({
      name: 'CloudAssistantTargetInvalid',
    });
  });
});
