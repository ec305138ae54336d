import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMetadataResponse, encodeMetadataRequest } from './protocol.ts';
import { RawKafkaConnection } from './raw-client.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function nextLine(child: ChildProcess, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('timed out waiting for test broker output')), timeoutMs);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(buf.slice(0, i));
      }
    };
    child.stdout!.on('data', onData);
  });
}

async function advertised(port: number): Promise<string[]> {
  const c = await RawKafkaConnection.connect('127.0.0.1', port);
  try {
    const r = await c.request(3, 12, encodeMetadataRequest(12, { topics: null, allowAutoTopicCreation: false }), {
      responseHeaderVersion: 1,
    });
    return decodeMetadataResponse(r, 12).brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`);
  } finally {
    c.close();
  }
}

describe('testkit/kafka/cli.ts', () => {
  it('writes a pid file, restarts on SIGHUP with the re-read file, exits cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brokerlink-cli-'));
    dirs.push(dir);
    const props = join(dir, 'server.properties');
    writeFileSync(props, 'broker.id=4\nlisteners=PLAINTEXT://127.0.0.1:0\n');
    const child = spawn(process.execPath, [join(import.meta.dirname, 'cli.ts'), '--properties', props], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const first = JSON.parse(await nextLine(child)) as { nodeId: number; ports: Record<string, number> };
    expect(first.nodeId).toBe(4);
    expect(readFileSync(`${props}.pid`, 'utf8').trim()).toBe(String(child.pid));
    const port = first.ports['PLAINTEXT']!;
    expect(await advertised(port)).toEqual([`4@127.0.0.1:${port}`]);

    writeFileSync(
      props,
      `broker.id=4\nlisteners=PLAINTEXT://127.0.0.1:${port}\nadvertised.listeners=PLAINTEXT://kafka-4.example:9096\n`,
    );
    const restarted = nextLine(child);
    child.kill('SIGHUP');
    expect(JSON.parse(await restarted).ports).toEqual({ PLAINTEXT: port });
    expect(await advertised(port)).toEqual(['4@kafka-4.example:9096']);

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(`${props}.pid`)).toBe(false);
  });

  it('exits with status 2 and usage when --properties is missing', async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'cli.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/--properties is required/);
  });
});
