import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateMachineFailed } from '../shared/orchestration/errors.ts';
import { SpecInvalid } from '../shared/spec/errors.ts';
import { EXIT, exitCodeOf, FileUnreadable, ProblemFound, UsageError } from './errors.ts';
import { main } from './main.ts';

const EXAMPLES = fileURLToPath(new URL('../docs/examples/', import.meta.url));
const AWS_SPEC = join(EXAMPLES, 'aws-orders.yaml');
const AWS_OBSERVED = join(EXAMPLES, 'aws-orders.observed.json');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('brokerlink CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('validate exits 0 for a valid spec', async () => {
    const result = await run(['validate', AWS_SPEC]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('valid (cluster "orders"');
  });

  it('validate lists every problem with its path and exits 1', async () => {
    const spec = join(dir, 'bad.yaml');
    const text = (await readFile(AWS_SPEC, 'utf8'))
      .replace('restart: { systemdUnit: kafka.service }', 'restart: { systemdUnit: "kafka; reboot" }')
      .replace('bootstrapPort: 9092', 'bootstapPort: 9092')
      .replace('/home/ec2-user/kafka/config/server.properties', '/home/$(reboot)/server.properties');
    await writeFile(spec, text);
    const result = await run(['validate', spec]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('brokers.restart.systemdUnit');
    expect(result.stderr).toContain('brokers.propertiesPath');
    expect(result.stderr).toContain('exposures[0]: has unknown key "bootstapPort"');
    expect(result.stderr).toMatch(/invalid \(3 problems\)/);
  });

  it('validate --json reports issues as data', async () => {
    const spec = join(dir, 'bad.json');
    await writeFile(spec, JSON.stringify({ cluster: 'Orders!' }));
    const result = await run(['validate', spec, '--json']);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; issues: { path: string }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['cluster', 'provider', 'exposures']),
    );
  });

  it('plan --observed prints the table offline: ports, addresses, actions and restart order', async () => {
    const result = await run(['plan', AWS_SPEC, '--observed', AWS_OBSERVED]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('b4.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com:9096');
    expect(result.stdout).toContain('create EXTERNAL port 9096 → broker 4');
    expect(result.stdout).toContain('Restart order (one at a time, health-gated): 4');
  });

  it('plan --json carries per exposure each broker id, port, advertised, plus actions and restartOrder', async () => {
    const result = await run(['plan', AWS_SPEC, '--observed', AWS_OBSERVED, '--json']);
    const plan = JSON.parse(result.stdout) as {
      exposures: { brokers: { id: number; port: number; advertised: string }[] }[];
      brokers: { id: number; configChange: string; restart: boolean }[];
      actions: unknown[];
      restartOrder: number[];
    };
    expect(plan.exposures[0]!.brokers.map((b) => [b.id, b.port])).toEqual([
      [1, 9093],
      [2, 9094],
      [3, 9095],
      [4, 9096],
    ]);
    expect(plan.brokers.find((b) => b.id === 4)).toMatchObject({ configChange: 'unknown', restart: true });
    expect(plan.actions).toHaveLength(3);
    expect(plan.restartOrder).toEqual([4]);
  });

  it('plan output is byte-identical across runs for the same inputs', async () => {
    const first = await run(['plan', AWS_SPEC, '--observed', AWS_OBSERVED, '--json']);
    const second = await run(['plan', AWS_SPEC, '--observed', AWS_OBSERVED, '--json']);
    expect(second.stdout).toBe(first.stdout);
  });

  it('plan refuses an invalid observed snapshot, naming the field', async () => {
    const observed = join(dir, 'observed.json');
    await writeFile(
      observed,
      JSON.stringify({ observedAt: 'yesterday', brokers: [], loadBalancer: { mappings: [], openPorts: [] } }),
    );
    const result = await run(['plan', AWS_SPEC, '--observed', observed]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('observedAt');
  });

  it('render-config prints exactly the listener lines the broker needs', async () => {
    const result = await run(['render-config', AWS_SPEC, '--broker', '2', '--observed', AWS_OBSERVED]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(1)).toEqual([
      'listeners                       EXTERNAL://0.0.0.0:39092',
      'advertised.listeners            EXTERNAL://b2.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com:9094',
      'listener.security.protocol.map  EXTERNAL:PLAINTEXT',
    ]);
  });

  it('render-config --file prints the broker file with only its listener keys changed, and the diff on stderr', async () => {
    const file = join(dir, 'server.properties');
    await writeFile(
      file,
      '# broker 2\nnode.id=2\nlisteners=INTERNAL://10.0.2.12:9092\nlistener.security.protocol.map=INTERNAL:PLAINTEXT\ninter.broker.listener.name=INTERNAL\n',
    );
    const result = await run(['render-config', AWS_SPEC, '--broker', '2', '--observed', AWS_OBSERVED, '--file', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('listeners=INTERNAL://10.0.2.12:9092,EXTERNAL://0.0.0.0:39092');
    expect(result.stdout).toContain('# broker 2');
    expect(result.stderr).toContain('+listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT');
    expect(await readFile(file, 'utf8')).not.toContain('EXTERNAL');
  });

  it('render-config --file prints the file byte for byte, CRLF endings and latin-1 bytes included', async () => {
    const file = join(dir, 'crlf.properties');
    const original = Buffer.concat([
      Buffer.from('# caf', 'latin1'),
      Buffer.from([0xe9]), // latin-1 "é", not UTF-8: kept as the byte it is
      Buffer.from('\r\nnode.id=2\r\nlisteners=INTERNAL://10.0.2.12:9092\r\ninter.broker.listener.name=INTERNAL\r\n'),
    ]);
    await writeFile(file, original);
    const raw: Buffer[] = [];
    const code = await main(['render-config', AWS_SPEC, '--broker', '2', '--observed', AWS_OBSERVED, '--file', file], {
      out: () => {},
      err: () => {},
      raw: (bytes) => raw.push(Buffer.from(bytes)),
    });
    expect(code).toBe(0);
    const printed = Buffer.concat(raw);
    expect(printed.subarray(0, 7)).toEqual(original.subarray(0, 7));
    expect(printed.toString('latin1')).toMatch(/\r\n$/);
    expect(printed.toString('latin1')).toContain('listeners=INTERNAL://10.0.2.12:9092,EXTERNAL://0.0.0.0:39092\r\n');
    expect(printed.toString('latin1').split('\r\n').slice(0, 2)).toEqual(['# caf\u00e9', 'node.id=2']);
  });

  it('render-config --file refuses the file of another broker, naming both ids, the instance and the tag', async () => {
    const file = join(dir, 'node3.properties');
    await writeFile(file, 'node.id=3\nlisteners=INTERNAL://10.0.3.13:9092\ninter.broker.listener.name=INTERNAL\n');
    const result = await run(['render-config', AWS_SPEC, '--broker', '2', '--observed', AWS_OBSERVED, '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'BrokerIdentityMismatch: instance i-0aaa0000000000002 (10.0.2.12) was found as broker 2, but its server.properties has node.id=3: it runs broker 3.',
    );
    expect(result.stderr).toContain('Fix the "kafka-node-id" tag of i-0aaa0000000000002 (it says 2)');
  });

  it('render-config --new-cluster prints a complete KRaft server.properties', async () => {
    const result = await run(['render-config', AWS_SPEC, '--broker', '1', '--observed', AWS_OBSERVED, '--new-cluster']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('process.roles=broker,controller');
    expect(result.stdout).toContain('node.id=1');
    expect(result.stdout).toMatch(/controller\.quorum\.voters=1@10\.0\.1\.11:29092,2@10\.0\.2\.12:29092/);
    expect(result.stdout).toContain('EXTERNAL://b1.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com:9093');
  });

  it('render-config for a broker not in the plan is a usage error naming the brokers', async () => {
    const result = await run(['render-config', AWS_SPEC, '--broker', '9', '--observed', AWS_OBSERVED]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('broker 9 is not in the plan (brokers: 1, 2, 3, 4)');
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['validate'], 'missing argument <spec>'],
    [['plan', AWS_SPEC, '--bogus'], "Unknown option '--bogus'"],
    [['render-config', AWS_SPEC, '--broker', '1;reboot'], '--broker must be a whole number'],
  ])('exits 2 with a clear message for bad command lines: %j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('exits 3 when the spec file cannot be read', async () => {
    const result = await run(['validate', join(dir, 'missing.yaml')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ENOENT');
  });

  it('runs as a real process through bin/brokerlink.js with the documented exit code', async () => {
    const bin = fileURLToPath(new URL('../bin/brokerlink.js', import.meta.url));
    const code = await new Promise<number | null>((resolve) => {
      execFile(process.execPath, [bin, 'validate', join(dir, 'missing.yaml')], (error) =>
        resolve(error ? (error.code as number) : 0),
      );
    });
    expect(code).toBe(3);
  });
});

describe('CLI exit codes', () => {
  it('are picked by error class, so an error that merely borrows a name does not pick the code', () => {
    expect(exitCodeOf(new UsageError('bad flag'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ProblemFound('drift found'))).toBe(EXIT.problem);
    expect(exitCodeOf(new StateMachineFailed('BrokerNotReady', 'node 2 is not back'))).toBe(EXIT.problem);
    expect(exitCodeOf(new SpecInvalid([{ path: 'cluster', message: 'missing' }]))).toBe(EXIT.problem);
    expect(exitCodeOf(new FileUnreadable('cannot read spec'))).toBe(EXIT.failure);
    expect(exitCodeOf(Object.assign(new Error('x'), { name: 'StateMachineFailed' }))).toBe(EXIT.failure);
    expect(exitCodeOf('not even an error')).toBe(EXIT.failure);
  });
});
