/**
 * Runs the real brokerlink-writer.sh with bash on real files in a temp directory.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListenerConflict } from '../properties/errors.ts';
import { NodeIdMismatch, WriterArgumentInvalid, WriterFailed, WriterOutputInvalid } from './errors.ts';
import {
  argvForCommand,
  buildReadArgv,
  buildWriteArgv,
  MAX_CONTENT_BASE64,
  parseReadOutput,
  parseWriteOutput,
  planWrite,
  type ReadResult,
  sha256Hex,
  WRITER_EXIT,
  writerScriptText,
} from './protocol.ts';

const SCRIPT = fileURLToPath(new URL('./brokerlink-writer.sh', import.meta.url));
const isRoot = process.getuid?.() === 0;

function run(argv: readonly string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync('bash', [SCRIPT, ...argv], { encoding: 'utf8', timeout: 20_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const KRAFT = `# node 1
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@10.0.0.11:29092
listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092
inter.broker.listener.name=INTERNAL
advertised.listeners=INTERNAL://10.0.0.11:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
# UTF-8 comment: caf\u00e9 \u2014 kept byte for byte
log.dirs=/var/lib/kafka
`;
const exposure = {
  name: 'EXTERNAL',
  bindHost: '0.0.0.0',
  bindPort: 39092,
  advertisedHost: 'b1.usw2-az1.abc.example.com',
  advertisedPort: 9093,
  securityProtocol: 'PLAINTEXT' as const,
};

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'brokerlink-writer-'));
  file = join(dir, 'server.properties');
  writeFileSync(file, KRAFT, 'utf8');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const readFile = (path = file): ReadResult => {
  const r = run(buildReadArgv(path));
  return parseReadOutput(r.stdout, r.status);
};
const strays = () => readdirSync(dir).filter((n) => n.startsWith('.brokerlink-writer.'));
const backups = () => readdirSync(dir).filter((n) => n.endsWith('.bak'));

describe('brokerlink-writer.sh read', () => {
  it('prints the sha256, base64 content, mode and owner of the file', () => {
    chmodSync(file, 0o640);
    const read = readFile();
    const bytes = readFileSync(file);
    expect(read).toEqual({
      result: 'read',
      sha256: sha256Hex(bytes),
      contentBase64: bytes.toString('base64'),
      mode: '640',
      owner: expect.stringMatching(/^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+$/),
    });
  });

  it('answers a missing file and a directory with a JSON error', () => {
    const missing = run(buildReadArgv(join(dir, 'nope.properties')));
    expect(missing.status).toBe(WRITER_EXIT.notFound);
    expect(() => parseReadOutput(missing.stdout, missing.status)).toThrowError(WriterFailed);
    try {
      parseReadOutput(missing.stdout, missing.status);
    } catch (e) {
      expect((e as WriterFailed).code).toBe('not-found');
    }
    const directory = run(['read', dir]);
    expect(directory.status).toBe(WRITER_EXIT.notFound);
    expect(JSON.parse(directory.stdout)).toMatchObject({ result: 'error', error: 'not-a-file' });
  });
});

describe('brokerlink-writer.sh write', () => {
  it('writes the planned content, keeps a backup of the old one, and reports the new sha256', () => {
    const read = readFile();
    const plan = planWrite(read, [exposure], { path: file, expectedNodeId: 1 });
    if (!plan.changed) throw new Error('expected a change');
    const r = run(argvForCommand(plan.command));
    const result = parseWriteOutput(r.stdout, r.status);
    expect(result).toMatchObject({ result: 'changed', sha256: plan.newSha256 });
    const written = readFileSync(file);
    expect(sha256Hex(written)).toBe(plan.newSha256);
    expect(written.toString('utf8')).toContain('EXTERNAL://b1.usw2-az1.abc.example.com:9093');
    expect(written.toString('utf8')).toContain('caf\u00e9 \u2014 kept byte for byte');
    if (result.result !== 'changed') throw new Error('unreachable');
    expect(result.backup).toMatch(/\/server\.properties\.brokerlink-\d{8}T\d{6}Z(-\d+)?\.bak$/);
    expect(readFileSync(result.backup, 'utf8')).toBe(KRAFT);
    expect(strays()).toEqual([]);
  });

  it('reports unchanged and makes no backup when the content is identical', () => {
    const read = readFile();
    const r = run(
      buildWriteArgv({ path: file, expectedSha256: read.sha256, contentBase64: read.contentBase64, expectedNodeId: 1 }),
    );
    expect(parseWriteOutput(r.stdout, r.status)).toEqual({ result: 'unchanged', sha256: read.sha256 });
    expect(backups()).toEqual([]);
    expect(strays()).toEqual([]);
  });

  it('plans nothing for a file that already has the exposure', () => {
    const first = planWrite(readFile(), [exposure], { path: file, expectedNodeId: 1 });
    if (!first.changed) throw new Error('expected a change');
    run(argvForCommand(first.command));
    expect(planWrite(readFile(), [exposure], { path: file, expectedNodeId: 1 })).toMatchObject({ changed: false });
  });

  it('refuses to write (conflict, exit 3) when the file changed after it was read', () => {
    const read = readFile();
    const plan = planWrite(read, [exposure], { path: file, expectedNodeId: 1 });
    if (!plan.changed) throw new Error('expected a change');
    writeFileSync(file, KRAFT + 'num.partitions=6\n');
    const r = run(argvForCommand(plan.command));
    expect(r.status).toBe(WRITER_EXIT.conflict);
    expect(parseWriteOutput(r.stdout, r.status)).toEqual({
      result: 'conflict',
      sha256: sha256Hex(readFileSync(file)),
    });
    expect(readFileSync(file, 'utf8')).toBe(KRAFT + 'num.partitions=6\n');
    expect(backups()).toEqual([]);
    expect(strays()).toEqual([]);
  });

  it('keeps the mode of the file', () => {
    chmodSync(file, 0o640);
    const plan = planWrite(readFile(), [exposure], { path: file, expectedNodeId: 1 });
    if (!plan.changed) throw new Error('expected a change');
    run(argvForCommand(plan.command));
    expect(statSync(file).mode & 0o7777).toBe(0o640);
  });

  it.skipIf(!isRoot)('keeps the owner and group of the file (needs root, as on a broker)', () => {
    chownSync(file, 65534, 65534);
    const read = readFile();
    expect(read.owner).toMatch(/^nobody:/);
    const plan = planWrite(read, [exposure], { path: file, expectedNodeId: 1 });
    if (!plan.changed) throw new Error('expected a change');
    run(argvForCommand(plan.command));
    const st = statSync(file);
    expect([st.uid, st.gid]).toEqual([65534, 65534]);
  });

  it('replaces the file by rename (a new inode), never rewriting it in place', () => {
    const before = statSync(file).ino;
    const plan = planWrite(readFile(), [exposure], { path: file, expectedNodeId: 1 });
    if (!plan.changed) throw new Error('expected a change');
    const r = run(argvForCommand(plan.command));
    expect(r.status).toBe(0);
    expect(statSync(file).ino).not.toBe(before);
  });

  it('removes its temp file and leaves the target untouched when the content cannot be decoded', () => {
    const read = readFile();
    const r = run(['write', file, read.sha256, 'A===', '1']);
    expect(r.status).toBe(WRITER_EXIT.invalidArguments);
    expect(JSON.parse(r.stdout)).toMatchObject({ result: 'error', error: 'invalid-base64' });
    expect(readFileSync(file, 'utf8')).toBe(KRAFT);
    expect(strays()).toEqual([]);
    expect(backups()).toEqual([]);
  });

  it('writes through a symlink to the real file, keeping the link', () => {
    const real = join(dir, 'real');
    rmSync(file);
    writeFileSync(join(dir, 'real.properties'), KRAFT);
    symlinkSync(join(dir, 'real.properties'), file);
    const plan = planWrite(readFile(), [exposure], { path: file, expectedNodeId: 1 });
    if (!plan.changed) throw new Error('expected a change');
    const result = parseWriteOutput(run(argvForCommand(plan.command)).stdout);
    expect(result).toMatchObject({
      result: 'changed',
      backup: expect.stringContaining(`${real}.properties.brokerlink-`),
    });
    expect(readFileSync(join(dir, 'real.properties'), 'utf8')).toContain('EXTERNAL://');
    expect(readFileSync(file, 'utf8')).toContain('EXTERNAL://');
  });

  it('writes nothing when the exposures conflict with the file', () => {
    expect(() =>
      planWrite(readFile(), [{ ...exposure, bindPort: 9092 }], { path: file, expectedNodeId: 1 }),
    ).toThrowError(ListenerConflict);
  });
});

describe('node-id guard: a file is only written for the node it names', () => {
  const node3 = KRAFT.replace('node.id=1', 'node.id=3').replace('# node 1', '# node 3');
  const plannedFor = (id: number) => {
    const plan = planWrite(readFile(), [exposure], { path: file, expectedNodeId: id });
    if (!plan.changed) throw new Error('expected a change');
    return plan;
  };

  it('brokerlink refuses before planning a write when node.id names another node', () => {
    writeFileSync(file, node3);
    expect(() => planWrite(readFile(), [exposure], { path: file, expectedNodeId: 1 })).toThrowError(
      new NodeIdMismatch({ key: 'node.id', found: '3', expected: 1, checkedOn: 'brokerlink' }),
    );
  });

  it('the host refuses (exit 6) a file that names another node, on the bytes it swaps, and writes nothing', () => {
    // A write planned for node 3's file, sent for broker 1: the TypeScript check is bypassed on purpose.
    writeFileSync(file, node3);
    const plan = plannedFor(3);
    const before = readFileSync(file);
    const r = run(argvForCommand({ ...plan.command, expectedNodeId: 1 }));
    expect(r.status).toBe(WRITER_EXIT.nodeIdMismatch);
    expect(parseWriteOutput(r.stdout, r.status)).toEqual({
      result: 'node-id-mismatch',
      key: 'node.id',
      found: '3',
      expected: '1',
      sha256: sha256Hex(before),
    });
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(backups()).toEqual([]);
    expect(strays()).toEqual([]);
  });

  it('the host refuses new content that names another node than the file and the write', () => {
    const read = readFile();
    const other = Buffer.from(KRAFT.replace('node.id=1', 'node.id=2'), 'latin1').toString('base64');
    const r = run(buildWriteArgv({ path: file, expectedSha256: read.sha256, contentBase64: other, expectedNodeId: 1 }));
    expect(r.status).toBe(WRITER_EXIT.nodeIdMismatch);
    expect(JSON.parse(r.stdout)).toMatchObject({ result: 'node-id-mismatch', key: 'node.id', found: '2' });
    expect(readFileSync(file, 'utf8')).toBe(KRAFT);
    expect(strays()).toEqual([]);
  });

  it('checks broker.id as well, and a value that is no node id at all', () => {
    writeFileSync(file, `${KRAFT}broker.id=7\n`);
    expect(() => planWrite(readFile(), [exposure], { path: file, expectedNodeId: 1 })).toThrowError(/broker\.id=7/);
    const plan7 = (() => {
      writeFileSync(file, `${KRAFT.replace('node.id=1', 'node.id=7')}broker.id=7\n`);
      return plannedFor(7);
    })();
    writeFileSync(file, `${KRAFT}broker.id=7\n`);
    const sameBytes = { ...plan7.command, expectedSha256: sha256Hex(readFileSync(file)), expectedNodeId: 1 };
    expect(JSON.parse(run(argvForCommand(sameBytes)).stdout)).toMatchObject({ key: 'broker.id', found: '7' });
    writeFileSync(file, KRAFT.replace('node.id=1', 'node.id=<set me>'));
    expect(() => planWrite(readFile(), [exposure], { path: file, expectedNodeId: 1 })).toThrowError(
      /node\.id=not-a-number/,
    );
  });

  it('writes a file that names no node, or names it as Kafka reads it (spaces, leading zeros, -1 = not set)', () => {
    for (const variant of [
      KRAFT.replace('node.id=1\n', ''),
      KRAFT.replace('node.id=1', 'node.id = 0001 '),
      KRAFT.replace('node.id=1', 'node.id:\\\n    1'),
      `${KRAFT}broker.id=-1\n`,
    ]) {
      writeFileSync(file, variant);
      const plan = plannedFor(1);
      const r = run(argvForCommand(plan.command));
      expect(parseWriteOutput(r.stdout, r.status), JSON.stringify(variant)).toMatchObject({ result: 'changed' });
    }
  });
});

describe('hostile inputs', () => {
  const canary = () => join(dir, 'pwned');
  const hostile = (c: string) => [
    `$(touch ${c})`,
    `\`touch ${c}\``,
    `"; touch ${c}; "`,
    `'; touch ${c}; '`,
    `x\ntouch ${c}`,
    `x; touch ${c}`,
    `x && touch ${c}`,
    `x | touch ${c}`,
    `\${IFS}touch\${IFS}${c}`,
  ];

  it('the TypeScript side refuses to build argv for hostile paths, hashes and content', () => {
    const sha = 'a'.repeat(64);
    const paths = [
      ...hostile(canary()).map((h) => `/tmp/${h}`),
      '/tmp/../etc/passwd',
      '/tmp/./x',
      'relative/server.properties',
      '/tmp/with space',
      '/tmp/dir/',
      `/${'a'.repeat(5000)}`,
    ];
    for (const path of paths) {
      expect(() => buildReadArgv(path), path).toThrowError(WriterArgumentInvalid);
      expect(
        () => buildWriteArgv({ path, expectedSha256: sha, contentBase64: '', expectedNodeId: 1 }),
        path,
      ).toThrowError(WriterArgumentInvalid);
    }
    for (const h of [...hostile(canary()), 'A'.repeat(63), 'A'.repeat(64), `${sha}\n`]) {
      expect(
        () => buildWriteArgv({ path: file, expectedSha256: h, contentBase64: '', expectedNodeId: 1 }),
        h,
      ).toThrowError(WriterArgumentInvalid);
    }
    for (const h of [...hostile(canary()), 'QQ=', 'A'.repeat(MAX_CONTENT_BASE64 + 4)]) {
      expect(() =>
        buildWriteArgv({ path: file, expectedSha256: sha, contentBase64: h, expectedNodeId: 1 }),
      ).toThrowError(WriterArgumentInvalid);
    }
    for (const id of [-1, 1.5, 2147483648, Number.NaN, '1' as unknown as number, '1; touch x' as unknown as number]) {
      expect(
        () => buildWriteArgv({ path: file, expectedSha256: sha, contentBase64: '', expectedNodeId: id }),
        String(id),
      ).toThrowError(WriterArgumentInvalid);
    }
  });

  it('the script itself rejects hostile paths, hashes and content (exit 2) and executes none of them', () => {
    const read = readFile();
    const cases: string[][] = [];
    for (const h of hostile(canary())) {
      cases.push(['read', `/tmp/${h}`], ['read', h]);
      cases.push(['write', `${dir}/${h}`, read.sha256, '', '1']);
      cases.push(['write', file, h, '', '1']);
      cases.push(['write', file, read.sha256, h, '1']);
      cases.push(['write', file, read.sha256, read.contentBase64, h]);
      cases.push(['identity', `/tmp/${h}`], ['identity', h]);
    }
    for (const id of ['-1', '01', '1.0', '2147483648', '99999999999', '', ' 1', '1 ', '0x1', '+1']) {
      cases.push(['write', file, read.sha256, read.contentBase64, id]);
    }
    cases.push(['write', file, read.sha256, read.contentBase64]); // the node id is not optional
    cases.push(['identity']);
    cases.push(['read', `${dir}/../${dir.split('/').pop()}/server.properties`]);
    cases.push(['read', `/${'a'.repeat(100_000)}`]);
    cases.push(['write', file, read.sha256.toUpperCase(), '', '1']);
    cases.push(['read']);
    cases.push(['read', file, 'extra']);
    cases.push(['delete', file]);
    cases.push([`$(touch ${canary()})`, file]);
    for (const argv of cases) {
      const r = run(argv);
      expect(r.status, JSON.stringify(argv).slice(0, 200)).toBe(WRITER_EXIT.invalidArguments);
      expect(JSON.parse(r.stdout)).toMatchObject({ result: 'error' });
      expect(r.stdout).not.toContain('touch');
    }
    expect(existsSync(canary())).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(KRAFT);
    expect(backups()).toEqual([]);
  });

  it('writes shell metacharacters in content literally and never runs them', () => {
    const read = readFile();
    const payload =
      KRAFT +
      `evil.one=$(touch ${canary()})\n` +
      `evil.two=\`touch ${canary()}\`\n` +
      `evil.three="; touch ${canary()}; "\n` +
      `evil.four='$(reboot)' ; rm -rf ${dir} \\\n  && touch ${canary()}\n`;
    const r = run(
      buildWriteArgv({
        path: file,
        expectedSha256: read.sha256,
        contentBase64: Buffer.from(payload, 'utf8').toString('base64'),
        expectedNodeId: 1,
      }),
    );
    expect(parseWriteOutput(r.stdout, r.status)).toMatchObject({ result: 'changed' });
    expect(readFileSync(file, 'utf8')).toBe(payload);
    expect(existsSync(canary())).toBe(false);
    const reread = readFile();
    expect(Buffer.from(reread.contentBase64, 'base64').toString('utf8')).toBe(payload);
  });
});

describe('output parsing', () => {
  it('rejects output that is not exactly one answer line, or that contradicts the exit code', () => {
    expect(() => parseReadOutput('')).toThrowError(WriterOutputInvalid);
    expect(() => parseReadOutput('hello\n')).toThrowError(WriterOutputInvalid);
    expect(() => parseReadOutput('{"result":"read"}\n{"result":"read"}\n')).toThrowError(WriterOutputInvalid);
    expect(() =>
      parseReadOutput('{"result":"read","sha256":"x","contentBase64":"","mode":"644","owner":"a:b"}'),
    ).toThrowError(WriterOutputInvalid);
    const ok = `{"result":"unchanged","sha256":"${'0'.repeat(64)}"}`;
    expect(parseWriteOutput(ok, 0)).toEqual({ result: 'unchanged', sha256: '0'.repeat(64) });
    expect(() => parseWriteOutput(ok, 3)).toThrowError(WriterOutputInvalid);
    expect(() => parseWriteOutput(`{"result":"unchanged","sha256":"${'0'.repeat(64)}","extra":1}`)).toThrowError(
      WriterOutputInvalid,
    );
  });

  it('refuses a read whose content does not match its sha256', () => {
    const read = readFile();
    expect(() =>
      planWrite({ ...read, sha256: 'f'.repeat(64) }, [exposure], { path: file, expectedNodeId: 1 }),
    ).toThrowError(WriterOutputInvalid);
  });
});

describe('writerScriptText', () => {
  it('ships the script with strict mode and without eval', () => {
    const text = writerScriptText();
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toContain('set -euo pipefail');
    expect(text).not.toMatch(/\beval\b/);
    expect(text).toBe(readFileSync(SCRIPT, 'utf8'));
  });
});
