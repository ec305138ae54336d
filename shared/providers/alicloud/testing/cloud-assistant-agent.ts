/*
 * FAKE (test support): what the Cloud Assistant agent does on a Linux instance, for a folder standing in for that
 * instance. It runs the command text it is given — after the service's own plain-text `{{ }}` substitution, done
 * by fake-ecs.ts exactly as documented, so a hostile parameter value would really become shell code here — with
 * the real bash, as root, on real files. The one stand-in: an instance's file system. Each run enters a private
 * mount namespace (`unshare -m`) in which the instance's folder is bind-mounted over one shared mount point, so
 * the absolute paths in a spec (`<mountPoint>/config/server.properties`) name that instance's own files and nothing
 * is rewritten on the way. Output is stdout and stderr together, the first 24 KB kept and the rest counted as
 * Dropped, as the agent reports it; a run longer than its Timeout is killed (status Timeout).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Cloud Assistant keeps at most this much output per invocation; the rest is reported as Dropped. */
export const OUTPUT_LIMIT_BYTES = 24 * 1024;

export interface AgentRun {
  /** The folder that is this instance's file system under `mountPoint`. */
  hostRoot: string;
  /** The command text, parameters already substituted. */
  script: string;
  timeoutSeconds: number;
  env?: NodeJS.ProcessEnv;
}

export interface AgentResult {
  status: 'Success' | 'Failed' | 'Timeout';
  exitCode: number | null;
  output: Buffer;
  dropped: number;
  errorCode: string;
  errorInfo: string;
}

export interface CloudAssistantAgent {
  run(run: AgentRun): Promise<AgentResult>;
  /** Kills every script still running (fake shutdown); never leaves processes behind. */
  stopAll(): void;
}

export function createCloudAssistantAgent(options: { mountPoint: string }): CloudAssistantAgent {
  const running = new Set<number>();
  return {
    async run(run) {
      const dir = await mkdtemp(join(tmpdir(), 'fake-cloud-assistant-'));
      const file = join(dir, 'command.sh');
      await writeFile(file, run.script, { mode: 0o700 });
      try {
        return await execute(file, run, options.mountPoint, running);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    stopAll() {
      for (const pid of running) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      running.clear();
    },
  };
}

const ENTER_INSTANCE = 'mount --bind -- "$1" "$2" && cd -- "$2" && exec bash -- "$3"';

function execute(file: string, run: AgentRun, mountPoint: string, running: Set<number>): Promise<AgentResult> {
  return new Promise((resolve) => {
    const child = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'bash',
        '-c',
        ENTER_INSTANCE,
        'cloud-assistant',
        run.hostRoot,
        mountPoint,
        file,
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...(run.env ?? process.env), HOME: mountPoint } },
    );
    if (child.pid !== undefined) running.add(child.pid);
    const chunks: Buffer[] = [];
    let total = 0;
    const collect = (chunk: Buffer) => {
      total += chunk.length;
      const room = OUTPUT_LIMIT_BYTES - chunks.reduce((n, c) => n + c.length, 0);
      if (room > 0) chunks.push(chunk.subarray(0, room));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, run.timeoutSeconds * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({
        status: 'Failed',
        exitCode: null,
        output: Buffer.from(`fake agent could not start unshare: ${error.message}`),
        dropped: 0,
        errorCode: 'ExecutionException',
        errorInfo: 'the fake agent needs unshare(1) and root for a per-instance mount namespace',
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      const output = Buffer.concat(chunks);
      const dropped = total - output.length;
      if (timedOut) {
        resolve({
          status: 'Timeout',
          exitCode: null,
          output,
          dropped,
          errorCode: 'ExecutionTimeout',
          errorInfo: 'the command timed out',
        });
      } else if (code === 0) {
        resolve({ status: 'Success', exitCode: 0, output, dropped, errorCode: '', errorInfo: '' });
      } else {
        resolve({
          status: 'Failed',
          exitCode: code,
          output,
          dropped,
          errorCode: 'ExitCodeNonzero',
          errorInfo: `the command exited with code ${code}`,
        });
      }
    });
  });
}
