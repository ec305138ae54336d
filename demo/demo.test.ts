import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('..', import.meta.url));

function runDemo(interruptWhen?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['demo/main.ts'], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (interruptWhen?.test(stdout)) {
        interruptWhen = undefined;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Processes whose command line mentions `needle` (the demo's temp dir). */
async function processesMentioning(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(Number(entry));
  }
  return found;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('npm start (demo/main.ts)', () => {
  it('provisions, enrolls a 4th broker, repairs drift, exits 0 and leaves nothing behind', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(stderr).not.toContain('demo failed');
    expect(code).toBe(0);

    // the plan, from the real planner
    expect(stdout).toMatch(/Plan for cluster demo \(local\)/);
    expect(stdout).toMatch(/Summary: 8 LB action\(s\), 3 config change\(s\), 3 restart\(s\)/);
    // live progress of the rolling restart, one broker at a time
    for (const id of [1, 2, 3]) {
      expect(stdout).toMatch(new RegExp(`broker ${id} {2}waiting for the safety gate`));
      expect(stdout).toMatch(new RegExp(`broker ${id} {2}restarting \\(restart script\\)`));
      expect(stdout).toMatch(new RegExp(`broker ${id} {2}waiting healthy 2/2`));
      expect(stdout).toMatch(new RegExp(`broker ${id} {2}done`));
    }
    expect(stdout).toMatch(/3 brokers restarted one at a time \(\d → \d → \d\); verification passed/);
    expect(stdout).toMatch(/verification through 127\.0\.0\.1 passed: 4\/4 checks ok/);
    // enrollment of broker 4 touches only broker 4
    expect(stdout).toMatch(/broker 4 enrolled on LB port \d+: only broker 4 was configured and restarted/);
    expect(stdout).toMatch(/passed: 5\/5 checks ok/);
    // drift found and repaired
    expect(stdout).toMatch(/drift found: 2 difference\(s\)/);
    expect(stdout).toMatch(/register broker 2 \(127\.0\.0\.12:\d+\) on EXTERNAL port \d+/);
    expect(stdout).toMatch(/broker 3: .*advertises EXTERNAL as kafka-3\.old\.internal:9092/);
    expect(stdout).toMatch(/drift found \(2\) and repaired/);
    expect(stdout).toMatch(/\d+\.\d\d s {2}total/);
    // no colours when stdout is not a terminal
    expect(stdout).not.toContain('\u001b[');

    // nothing left behind: no process mentions the lab dir, the dir is gone, the LB ports are closed
    const labDir = /spec {6}(\/\S+)\/demo\.yaml/.exec(stdout)?.[1];
    expect(labDir).toBeDefined();
    expect(await processesMentioning(labDir!)).toEqual([]);
    expect(existsSync(labDir!)).toBe(false);
    const bootstrap = Number(/bootstrap :(\d+)/.exec(stdout)?.[1]);
    expect(await refused(bootstrap)).toBe(true);
  }, 120_000);

  it('cleans up and exits 130 when interrupted in the middle of the rolling restart', async () => {
    const { code, stdout } = await runDemo(/restarting \(restart script\)/);
    expect(code).toBe(130);
    const labDir = /spec {6}(\/\S+)\/demo\.yaml/.exec(stdout)?.[1];
    expect(labDir).toBeDefined();
    expect(await processesMentioning(labDir!)).toEqual([]);
    expect(existsSync(labDir!)).toBe(false);
    const bootstrap = Number(/bootstrap :(\d+)/.exec(stdout)?.[1]);
    expect(await refused(bootstrap)).toBe(true);
  }, 120_000);
});
