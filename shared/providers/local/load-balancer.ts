/**
 * `LoadBalancer` over the local state file. `observe` reads it; `start` changes it (mappings.ts) and then the
 * change is live once the local load balancer daemon serves the new version: an in-process daemon is asked to
 * reload (the action is done when `start` returns), a daemon in another process (`waitForServedMs`) reports what it
 * serves in `<stateFile>.served.json`, so `start` returns an operation (the ledger version) and `poll` reads that
 * file. Nothing here waits: the state machine polls.
 */
import type { LbAction } from '../../model/plan.ts';
import type {
  LbOperation,
  LbOperationStatus,
  LbProgress,
  LedgerEntry,
  LoadBalancer,
  ObservedPorts,
} from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { LbActionInvalid, LocalLbNotServingRetryable } from './errors.ts';
import type { LocalLoadBalancerDaemon } from './load-balancer-daemon.ts';
import { applyLocalLbAction, desiredMappings, toObservedPorts } from './mappings.ts';
import { readServedFile } from './served-file.ts';
import { type LocalLbState, readLocalState, updateLocalState } from './state-file.ts';

export interface LocalLoadBalancerAdapterOptions {
  stateFile: string;
  /** Loopback address the daemon listens on (consumers connect here). Default: the spec's provider.local.host. */
  host?: string;
  /** A daemon running in this process: `start` reloads it, so every action is done when `start` returns. */
  daemon?: Pick<LocalLoadBalancerDaemon, 'reload'>;
  /**
   * A daemon in another process: a change is pending until it serves the new version, and a poll fails
   * (LocalLbNotServingRetryable) once this long has passed without that. 0 or absent = a change is done when written.
   */
  waitForServedMs?: number;
  /** How long to wait for another writer's lock on the ledger. */
  lockTimeoutMs?: number;
  now?: () => Date;
}

export function createLocalLoadBalancer(options: LocalLoadBalancerAdapterOptions): LoadBalancer {
  const { stateFile } = options;
  const now = options.now ?? (() => new Date());
  const servedTimeoutMs = options.waitForServedMs ?? 0;
  return {
    async observe(_spec: ClusterSpec, ledger: readonly LedgerEntry[]): Promise<ObservedPorts> {
      return toObservedPorts(await readLocalState(stateFile), stateFile, ledger);
    },

    async start(_spec: ClusterSpec, action: LbAction): Promise<LbProgress> {
      let servesTheSame = false;
      const { state } = await updateLocalState(
        stateFile,
        (before) => {
          const after = applyLocalLbAction(before, action);
          servesTheSame = sameServing(before, after);
          return after;
        },
        { ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }), now },
      );
      if (options.daemon) {
        await options.daemon.reload();
        return { state: 'done' };
      }
      if (servedTimeoutMs <= 0) return { state: 'done' };
      const served = await readServedFile(stateFile);
      // Nothing to wait for when a running daemon serves the same ports either way (a mapping on a port not open
      // yet); with no daemon at all the change is pending, so its poll says so.
      if (served !== undefined && (served.version >= state.version || servesTheSame)) return { state: 'done' };
      return {
        state: 'pending',
        operation: { id: String(state.version), scope: { stateFile, since: now().toISOString() } },
      };
    },

    async poll(_spec: ClusterSpec, operation: LbOperation): Promise<LbOperationStatus> {
      const version = Number(operation.id);
      const since = Date.parse(operation.scope?.['since'] ?? '');
      if (!Number.isInteger(version) || Number.isNaN(since) || operation.scope?.['stateFile'] !== stateFile) {
        throw new LbActionInvalid(
          `not an operation of the local load balancer on ${stateFile}: ${JSON.stringify(operation)}`,
        );
      }
      const served = await readServedFile(stateFile);
      if (served !== undefined && served.version >= version) return { state: 'done' };
      const waitedMs = now().getTime() - since;
      if (waitedMs < servedTimeoutMs) return { state: 'running' };
      throw new LocalLbNotServingRetryable(
        served === undefined
          ? `no local load balancer daemon reports serving ${stateFile} (start it: brokerlink local-lb --state ${stateFile})`
          : `local load balancer serves version ${served.version} of ${stateFile}, not ${version}, after ${waitedMs} ms`,
      );
    },

    async consumerAddress(spec: ClusterSpec): Promise<string> {
      return options.host ?? spec.provider.local?.host ?? '127.0.0.1';
    },
  };
}

function sameServing(before: LocalLbState, after: LocalLbState): boolean {
  return JSON.stringify(desiredMappings(before)) === JSON.stringify(desiredMappings(after));
}
