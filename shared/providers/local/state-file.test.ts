import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LbAction } from '../../model/plan.ts';
import { LbMappingNotFound, LbPortConflict, LocalStateInvalid } from './errors.ts';
import type { LocalLbState } from './state-file.ts';
import {
  applyLocalAction,
  emptyLocalState,
  readLocalState,
  toObserved,
  updateLocalState,
  writeLocalStateAtomic,
} from './state-file.ts';

const run = promisify(execFile);

const t = (brokerId: number, host: string, port = 39092) => ({ brokerId, host, port });
const createBroker1: LbAction = {
  kind: 'createMapping',
  exposure: 'EXTERNAL',
  role: 'broker',
  port: 9093,
  brokerId: 1,
  targets: [t(1, '127.0.0.11')],
};
const createBootstrap: LbAction = {
  kind: 'createMapping',
  exposure: 'EXTERNAL',
  role: 'bootstrap',
  port: 9092,
  targets: [t(1, '127.0.0.11'), t(2, '127.0.0.12')],
};

function applyAll(actions: LbAction[], from: LocalLbState = emptyLocalState()): LocalLbState {
  return actions.reduce((s, a) => applyLocalAction(s, a), from);
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bl-local-state-'));
  file = join(dir, 'lb.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ledger semantics (applyLocalAction)', () => {
  it('creates a broker mapping with its one target, id = host', () => {
    const s = applyAll([createBroker1]);
    expect(s.mappings).toEqual([
      {
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093,
        brokerId: 1,
        targets: [{ id: '127.0.0.11', host: '127.0.0.11', port: 39092 }],
      },
    ]);
  });

  it('adopts an identical mapping when createMapping is re-applied (no duplicate)', () => {
    const once = applyAll([createBroker1, createBootstrap]);
    const twice = applyAll([createBroker1, createBootstrap], once);
    expect(twice).toEqual(once);
    expect(twice.mappings).toHaveLength(2);
  });

  it('adopting a mapping of the same owner registers missing targets and clears its retirement', () => {
    const retired = applyAll([
      createBroker1,
      { kind: 'retireMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1, retiredAt: '2026-01-01T00:00:00.000Z' },
    ]);
    const adopted = applyLocalAction(retired, createBroker1);
    expect(adopted.mappings[0]?.retiredAt).toBeUndefined();
    expect(adopted.mappings[0]?.targets).toEqual([{ id: '127.0.0.11', host: '127.0.0.11', port: 39092 }]);
  });

  it('refuses to create a mapping on a port another broker owns', () => {
    const s = applyAll([createBroker1]);
    expect(() => applyLocalAction(s, { ...createBroker1, brokerId: 2, targets: [t(2, '127.0.0.12')] })).toThrow(
      LbPortConflict,
    );
    expect(() => applyLocalAction(s, { ...createBroker1, exposure: 'EXTERNAL2' })).toThrow(
      /owned by EXTERNAL broker 1/,
    );
    expect(() => applyLocalAction(s, { ...createBootstrap, port: 9093 })).toThrow(LbPortConflict);
  });

  it('registers targets idempotently and refuses a missing mapping', () => {
    const reg: LbAction = {
      kind: 'registerTargets',
      exposure: 'EXTERNAL',
      role: 'bootstrap',
      port: 9092,
      targets: [t(3, '127.0.0.13')],
    };
    const once = applyAll([createBootstrap, reg]);
    expect(once.mappings[0]?.targets.map((x) => x.id)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13']);
    expect(applyLocalAction(once, reg)).toEqual(once);
    expect(() => applyLocalAction(emptyLocalState(), reg)).toThrow(LbMappingNotFound);
    expect(() => applyLocalAction(once, { ...reg, exposure: 'OTHER' })).toThrow(LbPortConflict);
  });

  it('deregisters by id and port; again or on a missing mapping is a no-op', () => {
    const dereg: LbAction = {
      kind: 'deregisterTargets',
      exposure: 'EXTERNAL',
      role: 'bootstrap',
      port: 9092,
      targets: [{ id: '127.0.0.12', port: 39092 }],
    };
    const once = applyAll([createBootstrap, dereg]);
    expect(once.mappings[0]?.targets.map((x) => x.id)).toEqual(['127.0.0.11']);
    expect(applyLocalAction(once, dereg)).toEqual(once);
    expect(applyLocalAction(emptyLocalState(), dereg)).toEqual(emptyLocalState());
    // same id on another port is a different target
    const wrongPort = applyLocalAction(once, { ...dereg, targets: [{ id: '127.0.0.11', port: 1 }] });
    expect(wrongPort.mappings[0]?.targets).toHaveLength(1);
  });

  it('retire stamps retiredAt once and removes the targets; a re-run keeps the first stamp', () => {
    const retire = (at: string): Extract<LbAction, { kind: 'retireMapping' }> => ({
      kind: 'retireMapping',
      exposure: 'EXTERNAL',
      port: 9093,
      brokerId: 1,
      retiredAt: at,
    });
    const once = applyAll([createBroker1, retire('2026-01-01T00:00:00.000Z')]);
    expect(once.mappings[0]).toMatchObject({ retiredAt: '2026-01-01T00:00:00.000Z', targets: [] });
    const again = applyLocalAction(once, retire('2026-02-01T00:00:00.000Z'));
    expect(again.mappings[0]?.retiredAt).toBe('2026-01-01T00:00:00.000Z');
    expect(() => applyLocalAction(emptyLocalState(), retire('2026-01-01T00:00:00.000Z'))).toThrow(LbMappingNotFound);
    expect(() => applyLocalAction(once, { ...retire('2026-01-01T00:00:00.000Z'), brokerId: 7 })).toThrow(
      LbPortConflict,
    );
  });

  it('revive clears retiredAt idempotently and only for the broker that owned the port', () => {
    const revive: LbAction = { kind: 'reviveMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1 };
    const retired = applyAll([
      createBroker1,
      { kind: 'retireMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1, retiredAt: '2026-01-01T00:00:00.000Z' },
    ]);
    const once = applyLocalAction(retired, revive);
    expect(once.mappings[0]?.retiredAt).toBeUndefined();
    expect(applyLocalAction(once, revive)).toEqual(once);
    expect(() => applyLocalAction(retired, { ...revive, brokerId: 2 })).toThrow(LbPortConflict);
    expect(() => applyLocalAction(emptyLocalState(), revive)).toThrow(LbMappingNotFound);
  });

  it('delete removes the mapping, is a no-op when absent, and will not delete another broker’s port', () => {
    const del: LbAction = { kind: 'deleteMapping', exposure: 'EXTERNAL', port: 9093, brokerId: 1 };
    const s = applyAll([createBroker1, createBootstrap]);
    const once = applyLocalAction(s, del);
    expect(once.mappings.map((m) => m.port)).toEqual([9092]);
    expect(applyLocalAction(once, del)).toEqual(once);
    expect(() => applyLocalAction(s, { ...del, brokerId: 2 })).toThrow(LbPortConflict);
  });

  it('opens and closes ports idempotently', () => {
    const open: LbAction = { kind: 'openPort', port: 9093, cidrs: ['127.0.0.0/8'] };
    const once = applyAll([open, open]);
    expect(once.openPorts).toEqual([9093]);
    const closed = applyAll([{ kind: 'closePort', port: 9093, cidrs: [] }], once);
    expect(closed.openPorts).toEqual([]);
    expect(applyLocalAction(closed, { kind: 'closePort', port: 9093, cidrs: [] })).toEqual(closed);
  });

  it('observes mappings in the provider-neutral shape', () => {
    const s = applyAll([createBroker1, { kind: 'openPort', port: 9093, cidrs: [] }]);
    expect(toObserved(s, '/x/lb.json')).toEqual({
      mappings: [
        {
          exposure: 'EXTERNAL',
          role: 'broker',
          port: 9093,
          brokerId: 1,
          targets: [{ id: '127.0.0.11', port: 39092 }],
          resourceIds: { stateFile: '/x/lb.json', mapping: 'EXTERNAL/broker/9093' },
        },
      ],
      openPorts: [9093],
    });
  });
});

describe('state file', () => {
  it('reads a missing file as an empty ledger at version 0', async () => {
    expect(await readLocalState(file)).toEqual(emptyLocalState());
  });

  it('rejects a file that is not a ledger, naming the field', async () => {
    await writeFile(file, JSON.stringify({ format: 1, version: 0, mappings: [{ port: 'x' }], openPorts: [] }));
    await expect(readLocalState(file)).rejects.toThrow(LocalStateInvalid);
    await expect(readLocalState(file)).rejects.toThrow(/mappings\.0\.port/);
    await writeFile(file, '{not json');
    await expect(readLocalState(file)).rejects.toThrow(/not valid JSON/);
  });

  it('rejects a ledger that maps one port twice', async () => {
    const m = { exposure: 'E', role: 'bootstrap', port: 9092, targets: [] };
    await writeFile(file, JSON.stringify({ format: 1, version: 3, mappings: [m, m], openPorts: [] }));
    await expect(readLocalState(file)).rejects.toThrow(/mapped twice/);
  });

  it('bumps the version on a change and leaves file and version alone when nothing changes', async () => {
    const first = await updateLocalState(file, (s) => applyLocalAction(s, createBroker1));
    expect(first).toMatchObject({ changed: true, state: { version: 1 } });
    const text = await readFile(file, 'utf8');
    const second = await updateLocalState(file, (s) => applyLocalAction(s, createBroker1));
    expect(second).toMatchObject({ changed: false, state: { version: 1 } });
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('writes nothing when the mutation throws', async () => {
    await updateLocalState(file, (s) => applyLocalAction(s, createBroker1));
    const text = await readFile(file, 'utf8');
    await expect(updateLocalState(file, (s) => applyLocalAction(s, { ...createBroker1, brokerId: 5 }))).rejects.toThrow(
      LbPortConflict,
    );
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('takes over a write lock left behind by a process that no longer exists', async () => {
    await writeLocalStateAtomic(file, emptyLocalState());
    const { stdout } = await run(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(stdout);
    const now = new Date();
    await writeFile(
      `${file}.write.lock`,
      JSON.stringify({
        owner: 'writer:dead',
        nonce: 'c0ffee00-dead-4bad-8000-000000000001',
        pid: deadPid,
        host: (await import('node:os')).hostname(),
        acquiredAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      }),
    );
    const result = await updateLocalState(file, (s) => applyLocalAction(s, createBroker1), { lockTimeoutMs: 5_000 });
    expect(result.state.version).toBe(1);
  });

  it('loses no update when many appliers in one process race', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        updateLocalState(file, (s) => applyLocalAction(s, { kind: 'openPort', port: 10_000 + i, cidrs: [] })),
      ),
    );
    const s = await readLocalState(file);
    expect(s.openPorts).toHaveLength(40);
    expect(s.version).toBe(40);
  });

  it('loses no update when two applier processes race on the same file', async () => {
    const script = join(import.meta.dirname, 'testing', 'applier.ts');
    const count = 40;
    const results = await Promise.all([
      run(process.execPath, [script, file, '20000', String(count)], { timeout: 60_000 }),
      run(process.execPath, [script, file, '30000', String(count)], { timeout: 60_000 }),
    ]);
    expect(results.map((r) => r.stdout)).toEqual(['done\n', 'done\n']);
    const s = await readLocalState(file);
    expect(s.openPorts).toHaveLength(2 * count);
    expect(s.openPorts).toContain(20_000 + count - 1);
    expect(s.openPorts).toContain(30_000 + count - 1);
    expect(s.version).toBe(2 * count);
  });
});
