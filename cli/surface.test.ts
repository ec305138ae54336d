/**
 * The CLI's surface as a user meets it: help on every command, the version, one JSON document for --json on every
 * error path, usage that names commands rather than script files, and each command loading only what it uses.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from './catalog.ts';
import { EXIT } from './errors.ts';
import { main } from './main.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'brokerlink.js');
const TRACE = join(ROOT, 'cli', 'testing', 'import-trace.mjs');
const AWS_SPEC = join(ROOT, 'docs', 'examples', 'aws-orders.yaml');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out, stdout: out.join('\n'), stderr: err.join('\n') };
}

function runProcess(
  argv: string[],
  options: { node?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      options.node ?? process.execPath,
      argv,
      { timeout: 30_000, env: { ...process.env, ...options.env }, cwd: options.cwd ?? ROOT },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bl-surface-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('help and version', () => {
  it.each(COMMANDS.map((command) => [command.name]))(
    '%s --help, -h and help %s print its usage and exit 0',
    async (name) => {
      for (const argv of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
        [name, 'some.yaml', '--json', '--help'],
      ]) {
        const result = await run(argv);
        expect(result.code, argv.join(' ')).toBe(EXIT.ok);
        expect(result.stdout).toMatch(new RegExp(`^usage: brokerlink ${name} `));
        expect(result.stderr).toBe('');
      }
    },
  );

  it('names commands, never script files, in every usage and help text', () => {
    for (const command of COMMANDS) {
      expect(`${command.usage}\n${command.details.join('\n')}`).not.toMatch(/\.(ts|mjs|sh)\b/);
    }
  });

  it('--version, -V and version print the package version', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V', 'version']) {
      expect(await run([flag])).toMatchObject({ code: EXIT.ok, stdout: `brokerlink ${version}` });
    }
  });

  it('help for an unknown command is a usage error', async () => {
    expect((await run(['help', 'deploy'])).code).toBe(EXIT.usage);
  });
});

const documentOf = (stdout: string) => JSON.parse(stdout) as { ok: boolean; error: Record<string, unknown> };

describe('--json: one JSON document on stdout, errors included', () => {
  it('for a usage error, with the usage line', async () => {
    const result = await run(['plan', AWS_SPEC, '--json', '--frobnicate']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.out).toHaveLength(1);
    expect(documentOf(result.stdout)).toMatchObject({
      ok: false,
      error: { name: 'UsageError', exitCode: EXIT.usage, usage: expect.stringContaining('brokerlink plan') },
    });
  });

  it('for an unknown command, or none, naming the commands there are', async () => {
    for (const argv of [['nosuch', AWS_SPEC, '--json'], ['--json'], ['help', 'nosuch', '--json']]) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(EXIT.usage);
      expect(result.out, argv.join(' ')).toHaveLength(1);
      expect(documentOf(result.stdout)).toMatchObject({
        ok: false,
        error: {
          name: 'UsageError',
          message: expect.stringMatching(/^unknown command "(nosuch|--json)"$/),
          exitCode: EXIT.usage,
          commands: expect.arrayContaining(['validate', 'apply', 'unlock']),
        },
      });
    }
    // Without --json the answer stays on stderr, and `--json` after `--` is an argument, not the flag.
    expect((await run(['nosuch'])).out).toEqual([]);
    expect((await run(['nosuch', '--', '--json'])).out).toEqual([]);
  });

  it('for an unreadable spec file, with exit 3', async () => {
    for (const name of ['validate', 'plan', 'apply', 'verify', 'drift']) {
      const result = await run([name, join(dir, 'missing.yaml'), '--json']);
      expect(result.code, name).toBe(EXIT.failure);
      expect(result.out, name).toHaveLength(1);
      expect(documentOf(result.stdout).error, name).toMatchObject({ name: 'FileUnreadable', exitCode: EXIT.failure });
    }
  });

  it('for an invalid spec, with every issue', async () => {
    const spec = join(dir, 'bad.yaml');
    await writeFile(spec, 'cluster: Orders!\n');
    for (const name of ['plan', 'apply', 'verify', 'drift']) {
      const result = await run([name, spec, '--json']);
      expect(result.code, name).toBe(EXIT.problem);
      expect(result.out, name).toHaveLength(1);
      expect(documentOf(result.stdout).error, name).toMatchObject({
        name: 'SpecInvalid',
        exitCode: EXIT.problem,
        issues: expect.arrayContaining([expect.objectContaining({ path: 'cluster' })]),
      });
    }
  });

  it('for a command that could not run (no adapter for the provider yet), with its error name', async () => {
    const gcp = join(dir, 'gcp.yaml');
    await writeFile(
      gcp,
      (await readFile(AWS_SPEC, 'utf8'))
        .replace(
          /provider:\n(?: {2,}.*\n)+/,
          'provider:\n  gcp: { project: kafka-project-1, region: us-west1, network: net, subnetwork: sub, consumerCidrs: [10.100.0.0/16] }\n',
        )
        .replace('    bootstrapPort: 9092\n', ''),
    );
    const result = await run(['verify', gcp, '--json']);
    expect(result.out).toHaveLength(1);
    expect(documentOf(result.stdout)).toMatchObject({ ok: false, error: { exitCode: result.code } });
  });
});

describe('exit codes: one per condition, from every command', () => {
  it('a corrupt local state file is "could not run" (3) from plan, verify, drift and apply alike', async () => {
    const stateFile = join(dir, 'corrupt-lb.json');
    await writeFile(stateFile, '{ this is not a ledger');
    const spec = join(dir, 'corrupt.yaml');
    await writeFile(
      spec,
      [
        'cluster: corrupt',
        'provider: { local: { stateFile: corrupt-lb.json } }',
        'brokers:',
        '  static: [{ id: 1, host: 127.0.9.1 }]',
        '  propertiesPath: /etc/kafka/server.properties',
        '  restart: { systemdUnit: kafka.service }',
        'kafka: { bootstrap: ["127.0.9.1:1"], requestTimeoutMs: 100 }',
        'exposures:',
        '  - { brokerPort: 39092, bootstrapPort: 19092, brokerPorts: { from: 19093, to: 19099 }, advertisedListenerPattern: "<broker_id>.example.com:<port>" }',
        '',
      ].join('\n'),
    );
    const codes: Record<string, number> = {};
    for (const name of ['plan', 'verify', 'drift', 'apply']) {
      const result = await run([name, spec, '--json']);
      codes[name] = result.code;
      expect(documentOf(result.stdout).error, name).toMatchObject({
        name: expect.stringMatching(/LocalStateInvalid|StateMachineFailed/),
      });
    }
    expect(codes).toEqual({ plan: EXIT.failure, verify: EXIT.failure, drift: EXIT.failure, apply: EXIT.failure });
  });

  it('unlock that leaves a live holder’s lock in place exits 4, as an apply that meets the lock does', async () => {
    const spec = join(dir, 'locked.yaml');
    await writeFile(
      spec,
      [
        'cluster: locked',
        'provider: { local: { stateFile: locked-lb.json } }',
        'brokers:',
        '  static: [{ id: 1, host: 127.0.9.1 }]',
        '  propertiesPath: /etc/kafka/server.properties',
        '  restart: { systemdUnit: kafka.service }',
        'kafka: { bootstrap: ["127.0.9.1:1"], requestTimeoutMs: 100 }',
        'exposures:',
        '  - { brokerPort: 39092, bootstrapPort: 19092, brokerPorts: { from: 19093, to: 19099 }, advertisedListenerPattern: "<broker_id>.example.com:<port>" }',
        '',
      ].join('\n'),
    );
    const { createLocalClusterLock } = await import('../shared/providers/local/lock.ts');
    const lock = createLocalClusterLock({ stateFile: join(dir, 'locked-lb.json') });
    expect(await lock.acquire('locked', 'local:provision:running', 3600)).toMatchObject({ acquired: true });
    try {
      const refused = await run(['unlock', spec]);
      expect(refused.code).toBe(EXIT.locked);
      expect(refused.stdout).toContain('not cleared: its holder is still running');
      expect(refused.stderr).toBe('');
      const json = await run(['unlock', spec, '--json']);
      expect(json.code).toBe(EXIT.locked);
      expect(documentOf(json.stdout)).toMatchObject({ cluster: 'locked', cleared: false });
      expect((await lock.status('locked'))?.holder.owner).toBe('local:provision:running');
      expect(await run(['unlock', spec, '--force'])).toMatchObject({ code: EXIT.ok });
      expect(await lock.status('locked')).toBeUndefined();
    } finally {
      await lock.release('locked', 'local:provision:running');
    }
  });

  it('maps each condition to its code', async () => {
    const { exitCodeOf } = await import('./errors.ts');
    const { StateMachineFailed } = await import('../shared/orchestration/errors.ts');
    const { LockHeld, LockLost, BrokerIdentityMismatch } = await import('../shared/steps/errors.ts');
    const { PlanInvalid } = await import('../shared/plan/errors.ts');
    const { dispositionOfName, isErrorName } = await import('../shared/error-catalogue.ts');
    const lookup = (name: string) => (isErrorName(name) ? dispositionOfName(name) : undefined);
    const failed = (name: string) => exitCodeOf(new StateMachineFailed(name, 'detail'), lookup);
    expect(exitCodeOf(new PlanInvalid(['x']))).toBe(EXIT.problem);
    expect(failed('PlanInvalid')).toBe(EXIT.problem);
    expect(failed('BrokerNotReady')).toBe(EXIT.problem);
    expect(failed('BrokerIdentityMismatch')).toBe(EXIT.problem);
    expect(
      exitCodeOf(new BrokerIdentityMismatch({ brokerId: 1, host: 'h', key: 'node.id', found: '3', fix: 'x' })),
    ).toBe(EXIT.problem);
    expect(exitCodeOf(new LockHeld('c', 'other', '2026-01-01T00:00:00Z'))).toBe(EXIT.locked);
    expect(failed('LockHeld')).toBe(EXIT.locked);
    expect(failed('LockLost')).toBe(EXIT.locked);
    expect(exitCodeOf(new LockLost({ cluster: 'c', owner: 'o', generation: 1, step: 's' }))).toBe(EXIT.locked);
    const { LockNotCleared } = await import('./errors.ts');
    expect(exitCodeOf(new LockNotCleared('lock not cleared'))).toBe(EXIT.locked); // unlock: its holder still runs
    expect(failed('LocalStateInvalid')).toBe(EXIT.failure);
    expect(failed('AwsThrottled')).toBe(EXIT.failure);
    expect(failed('States.Timeout')).toBe(EXIT.problem);
  });
});

describe('the real process', () => {
  it('local-lb without --state names itself in its usage and exits 2', async () => {
    const result = await runProcess([BIN, 'local-lb']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('usage: brokerlink local-lb --state <file>');
    expect(result.stderr).not.toMatch(/\.ts\b/);
  });

  it('testbroker without --properties names itself in its usage and exits 2', async () => {
    const result = await runProcess([BIN, 'testbroker']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('usage: brokerlink testbroker --properties <file>');
    expect(result.stderr).not.toMatch(/\.ts\b/);
  });

  it.each([
    ['--help', [], []],
    ['validate', ['validate', AWS_SPEC], ['yaml', 'zod']],
    ['apply, up to reading its spec', ['apply', join(ROOT, 'no-such-spec.yaml')], ['aws-local-stepfunctions']],
    ['unlock, up to reading its spec', ['unlock', join(ROOT, 'no-such-spec.yaml')], []],
    [
      'plan --observed',
      ['plan', AWS_SPEC, '--observed', join(ROOT, 'docs', 'examples', 'aws-orders.observed.json')],
      ['yaml'],
    ],
  ])('%s loads no cloud SDK, Kafka client or state-machine runner it does not use', async (_name, argv, needed) => {
    const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
    await writeFile(trace, '');
    const result = await runProcess(['--import', TRACE, BIN, ...(argv.length ? argv : ['--help'])], {
      env: { BROKERLINK_IMPORT_TRACE: trace },
    });
    expect(result.code).toBe(argv.includes(join(ROOT, 'no-such-spec.yaml')) ? EXIT.failure : EXIT.ok);
    const loaded = (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
    const packages = new Set(loaded.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
    const heavies = ['@aws-sdk/client-ec2', '@aws-sdk/client-ssm', '@platformatic/kafka', 'aws-local-stepfunctions'];
    for (const heavy of heavies.filter((name) => !needed.includes(name))) {
      expect(packages.has(heavy), heavy).toBe(false);
    }
    for (const name of needed) expect(packages.has(name), name).toBe(true);
  });

  it('runs on the system Node 20 by handing over to the project’s Node 22', async () => {
    const system = '/usr/bin/node';
    const version = await runProcess(['--version'], { node: system }).catch(() => ({ stdout: '' }));
    if (!version.stdout.startsWith('v20.')) return; // this machine's system Node is 20; elsewhere nothing to show
    const result = await runProcess([BIN, 'validate', AWS_SPEC], { node: system });
    expect(result).toMatchObject({ code: EXIT.ok, stdout: expect.stringContaining('valid (cluster "orders"') });
  });
});

describe("a failed run's last line", () => {
  it('names the step error that made the run fail, not the engine error it ended with', async () => {
    const { rootCauses } = await import('./workflow-command.ts');
    const { StateMachineFailed } = await import('../shared/orchestration/errors.ts');
    const causes = rootCauses();
    const failedAt = (name: string, error: string, cause: string) =>
      ({ type: 'StateFailed', state: { name }, Error: error, Cause: cause }) as never;
    causes.record(failedAt('AdvanceConfigPush', 'ConfigConflict', 'the file changed')); // handled: a retry
    causes.record(failedAt('CheckHealthy', 'BrokerNotReady', 'broker 3 not back after 300 s'));
    causes.record(failedAt('RollingRestart', 'States.TaskFailed', 'an iteration failed'));
    causes.record(failedAt('StartRepair', 'StateMachineFailed', 'the repair failed')); // a drift run's repair
    const explained = causes.explain(new StateMachineFailed('States.Timeout', 'the execution timed out')) as Error;
    expect(explained).toBeInstanceOf(StateMachineFailed);
    expect((explained as InstanceType<typeof StateMachineFailed>).error).toBe('BrokerNotReady');
    expect(explained.message).toBe(
      'execution failed with BrokerNotReady: broker 3 not back after 300 s (at CheckHealthy; the execution then ended with States.Timeout: the execution timed out)',
    );
    const own = new StateMachineFailed('LockHeld', 'held');
    expect(causes.explain(own)).toBe(own);
  });
});
