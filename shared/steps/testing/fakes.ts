/*
 * Test doubles for the steps' ports. The command channel is not a stub: it runs the real broker-side writer
 * (shared/broker-writer/brokerlink-writer.sh) with bash on one real file per broker, so the steps are tested
 * against the real read/compare-and-swap/write protocol. Only "which host" is simulated (every broker's
 * propertiesPath is redirected to that broker's own temp file).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { argvForCommand } from '../../broker-writer/protocol.ts';
import { WRITER_SCRIPT_URL } from '../../broker-writer/script-file.ts';
import type { ClusterSnapshot } from '../../kafka/snapshot.ts';
import type { LbAction } from '../../model/plan.ts';
import type {
  BrokerCommand,
  Clock,
  ClusterLock,
  CommandChannel,
  CommandHandle,
  CommandStatus,
  KafkaAdmin,
  LbOperation,
  LbOperationStatus,
  LbProgress,
  LedgerChange,
  LedgerEntry,
  LoadBalancer,
  LockHolder,
  LockResult,
  LockStatus,
  PortLedger,
} from '../../ports.ts';
import {
  applyLocalLbAction,
  applyLocalLedgerChange,
  toLedgerEntries,
  toObservedPorts,
} from '../../providers/local/mappings.ts';
import { emptyLocalState, type LocalLbState } from '../../providers/local/state-file.ts';

export interface RecordingCommandChannel extends CommandChannel {
  /** Every command started, in order. */
  readonly started: { brokerId: number; command: BrokerCommand }[];
  /** Makes the next command for this broker fail with this exit code and stderr. */
  failNext(brokerId: number, exitCode: number, stderr: string): void;
  /** Runs before the next write-config for this broker executes (e.g. someone else edits the file). */
  beforeNextWrite(brokerId: number, action: () => Promise<void>): void;
}

