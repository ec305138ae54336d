/**
 * `LoadBalancer` over the local ledger. `observe` reads the state file; `apply` mutates it (state-file.ts) and
 * then, if asked, waits until the local load balancer daemon serves the new version: either an in-process daemon
 * (its `reload()`), or a daemon in another process (`waitForServedMs`: polls `<stateFile>.served.json`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObservedLoadBalancer } from '../../model/observed.ts';
import type { LbAction } from '../../model/plan.ts';
import type { LoadBalancer } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { LocalLbNotServingRetryable } from './errors.ts';
import type { LocalLoadBalancerDaemon } from './load-balancer-daemon.ts';
import { readServedFile } from './served-file.ts';
import { applyLocalAction, readLocalState, toObserved, updateLocalState } from './state-file.ts';

export interface LocalLoadBalancerAdapterOptions {
  stateFile: string;
  /** Loopback address the daemon listens on (consumers connect here). Default: the spec's provider.local.host. */
  host?: string;
  /** A daemon running in this process: `apply` resolves only once it serves the change. */
  daemon?: Pick<LocalLoadBalancerDaemon, 'reload'>;
  /** A daemon in another process: wait up to this long for it to report the new version served. 0 = don't wait. */
  waitForServedMs?: number;
  /** How long to wait for another writer's lock on the ledger. */
  lockTimeoutMs?: number;
  now?: () => Date;
}

export function createLocalLoadBalancer(options: LocalLoadBalancerAdapterOptions): LoadBalancer {
  const { stateFile } = options;
  return {
    async observe(_spec: ClusterSpec): Promise<ObservedLoadBalancer> {
      return toObserved(await readLocalState(stateFile), stateFile);
    },
    async apply(_spec: ClusterSpec, action: LbAction): Promise<void> {
      const { state } = await updateLocalState(stateFile, (s) => applyLocalAction(s, action), {
        ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
        ...(options.now === undefined ? {} : { now: options.now }),
      });
      if (options.daemon) {
        await options.daemon.reload();
      } else if (options.waitForServedMs !== undefined && options.waitForServedMs > 0) {
        await waitForServed(stateFile, state.version, options.waitForServedMs);
      }
    },
    async consumerAddress(spec: ClusterSpec): Promise<string> {
      return options.host ?? spec.provider.local?.host ?? '127.0.0.1';
    },
  };
}

/** Resolves once a daemon reports serving `version` (or later) of the ledger. */
export async function waitForServed(stateFile: string, version: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  for (;;) {
    const served = await readServedFile(stateFile);
    last = served?.version;
    if (served !== undefined && served.version >= version) return;
    if (Date.now() >= deadline) {
      throw new LocalLbNotServingRetryable(
        served === undefined
          ? `no local load balancer daemon reports serving ${stateFile} (start it: brokerlink local-lb --state ${stateFile})`
          : `local load balancer serves version ${last} of ${stateFile}, not ${version}, after ${timeoutMs} ms`,
      );
    }
    await sleep(25);
  }
}
