import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's "Trying it by hand" path, as a person would run it: the setup script, `brokerlink testbroker`
// and `brokerlink local-lb` as long-running processes, then `brokerlink plan | apply | verify | drift`.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/brokerlink.js');
const SETUP = join(ROOT, 'docs/examples/local/setup.sh');

function brokerlink(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * A block of consecutive free ports on 127.0.0.1 below Linux's ephemeral range (32768+), where the kernel's own
 * choices for other tests' sockets cannot take one of them between this check and the LB binding it.
 */
async function freePortBlock(size: number): Promise<number> {
  const canBind = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 1_200) * 10;
    let free = true;
    for (let port = base; port < base + size && free; port++) free = await canBind(port);
    if (free) return base;
  }
  throw new Error('no block of free ports found below 32768');
}

function waitForLines(child: ChildProcess, count: number, timeoutMs = 15_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`timed out; got: ${lines.join(' | ')}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        lines.push(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
      if (lines.length >= count) {
        clearTimeout(timer);
        resolve(lines);
      }
    });
  });
}

describe('trying brokerlink by hand on the local provider (README)', () => {
  let dir: string;
  let spec: string;
  const children: ChildProcess[] = [];
  let lbPort = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-by-hand-'));
    lbPort = await freePortBlock(10);
    await new Promise<void>((resolve, reject) =>
      execFile('bash', [SETUP, dir], { env: { ...process.env, LB_PORT: String(lbPort), HOST_BASE: '100' } }, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    spec = join(dir, 'spec.yaml');
    const brokerArgs = [1, 2, 3].flatMap((id) => [
      '--properties',
      join(dir, `hosts/${id}/etc/kafka/server.properties`),
      '--host-address',
      `127.0.0.${100 + id}`,
    ]);
    const brokers = spawn(process.execPath, [BIN, 'testbroker', '--topic', 'orders:6:3:2', ...brokerArgs], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lb = spawn(process.execPath, [BIN, 'local-lb', '--state', join(dir, 'lb-state.json')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(brokers, lb);
    await Promise.all([waitForLines(brokers, 3), waitForLines(lb, 1)]);
  }, 60_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)),
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('plans, applies, verifies, then finds and repairs drift with the documented exit codes', async () => {
    const planned = await brokerlink(['plan', spec]);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`b1.kafka.local.test:${lbPort + 1}`);

    const applied = await brokerlink(['apply', spec]);
    expect(applied.stderr).not.toMatch(/✗/);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('passed: 4/4 checks ok');
    const file2 = join(dir, 'hosts/2/etc/kafka/server.properties');
    expect(await readFile(file2, 'utf8')).toContain(`EXTERNAL://b2.kafka.local.test:${lbPort + 2}`);

    expect((await brokerlink(['verify', spec])).code).toBe(0);
    expect((await brokerlink(['drift', spec])).stdout).toContain('no drift');

    // Config management gone wrong: broker 2 gets an old advertised port and is restarted with it.
    const text = await readFile(file2, 'utf8');
    await writeFile(file2, text.replace(`b2.kafka.local.test:${lbPort + 2}`, 'b2.kafka.local.test:29999'));
    await new Promise<void>((resolve, reject) =>
      execFile('bash', [join(dir, 'restart-testbroker.sh'), file2], (error) => (error ? reject(error) : resolve())),
    );
    const failed = await brokerlink(['verify', spec]);
    expect(failed.code).toBe(1);

    const repaired = await brokerlink(['drift', spec]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('repaired');
    expect((await brokerlink(['drift', spec])).stdout).toContain('no drift');
    expect((await brokerlink(['verify', spec])).code).toBe(0);
  }, 120_000);
});