export function createFileCommandChannel(filesByBroker: Readonly<Record<number, string>>): RecordingCommandChannel {
  const script = fileURLToPath(WRITER_SCRIPT_URL);
  const results = new Map<string, Promise<CommandStatus>>();
  const failures = new Map<number, { exitCode: number; stderr: string }>();
  const beforeWrite = new Map<number, () => Promise<void>>();
  const started: { brokerId: number; command: BrokerCommand }[] = [];
  const polledOnce = new Set<string>();
  let counter = 0;

  const run = async (brokerId: number, command: BrokerCommand): Promise<CommandStatus> => {
    const failure = failures.get(brokerId);
    if (failure) {
      failures.delete(brokerId);
      return { state: 'failed', exitCode: failure.exitCode, stdout: '', stderr: failure.stderr };
    }
    if (command.kind === 'restart') return { state: 'succeeded', stdout: '' };
    const file = filesByBroker[brokerId];
    if (file === undefined)
      return { state: 'failed', exitCode: 127, stdout: '', stderr: `no host for broker ${brokerId}` };
    if (command.kind === 'write-config') {
      const hook = beforeWrite.get(brokerId);
      beforeWrite.delete(brokerId);
      await hook?.();
    }
    const argv = argvForCommand({ ...command, path: file });
    return new Promise((resolve) => {
      execFile('bash', [script, ...argv], { timeout: 10_000 }, (error, stdout, stderr) => {
        if (error === null) resolve({ state: 'succeeded', stdout });
        else resolve({ state: 'failed', exitCode: typeof error.code === 'number' ? error.code : null, stdout, stderr });
      });
    });
  };

  return {
    started,
    failNext: (brokerId, exitCode, stderr) => failures.set(brokerId, { exitCode, stderr }),
    beforeNextWrite: (brokerId, action) => beforeWrite.set(brokerId, action),
    async start(target, command): Promise<CommandHandle> {
      const id = `cmd-${++counter}`;
      started.push({ brokerId: target.brokerId, command });
      results.set(id, run(target.brokerId, command));
      return { id, target };
    },
    async poll(handle): Promise<CommandStatus> {
      const result = results.get(handle.id);
      if (result === undefined) throw new Error(`unknown command ${handle.id}`);
      // The first poll reports "running", as a real channel would right after sending; later polls stand for
      // "time has passed" and wait for the command to finish.
      if (!polledOnce.has(handle.id)) {
        polledOnce.add(handle.id);
        return { state: 'running' };
      }
      return result;
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(startIso: string): Clock & { advance(seconds: number): void } {
  let now = Date.parse(startIso);
  return {
    now: () => new Date(now),
    advance: (seconds) => {
      now += seconds * 1000;
    },
  };
}

/** KafkaAdmin answering from a snapshot the test changes between calls; `down` makes it unreachable. */
export function snapshotAdmin(initial: ClusterSnapshot): {
  admin: () => Promise<KafkaAdmin>;
  set(snapshot: ClusterSnapshot): void;
  down(isDown: boolean): void;
} {
  let snapshot = initial;
  let isDown = false;
  return {
    admin: async () => ({
      snapshot: async () => {
        if (isDown) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
        return snapshot;
      },
      runningListeners: async () => null,
      ownView: async (brokerId: number) => ({ serves: true as const, address: `fake:${brokerId}` }),
      // What the broker hosts, per the snapshot: a fake sees every topic.
      hostedPartitions: async (brokerId: number) => ({
        known: true as const,
        topics: new Map(
          snapshot.topics.map((t) => [
            t.name,
            t.partitions.filter((p) => p.replicas.includes(brokerId)).map((p) => p.index),
          ]),
        ),
      }),
      close: async () => {},
    }),
    set: (next) => {
      snapshot = next;
    },
    down: (value) => {
      isDown = value;
    },
  };
}

/**
 * An in-memory load balancer and its port ledger, with the local provider's semantics (mappings.ts) on a state
 * held in memory instead of a file; every change is done when `start` returns. Records every load balancer call.
 */
export function memoryLoadBalancer(
  host = '127.0.0.1',
): LoadBalancer & { calls: string[]; state: LocalLbState; ledger: PortLedger } {
  const lb: LoadBalancer & { calls: string[]; state: LocalLbState; ledger: PortLedger } = {
    calls: [] as string[],
    state: emptyLocalState(),
    ledger: {
      async read(): Promise<LedgerEntry[]> {
        return toLedgerEntries(lb.state);
      },
      async record(_spec: unknown, change: LedgerChange) {
        lb.state = applyLocalLedgerChange(lb.state, change);
      },
    } satisfies PortLedger,
    async observe(_spec: unknown, ledger: readonly LedgerEntry[]) {
      lb.calls.push('observe');
      return toObservedPorts(structuredClone(lb.state), 'memory', ledger);
    },
    async start(_spec: unknown, action: LbAction): Promise<LbProgress> {
      lb.calls.push(`apply:${action.kind}:${action.port}`);
      lb.state = applyLocalLbAction(lb.state, action);
      return { state: 'done' };
    },
    async poll(_spec: unknown, operation: LbOperation): Promise<LbOperationStatus> {
      throw new Error(`memory load balancer started no operation ${operation.id}`);
    },
    async consumerAddress() {
      return host;
    },
  };
  return lb;
}

/**
 * A lock in memory with the port's contract (takeover after expiry or once its holder is marked gone, release only
 * by the owner, a new generation per acquisition). `markGone(cluster)` plays a holder that crashed.
 */
export function memoryLock(clock: Clock = { now: () => new Date() }): ClusterLock & {
  calls: string[];
  heldBy(cluster: string): string | undefined;
  markGone(cluster: string): void;
} {
  const held = new Map<string, LockHolder & { gone: boolean }>();
  let generations = 0;
  const statusOf = (holder: LockHolder & { gone: boolean }): LockStatus => ({
    holder: {
      owner: holder.owner,
      acquiredAt: holder.acquiredAt,
      expiresAt: holder.expiresAt,
      generation: holder.generation,
    },
    state: holder.gone ? 'gone' : 'running',
    expired: Date.parse(holder.expiresAt) <= clock.now().getTime(),
    detail: `${holder.owner} is ${holder.gone ? 'gone' : 'running'} (memory lock)`,
  });
  const lock = {
    calls: [] as string[],
    async acquire(cluster: string, owner: string, ttlSeconds: number): Promise<LockResult> {
      lock.calls.push(`acquire:${owner}`);
      const current = held.get(cluster);
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
      if (current && current.owner === owner) {
        current.expiresAt = expiresAt;
        return { acquired: true, owner, expiresAt, generation: current.generation };
      }
      const status = current === undefined ? undefined : statusOf(current);
      if (current && status && !status.expired && !current.gone) {
        return { acquired: false, holder: current.owner, expiresAt: current.expiresAt, status };
      }
      generations += 1;
      held.set(cluster, { owner, acquiredAt: now.toISOString(), expiresAt, generation: generations, gone: false });
      return { acquired: true, owner, expiresAt, generation: generations, ...(status ? { tookOver: status } : {}) };
    },
    async release(cluster: string, owner: string) {
      lock.calls.push(`release:${owner}`);
      if (held.get(cluster)?.owner === owner) held.delete(cluster);
    },
    async holder(cluster: string) {
      const current = held.get(cluster);
      return current === undefined ? undefined : statusOf(current).holder;
    },
    async status(cluster: string) {
      const current = held.get(cluster);
      return current === undefined ? undefined : statusOf(current);
    },
    async clear(cluster: string, { force }: { force: boolean }) {
      const current = held.get(cluster);
      if (current === undefined) return { cleared: false };
      const status = statusOf(current);
      if (!force && !current.gone && !status.expired) return { cleared: false, status };
      held.delete(cluster);
      return { cleared: true, status };
    },
    heldBy: (cluster: string) => held.get(cluster)?.owner,
    markGone: (cluster: string) => {
      const current = held.get(cluster);
      if (current) current.gone = true;
    },
  };
  return lock;
}
