/**
 * What load balancer actions and ledger changes do to the local state file (pure functions over its content). The
 * local provider keeps its port ledger where its load balancer keeps its mappings, in one record per port, like AWS
 * keeps it in the tags of its target groups: creating a mapping creates the record with its owner, deleting it
 * removes the record; the ledger changes then edit the owner fields and the retirement stamp.
 *
 * Load balancer part (`applyLocalLbAction`):
 * - createMapping: creates the record with its owner (exposure, role, broker) and targets; adopts an existing
 *   record of the same owner by adding any missing targets; a port owned by anyone else is `LbPortConflict`.
 * - registerTargets / deregisterTargets: add / remove targets (by id + port); deregistering from a missing
 *   mapping is a no-op; registering into one is `LbMappingNotFound`.
 * - retireMapping: removes the targets. reviveMapping: nothing to serve differently (the broker's target comes back
 *   through registerTargets). Both need the mapping to exist.
 * - deleteMapping: removes the record (absent: no-op). openPort / closePort: add / remove in `openPorts`.
 *
 * Ledger part (`applyLocalLedgerChange`):
 * - assign: the record's owner fields, and no retirement (an adopted retired record is active again).
 * - retire: stamps `retiredAt`; an earlier stamp is kept, so a re-run does not restart the cool-down.
 * - revive: clears the stamp. release: the record is gone with its mapping (a record still there is removed).
 *
 * Every change naming a port owned by a different exposure/role/broker is `LbPortConflict`.
 */
import { ledgerChangeOf } from '../../ledger/changes.ts';
import { joinLedger } from '../../ledger/join.ts';
import type { ObservedLoadBalancer } from '../../model/observed.ts';
import type { LbAction } from '../../model/plan.ts';
import type { PortMapping } from '../../net/port-forwarder.ts';
import type { LedgerChange, LedgerEntry, ObservedPorts } from '../../ports.ts';
import { LbActionInvalid, LbMappingNotFound, LbPortConflict } from './errors.ts';
import type { LocalLbState, LocalMapping, LocalTarget } from './state-file.ts';

interface Owner {
  exposure: string;
  role: 'broker' | 'bootstrap';
  brokerId?: number | undefined;
}

function describeOwner(m: Owner): string {
  return m.role === 'broker' ? `${m.exposure} broker ${m.brokerId}` : `${m.exposure} ${m.role}`;
}

function sameOwner(m: LocalMapping, want: Owner): boolean {
  return (
    m.exposure === want.exposure && m.role === want.role && (m.role === 'bootstrap' || m.brokerId === want.brokerId)
  );
}

function addTargets(existing: LocalTarget[], add: LocalTarget[]): LocalTarget[] {
  const out = [...existing];
  for (const t of add) {
    if (!out.some((e) => e.id === t.id && e.port === t.port)) out.push(t);
  }
  return out;
}

function toLocalTargets(targets: readonly { host: string; port: number }[]): LocalTarget[] {
  return targets.map((t) => ({ id: t.host, host: t.host, port: t.port }));
}

/** The record on `port` and how to put a changed one back. */
function recordAt(state: LocalLbState, port: number) {
  const index = state.mappings.findIndex((m) => m.port === port);
  const existing = index >= 0 ? state.mappings[index] : undefined;
  const replace = (m: LocalMapping | undefined): LocalLbState => {
    const mappings = [...state.mappings];
    if (m === undefined) mappings.splice(index, 1);
    else if (index >= 0) mappings[index] = m;
    else mappings.push(m);
    return { ...state, mappings };
  };
  const conflict = (wanted: string): never => {
    throw new LbPortConflict(port, wanted, describeOwner(existing!));
  };
  return { existing, replace, conflict };
}

/** The load balancer part of one action (pure). */
export function applyLocalLbAction(state: LocalLbState, action: LbAction): LocalLbState {
  const { existing, replace, conflict } = recordAt(state, action.port);
  switch (action.kind) {
    case 'createMapping': {
      if (action.role === 'broker' && action.brokerId === undefined) {
        throw new LbActionInvalid(`createMapping for broker port ${action.port} has no brokerId`);
      }
      const want = { exposure: action.exposure, role: action.role, brokerId: action.brokerId };
      const targets = toLocalTargets(action.targets);
      if (existing === undefined) {
        const created: LocalMapping = { exposure: action.exposure, role: action.role, port: action.port, targets };
        if (action.role === 'broker') created.brokerId = action.brokerId;
        return replace(created);
      }
      if (!sameOwner(existing, want)) conflict(describeOwner(want));
      return replace({ ...existing, targets: addTargets(existing.targets, targets) });
    }
    case 'registerTargets': {
      const wanted = `${action.exposure} ${action.role}`;
      if (existing === undefined) throw new LbMappingNotFound(action.port, wanted);
      if (existing.exposure !== action.exposure || existing.role !== action.role) conflict(wanted);
      return replace({ ...existing, targets: addTargets(existing.targets, toLocalTargets(action.targets)) });
    }
    case 'deregisterTargets': {
      if (existing === undefined) return state;
      if (existing.exposure !== action.exposure || existing.role !== action.role) {
        conflict(`${action.exposure} ${action.role}`);
      }
      const targets = existing.targets.filter((t) => !action.targets.some((d) => d.id === t.id && d.port === t.port));
      return replace({ ...existing, targets });
    }
    case 'retireMapping':
    case 'reviveMapping': {
      const wanted = `${action.exposure} broker ${action.brokerId}`;
      if (existing === undefined) throw new LbMappingNotFound(action.port, wanted);
      if (!sameOwner(existing, { exposure: action.exposure, role: 'broker', brokerId: action.brokerId })) {
        conflict(wanted);
      }
      return action.kind === 'retireMapping' ? replace({ ...existing, targets: [] }) : state;
    }
    case 'deleteMapping': {
      if (existing === undefined) return state;
      const wrongBroker = action.brokerId !== undefined && existing.brokerId !== action.brokerId;
      if (existing.exposure !== action.exposure || wrongBroker) {
        conflict(action.brokerId === undefined ? action.exposure : `${action.exposure} broker ${action.brokerId}`);
      }
      return replace(undefined);
    }
    case 'openPort':
      return state.openPorts.includes(action.port) ? state : { ...state, openPorts: [...state.openPorts, action.port] };
    case 'closePort':
      return { ...state, openPorts: state.openPorts.filter((p) => p !== action.port) };
    default: {
      const unknown: never = action;
      throw new LbActionInvalid(`unknown load balancer action ${JSON.stringify(unknown)}`);
    }
  }
}

