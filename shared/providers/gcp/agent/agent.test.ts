import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BrokerCommand, CommandStatus } from '../../../ports.ts';
import { PARAMETER_PATTERNS } from '../../aws/ssm-document.ts';
import { AGENT_PATTERNS, COMMAND_KEY, encodeCommand, GUEST_NAMESPACE, readReply } from '../metadata-command.ts';
import { FakeComputeState } from '../testing/fake-compute.ts';
import { FakeMetadataServer } from '../testing/fake-metadata-server.ts';

/*
 * The real agent (bash) against a fake metadata server that shares its state with the fake Compute API: commands
 * go in through the metadata key, replies come back through guest attributes, and the real brokerlink-writer.sh
 * edits a real file. Hostile values must be rejected before anything runs.
 */

const AGENT = fileURLToPath(new URL('./brokerlink-metadata-agent.sh', import.meta.url));
const WRITER = fileURLToPath(new URL('../../../broker-writer/brokerlink-writer.sh', import.meta.url));
const VM = 'broker-node1';

let dir: string;
let state: FakeComputeState;
let metadata: FakeMetadataServer;
let url: string;
let agent: ChildProcess | undefined;
let propertiesPath: string;
let canary: string;

function startAgent(): void {
  agent = spawn('timeout', ['120', 'bash', AGENT], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
      BROKERLINK_METADATA_URL: url,
      BROKERLINK_WRITER: WRITER,
      BROKERLINK_STATE_DIR: join(dir, 'state'),
      BROKERLINK_WAIT_SECONDS: '5',
    },
  });
  agent.stderr?.resume();
}

