/**
 * `PortLedger` over the local state file: each mapping's record carries its owner and retirement stamp, as AWS
 * target groups carry them in tags (mappings.ts says what each change does). One state file per cluster
 * (`provider.local.stateFile`), so every entry in it is this cluster's.
 */
import type { LedgerChange, LedgerEntry, PortLedger } from '../../ports.ts';
import type { ClusterSpec } from '../../spec/schema.ts';
import { applyLocalLedgerChange, toLedgerEntries } from './mappings.ts';
import { readLocalState, updateLocalState } from './state-file.ts';

export interface LocalLedgerOptions {
  stateFile: string;
  lockTimeoutMs?: number;
  now?: () => Date;
}

export function createLocalLedger(options: LocalLedgerOptions): PortLedger {
  const { stateFile } = options;
  return {
    async read(_spec: ClusterSpec): Promise<LedgerEntry[]> {
      return toLedgerEntries(await readLocalState(stateFile));
    },
    async record(_spec: ClusterSpec, change: LedgerChange): Promise<void> {
      await updateLocalState(stateFile, (s) => applyLocalLedgerChange(s, change), {
        ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
        ...(options.now === undefined ? {} : { now: options.now }),
      });
    },
  };
}
