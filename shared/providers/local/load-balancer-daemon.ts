/**
 * The local load balancer: serves exactly what the ledger (state-file.ts) says, on a loopback address.
 *
 * - A broker mapping's port forwards to its target; the bootstrap mapping's port fans out over all its targets.
 * - Retired mappings and mappings without targets serve nothing (no listener: connections are refused).
 * - Only ports listed in `openPorts` accept connections, like a security group / firewall in front of an NLB.
 * - The file is watched (fs.watch on its directory, as writers replace it by rename) with a periodic stat poll as a
 *   fallback, debounced. `reload()` resolves once the new ledger is served.
 * - After each reload the served version is written to `<stateFile>.served.json`, so an adapter in another process
 *   can wait for its change to be live.
 * A ledger that cannot be read keeps the last good configuration serving; a port that cannot be bound is reported
 * in `failedPorts` and retried on the next poll while every other port is served.
 */

import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ForwarderListenFailed } from '../../net/errors.ts';
import type { PortForwarder } from '../../net/port-forwarder.ts';
import { startPortForwarder } from '../../net/port-forwarder.ts';
import { LocalLbReloadFailed } from './errors.ts';
import { desiredMappings } from './mappings.ts';
import type { ServedState } from './served-file.ts';
import { servedFileOf, writeServedFile } from './served-file.ts';
import type { LocalLbState } from './state-file.ts';
import { createLocalStateIfMissing, readLocalState } from './state-file.ts';

export { desiredMappings } from './mappings.ts';

export interface LocalLoadBalancerOptions {
  stateFile: string;
  /** Loopback address to listen on (the spec's `provider.local.host`). Default 127.0.0.1. */
  host?: string;
  /** Fallback poll interval for changes fs.watch missed. Default 500 ms. */
  pollIntervalMs?: number;
  /** Coalesce bursts of file events. Default 20 ms. */
  debounceMs?: number;
  /** Upstream TCP connect timeout of the forwarder. */
  connectTimeoutMs?: number;
  /** Called with errors of background (watch/poll triggered) reloads. */
  onError?: (err: Error) => void;
  /** Create an empty ledger if the file does not exist yet. Default true. */
  createIfMissing?: boolean;
}

export interface LocalLoadBalancerDaemon {
  /** Ports currently accepting connections, ascending. */
  ports(): number[];
  /** What is served right now. */
  served(): ServedState;
  /** Re-reads the ledger; resolves when it is served. Rejects (LocalLbReloadFailed) if the ledger is unreadable. */
  reload(): Promise<ServedState>;
  close(): Promise<void>;
}

export async function startLocalLoadBalancer(options: LocalLoadBalancerOptions): Promise<LocalLoadBalancerDaemon> {
  const { stateFile } = options;
  const host = options.host ?? '127.0.0.1';
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const debounceMs = options.debounceMs ?? 20;
  const onError = options.onError ?? (() => undefined);

  if (options.createIfMissing !== false) await createLocalStateIfMissing(stateFile);

  const forwarder: PortForwarder = await startPortForwarder({
    host,
    mappings: [],
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  });
  let current: ServedState = { pid: process.pid, host, version: -1, ports: [], failedPorts: [], servedAt: '' };
  let closed = false;
  let chain: Promise<unknown> = Promise.resolve();
  let lastStamp = '';

  async function serve(): Promise<ServedState> {
    let state: LocalLbState;
    try {
      state = await readLocalState(stateFile);
    } catch (err) {
      throw new LocalLbReloadFailed(`cannot load ${stateFile}; still serving version ${current.version}`, {
        cause: err,
      });
    }
    let wanted = desiredMappings(state);
    const failedPorts: ServedState['failedPorts'] = [];
    // Bind what can be bound: drop a port that cannot be (taken by another process) and try again.
    for (;;) {
      try {
        await forwarder.update(wanted);
        break;
      } catch (err) {
        if (!(err instanceof ForwarderListenFailed) || !wanted.some((m) => m.listenPort === err.port)) throw err;
        const cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
        failedPorts.push({ port: err.port, error: cause });
        wanted = wanted.filter((m) => m.listenPort !== err.port);
      }
    }
    current = {
      pid: process.pid,
      host,
      version: state.version,
      ports: [...forwarder.ports].sort((a, b) => a - b),
      failedPorts,
      servedAt: new Date().toISOString(),
    };
    await writeServedFile(stateFile, current).catch(onError);
    return current;
  }

  function reload(): Promise<ServedState> {
    if (closed) return Promise.reject(new LocalLbReloadFailed('local load balancer is closed'));
    const run = chain.then(
      () => serve(),
      () => serve(),
    );
    chain = run.catch(() => undefined);
    return run;
  }

  let debounce: NodeJS.Timeout | undefined;
  function schedule(): void {
    if (closed) return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      reload().catch((err: Error) => onError(err));
    }, debounceMs);
  }

  async function fileStamp(): Promise<string> {
    try {
      const s = await stat(stateFile);
      return `${s.ino}:${s.mtimeMs}:${s.size}`;
    } catch {
      return 'missing';
    }
  }

  let watcher: FSWatcher | undefined;
  try {
    const name = basename(stateFile);
    watcher = watch(dirname(stateFile), (_event, filename) => {
      if (filename === null || filename === name) schedule();
    });
    watcher.on('error', (err) => onError(err));
  } catch (err) {
    onError(err as Error); // the poll still sees changes
  }

  let polling = false;
  const poller = setInterval(() => {
    if (polling || closed) return;
    polling = true;
    fileStamp()
      .then((stamp) => {
        if (stamp !== lastStamp || current.failedPorts.length > 0) {
          lastStamp = stamp;
          schedule();
        }
      })
      .finally(() => {
        polling = false;
      });
  }, pollIntervalMs);

  lastStamp = await fileStamp();
  try {
    await reload();
  } catch (err) {
    clearInterval(poller);
    watcher?.close();
    await forwarder.close();
    throw err;
  }

  return {
    ports: () => [...current.ports],
    served: () => structuredClone(current),
    reload,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poller);
      if (debounce) clearTimeout(debounce);
      watcher?.close();
      await chain;
      await forwarder.close();
      await unlink(servedFileOf(stateFile)).catch(() => undefined);
    },
  };
}
