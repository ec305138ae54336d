/*
 * `osls package` of serverless.yml, offline (no credentials, no network), in a temporary copy of the repository
 * with node_modules linked: what test/aws/package.test.ts checks the template of, and test/aws/artifact.test.ts
 * runs the zips of. osls does not exit when a bundle fails to build, so every run is bounded by a timeout.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = new URL('../../', import.meta.url).pathname;
export const PACKAGE_TIMEOUT_MS = 280_000;

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  Condition?: string;
  DependsOn?: unknown;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, unknown>;
  Conditions?: unknown;
}

export interface Packaged {
  /** Temporary directory holding the repository copy (`repo/`) and the package output (`out/`). */
  work: string;
  out: string;
  template: CfnTemplate;
  close(): Promise<void>;
}

export function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs = PACKAGE_TIMEOUT_MS,
  env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, env }, (error, stdout, stderr) => {
      if (error !== null)
        reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

/** Packages the service for stage `test` (us-west-2) with the given deploy parameters. */
export async function packageService(params: Record<string, string> = {}): Promise<Packaged> {
  const work = await mkdtemp(join(tmpdir(), 'brokerlink-osls-'));
  try {
    const copy = join(work, 'repo');
    await run(
      'sh',
      [
        '-c',
        `mkdir -p "${copy}" && tar -C "${REPO}" --exclude=./node_modules --exclude=./.git --exclude=./.serverless --exclude=./.esbuild --exclude=./.cache -cf - . | tar -C "${copy}" -xf -`,
      ],
      REPO,
    );
    await symlink(join(REPO, 'node_modules'), join(copy, 'node_modules'));
    const osls = join(REPO, 'node_modules', 'osls', 'bin', 'serverless.js');
    const out = join(work, 'out');
    await run(
      process.execPath,
      [
        osls,
        'package',
        '--stage',
        'test',
        '--region',
        'us-west-2',
        '--package',
        out,
        ...Object.entries(params).map(([key, value]) => `--param=${key}=${value}`),
      ],
      copy,
    );
    const template = JSON.parse(await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
    return { work, out, template, close: () => rm(work, { recursive: true, force: true }) };
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}