/** The ledger part of one action (pure). */
export function applyLocalLedgerChange(state: LocalLbState, change: LedgerChange): LocalLbState {
  const { existing, replace, conflict } = recordAt(state, change.port);
  switch (change.kind) {
    case 'assign': {
      const want = { exposure: change.exposure, role: change.role, brokerId: change.brokerId };
      if (existing === undefined) throw new LbMappingNotFound(change.port, describeOwner(want));
      if (!sameOwner(existing, want)) conflict(describeOwner(want));
      const assigned = { ...existing };
      delete assigned.retiredAt;
      return replace(assigned);
    }
    case 'retire':
    case 'revive': {
      const wanted = `${change.exposure} broker ${change.brokerId}`;
      if (existing === undefined) throw new LbMappingNotFound(change.port, wanted);
      if (!sameOwner(existing, { exposure: change.exposure, role: 'broker', brokerId: change.brokerId })) {
        conflict(wanted);
      }
      if (change.kind === 'retire') return replace({ ...existing, retiredAt: existing.retiredAt ?? change.retiredAt });
      const revived = { ...existing };
      delete revived.retiredAt;
      return replace(revived);
    }
    case 'release': {
      if (existing === undefined) return state;
      if (existing.exposure !== change.exposure) conflict(change.exposure);
      return replace(undefined);
    }
  }
}

/** One whole action as a step applies it: the load balancer part, then its ledger part (tests, by-hand changes). */
export function applyLocalAction(state: LocalLbState, action: LbAction): LocalLbState {
  const change = ledgerChangeOf(action);
  const changed = applyLocalLbAction(state, action);
  return change === undefined ? changed : applyLocalLedgerChange(changed, change);
}

/** The port ledger kept in the file: one entry per record. */
export function toLedgerEntries(state: LocalLbState): LedgerEntry[] {
  return state.mappings
    .map((m) => {
      const entry: LedgerEntry = { exposure: m.exposure, role: m.role, port: m.port };
      if (m.brokerId !== undefined) entry.brokerId = m.brokerId;
      if (m.retiredAt !== undefined) entry.retiredAt = m.retiredAt;
      return entry;
    })
    .sort((a, b) => a.port - b.port);
}

/** What the file says the load balancer serves at these ledger ports. */
export function toObservedPorts(state: LocalLbState, file: string, ledger: readonly LedgerEntry[]): ObservedPorts {
  const wanted = new Set(ledger.map((entry) => entry.port));
  const ports = state.mappings
    .filter((m) => wanted.has(m.port))
    .map((m) => ({
      port: m.port,
      targets: m.targets.map((t) => ({ id: t.id, port: t.port })),
      resourceIds: { stateFile: file, mapping: `${m.exposure}/${m.role}/${m.port}` },
    }));
  return { ports, openPorts: [...state.openPorts] };
}

/** The file as the planner sees it (ledger joined with the load balancer). */
export function toObserved(state: LocalLbState, file: string): ObservedLoadBalancer {
  const entries = toLedgerEntries(state);
  return joinLedger(entries, toObservedPorts(state, file, entries));
}

/** Which listen ports the ledger asks for and where they go. Pure. */
export function desiredMappings(state: LocalLbState): PortMapping[] {
  const open = new Set(state.openPorts);
  const out: PortMapping[] = [];
  for (const m of state.mappings) {
    if (m.retiredAt !== undefined || m.targets.length === 0 || !open.has(m.port)) continue;
    const upstreams = new Map<string, { host: string; port: number }>();
    for (const t of m.targets) upstreams.set(`${t.host}:${t.port}`, { host: t.host, port: t.port });
    out.push({ listenPort: m.port, upstreams: [...upstreams.values()] });
  }
  return out.sort((a, b) => a.listenPort - b.listenPort);
}
