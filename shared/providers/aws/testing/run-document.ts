/*
 * FAKE (test support): runs an SSM Command document's aws:runShellScript steps with the real /bin/sh on this
 * machine, the way the SSM agent does — `{{ name }}` replaced textually by the parameter value, the lines joined
 * into one script file, run with sh, exit code 0 → Success, otherwise Failed. The one deviation: each instance's
 * file system is rooted at a local directory, so the `path` and `script` parameter values are prefixed with that
 * directory (a temp directory made of pattern-safe characters) before substitution.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandHook, CommandRequest } from './fake-ssm.ts';
import type { FakeCommandOutcome } from './fake-state.ts';

export interface LocalDocumentRunOptions {
  /** The directory standing in for `/` on that instance. */
  rootFor: (instanceId: string) => string;
  /** Kill the script after this long (reported as TimedOut). Default 20 s. */
  timeoutMs?: number;
  /** Environment of the script (default: this process's), e.g. a PATH with a stand-in `systemctl`. */
  env?: NodeJS.ProcessEnv;
  /** Called with every request before it runs (e.g. to record what reached the "instance"). */
  onRun?: (request: CommandRequest, script: string) => void;
}

/** SSM's textual substitution of `{{ name }}` / `{{name}}`. */
export function substituteParameters(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

export function runDocumentLocally(options: LocalDocumentRunOptions): CommandHook {
  return async (request) => {
    const root = options.rootFor(request.instanceId);
    const values = { ...request.parameters };
    for (const key of ['path', 'script']) {
      const value = values[key];
      if (value !== undefined && value !== '') values[key] = `${root}${value}`;
    }
    const steps = request.document.mainSteps.filter((step) => step.action === 'aws:runShellScript');
    const script = steps.map((step) => substituteParameters(step.inputs.runCommand.join('\n'), values)).join('\n');
    options.onRun?.(request, script);
    const dir = await mkdtemp(join(tmpdir(), 'fake-ssm-agent-'));
    try {
      const file = join(dir, '_script.sh');
      await writeFile(file, script, { mode: 0o700 });
      return await runScript(file, dir, options.timeoutMs ?? 20_000, options.env ?? process.env);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

function runScript(file: string, cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<FakeCommandOutcome> {
  return new Promise((resolve) => {
    execFile('sh', [file], { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ status: 'Success', stdout, stderr, exitCode: 0 });
        return;
      }
      if (error.killed) {
        resolve({ status: 'TimedOut', stdout, stderr, exitCode: -1 });
        return;
      }
      const code = typeof error.code === 'number' ? error.code : 1;
      resolve({ status: 'Failed', stdout, stderr, exitCode: code });
    });
  });
}