function stopAgent(): void {
  if (agent?.pid !== undefined && agent.exitCode === null) {
    try {
      process.kill(-agent.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  agent = undefined;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'brokerlink-agent-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'etc'));
  propertiesPath = join(dir, 'etc', 'server.properties');
  writeFileSync(propertiesPath, 'node.id=1\nlisteners=INTERNAL://0.0.0.0:9092\n');
  canary = join(dir, 'CANARY');
  // A restart script and a systemctl stand-in that record how they were called.
  writeFileSync(join(dir, 'restart.sh'), `#!/bin/sh\nprintf '%s\\n' "$#:$1" >> '${join(dir, 'restarts.log')}'\n`);
  chmodSync(join(dir, 'restart.sh'), 0o755);
  writeFileSync(join(dir, 'bin', 'systemctl'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${join(dir, 'systemctl.log')}'\n`);
  chmodSync(join(dir, 'bin', 'systemctl'), 0o755);
  state = new FakeComputeState();
  state.addSubnetwork({
    name: 'brokers-subnet',
    network: 'kafka-vpc',
    ipCidrRange: '10.64.0.0/18',
    purpose: 'PRIVATE',
  });
  state.addInstance({
    name: VM,
    zone: 'us-west1-a',
    networkIP: '10.64.0.10',
    metadata: { 'enable-guest-attributes': 'TRUE' },
  });
  metadata = new FakeMetadataServer(state, VM, { host: '127.0.2.20' });
  url = await metadata.start();
  startAgent();
});

afterEach(async () => {
  stopAgent();
  await metadata.stop();
  rmSync(dir, { recursive: true, force: true });
});

function send(text: string): void {
  state.setMetadataItem(VM, COMMAND_KEY, text);
}

function guestItems(): Array<{ key: string; value: string }> {
  return [...state.instances.get(VM)!.guestAttributes]
    .filter(([path]) => path.startsWith(`${GUEST_NAMESPACE}/`))
    .map(([path, value]) => ({ key: path.slice(GUEST_NAMESPACE.length + 1), value }));
}

async function reply(id: string): Promise<CommandStatus> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const items = guestItems();
    const result = items.find((i) => i.key === 'result')?.value ?? '';
    if (result.startsWith(`id=${id} `) && !result.includes('state=running')) return readReply(id, items);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no reply for ${id}; guest attributes: ${JSON.stringify(guestItems())}`);
}

async function rejection(id: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const result = guestItems().find((i) => i.key === 'result')?.value ?? '';
    const match = new RegExp(`^id=${id} state=rejected error=([a-z0-9-]+)$`).exec(result);
    if (match) return match[1]!;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no rejection for ${id}; guest attributes: ${JSON.stringify(guestItems())}`);
}

async function run(id: string, command: BrokerCommand): Promise<CommandStatus> {
  send(encodeCommand(id, command));
  return reply(id);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('metadata agent', () => {
  it('reads server.properties through the shipped writer and answers in guest attributes', async () => {
    const status = await run('r1', { kind: 'read-config', path: propertiesPath });
    expect(status.state).toBe('succeeded');
    const answer = JSON.parse((status as { stdout: string }).stdout);
    expect(answer).toMatchObject({ result: 'read', sha256: sha256(readFileSync(propertiesPath, 'utf8')) });
    expect(Buffer.from(answer.contentBase64, 'base64').toString()).toContain('node.id=1');
  });

  it('writes with compare-and-swap: the current sha256 wins, a stale one is a conflict and changes nothing', async () => {
    const before = readFileSync(propertiesPath, 'utf8');
    const next = `${before}advertised.listeners=EXTERNAL://b1.abc.example:9093\n`;
    const written = await run('w1', {
      kind: 'write-config',
      path: propertiesPath,
      expectedSha256: sha256(before),
      contentBase64: Buffer.from(next).toString('base64'),
      expectedNodeId: 1,
    });
    expect(written.state).toBe('succeeded');
    expect(readFileSync(propertiesPath, 'utf8')).toBe(next);
    const stale = await run('w2', {
      kind: 'write-config',
      path: propertiesPath,
      expectedSha256: sha256(before),
      contentBase64: Buffer.from('x=1\n').toString('base64'),
      expectedNodeId: 1,
    });
    expect(stale).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(readFileSync(propertiesPath, 'utf8')).toBe(next);
  });

  it('returns a reply larger than one guest attribute in chunks whose checksum matches', async () => {
    writeFileSync(propertiesPath, Array.from({ length: 200 }, (_, i) => `custom.setting.${i}=value-${i}`).join('\n'));
    const status = await run('big1', { kind: 'read-config', path: propertiesPath });
    expect(guestItems().filter((i) => i.key.startsWith('out-')).length).toBeGreaterThan(3);
    expect(JSON.parse((status as { stdout: string }).stdout).sha256).toBe(sha256(readFileSync(propertiesPath, 'utf8')));
  });

  it("restarts with the spec's script (the properties path as its only argument) or systemd unit", async () => {
    expect(
      (await run('s1', { kind: 'restart', method: { script: join(dir, 'restart.sh') }, path: propertiesPath })).state,
    ).toBe('succeeded');
    expect(readFileSync(join(dir, 'restarts.log'), 'utf8')).toBe(`1:${propertiesPath}\n`);
    expect(
      (await run('s2', { kind: 'restart', method: { systemdUnit: 'kafka.service' }, path: propertiesPath })).state,
    ).toBe('succeeded');
    expect(readFileSync(join(dir, 'systemctl.log'), 'utf8')).toBe('restart -- kafka.service\n');
  });

  it('never runs a command id twice, also not after the agent restarts', async () => {
    await run('once1', { kind: 'restart', method: { script: join(dir, 'restart.sh') }, path: propertiesPath });
    stopAgent();
    const seen = metadata.server.count('GET', /\/attributes\//);
    startAgent();
    // The same command is still in metadata: wait until the restarted agent has read it, then send another one
    // (handled strictly after the first, so a replayed restart would be logged by the time it answers).
    while (metadata.server.count('GET', /\/attributes\//) === seen)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await run('after1', { kind: 'read-config', path: propertiesPath });
    expect(readFileSync(join(dir, 'restarts.log'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  const hostile: Array<[string, string, string]> = [
    ['command substitution in the id', 'version=1\nid=$(touch CANARY)\naction=read\npath=/etc/x', 'invalid-id'],
    ['a shell separator in the path', 'version=1\nid=h1\naction=read\npath=/etc/x; touch CANARY', 'invalid-path'],
    ['a .. segment in the path', 'version=1\nid=h2\naction=read\npath=/etc/../root/x', 'invalid-path'],
    [
      'a backtick in the systemd unit',
      'version=1\nid=h3\naction=restart\npath=/etc/x\nsystemdUnit=`touch CANARY`.service',
      'invalid-systemd-unit',
    ],
    [
      'a command line as the script',
      'version=1\nid=h4\naction=restart\npath=/etc/x\nscript=/bin/sh -c touch',
      'invalid-script',
    ],
    [
      'quotes in the content',
      'version=1\nid=h5\naction=write\npath=/etc/x\nexpectedSha256=' +
        'a'.repeat(64) +
        "\ncontentBase64=AAAA';touch CANARY;'",
      'invalid-base64',
    ],
    ['an unknown key', 'version=1\nid=h6\naction=read\npath=/etc/x\nexec=touch CANARY', 'unknown-key'],
    ['a second action line', 'version=1\nid=h7\naction=read\npath=/etc/x\naction=restart', 'duplicate-key'],
    [
      'both restart methods',
      'version=1\nid=h8\naction=restart\npath=/etc/x\nsystemdUnit=kafka.service\nscript=/opt/restart.sh',
      'restart-method',
    ],
    [
      'a node id that is not a number',
      `version=1\nid=h13\naction=write\npath=/etc/x\nexpectedSha256=${'a'.repeat(64)}\ncontentBase64=AAAA\nexpectedNodeId=1;reboot`,
      'invalid-node-id',
    ],
    ['another version', 'version=2\nid=h9\naction=read\npath=/etc/x', 'unsupported-version'],
    ['an action with a separator', 'version=1\nid=h10\naction=read;reboot\npath=/etc/x', 'unknown-action'],
    ['a line that is not key=value', 'version=1\nid=h11\n$(touch CANARY)\naction=read\npath=/etc/x', 'malformed-line'],
    [
      'a sha256 on a read',
      `version=1\nid=h12\naction=read\npath=/etc/x\nexpectedSha256=${'a'.repeat(64)}`,
      'unexpected-field',
    ],
  ];

  it.each(hostile)('rejects %s, runs nothing and says why', async (_what, text, code) => {
    const before = readFileSync(propertiesPath, 'utf8');
    send(text.replaceAll('CANARY', canary).replaceAll('/etc/x', propertiesPath));
    const id = /\nid=(h\d+)\n/.exec(text)?.[1] ?? 'invalid';
    expect(await rejection(id)).toBe(code);
    expect(existsSync(canary)).toBe(false);
    expect(existsSync(join(dir, 'restarts.log'))).toBe(false);
    expect(existsSync(join(dir, 'systemctl.log'))).toBe(false);
    expect(readFileSync(propertiesPath, 'utf8')).toBe(before);
  });

  it("refuses to write a file that names another broker's node id (the writer's identity check)", async () => {
    writeFileSync(propertiesPath, 'node.id=3\n');
    const status = await run('n1', {
      kind: 'write-config',
      path: propertiesPath,
      expectedSha256: sha256('node.id=3\n'),
      contentBase64: Buffer.from('node.id=3\nx=1\n').toString('base64'),
      expectedNodeId: 1,
    });
    expect(status).toMatchObject({ state: 'failed', exitCode: 6 });
    expect(readFileSync(propertiesPath, 'utf8')).toBe('node.id=3\n');
  });

  it('writes hostile file content verbatim: content is data, never code', async () => {
    const before = readFileSync(propertiesPath, 'utf8');
    const content = `evil=$(touch ${canary})\`touch ${canary}\`'"\n`;
    const status = await run('c1', {
      kind: 'write-config',
      path: propertiesPath,
      expectedSha256: sha256(before),
      contentBase64: Buffer.from(content).toString('base64'),
      expectedNodeId: 1,
    });
    expect(status.state).toBe('succeeded');
    expect(readFileSync(propertiesPath, 'utf8')).toBe(content);
    expect(existsSync(canary)).toBe(false);
  });
});

describe('agent patterns', () => {
  it('are the ones metadata-command.ts checks, and match the SSM document of the AWS channel', () => {
    const script = readFileSync(AGENT, 'utf8');
    const fromScript = (name: string) => new RegExp(`^${name}='([^']*)'$`, 'm').exec(script)?.[1];
    expect(fromScript('ID_RE')).toBe(AGENT_PATTERNS.id);
    expect(fromScript('PATH_RE')).toBe(AGENT_PATTERNS.path);
    expect(fromScript('SHA_RE')).toBe(AGENT_PATTERNS.sha256);
    expect(fromScript('B64_RE')).toBe(AGENT_PATTERNS.base64);
    expect(fromScript('UNIT_RE')).toBe(AGENT_PATTERNS.systemdUnit);
    expect(fromScript('NODE_RE')).toBe(AGENT_PATTERNS.nodeId);
    expect(PARAMETER_PATTERNS.expectedNodeId).toBe(`^(|${AGENT_PATTERNS.nodeId.slice(2, -2)})$`);
    expect(PARAMETER_PATTERNS.systemdUnit).toBe(`^(|${AGENT_PATTERNS.systemdUnit.slice(1, -1)})$`);
    expect(PARAMETER_PATTERNS.contentBase64).toBe(AGENT_PATTERNS.base64);
  });

  it('refuses to encode a value the agent would reject, sending nothing', () => {
    expect(() => encodeCommand('Bad Id', { kind: 'read-config', path: '/etc/x' })).toThrow(/id/);
    expect(() => encodeCommand('ok', { kind: 'read-config', path: '/etc/x; reboot' })).toThrow(/path/);
    expect(() =>
      encodeCommand('ok', { kind: 'restart', path: '/etc/x', method: { systemdUnit: 'kafka;.service' } }),
    ).toThrow(/systemdUnit/);
  });
});
