import { BrokerlinkError } from '../../errors.ts';
import type { ListenerView, ObservedBrokerConfig, ObservedMapping, ObservedState } from '../../model/observed.ts';
import { type LbAction, needsPush, type Plan } from '../../model/plan.ts';

/*
 * FAKE, for tests: an in-memory model of the load-balancer ledger and of the brokers' config, used to check that
 * applying a plan converges (re-plan → nothing to do). It is stateful and strict like a cloud API: creating a
 * mapping on a port that is taken, or touching a mapping that does not exist, throws instead of being forgiven,
 * so a plan that only works in a lucky order fails here. Targets are identified the way adapters report them
 * (instance id where there is one, else the host).
 */

export class LedgerConflict extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LedgerConflict';
}

/** Applies LB actions in the given order to a copy of `observed`; returns the new state. */
export function applyLbActions(observed: ObservedState, actions: readonly LbAction[]): ObservedState {
  const state: ObservedState = structuredClone(observed);
  const mappings = state.loadBalancer.mappings;
  const find = (exposure: string, port: number) => {
    const mapping = mappings.find((m) => m.port === port);
    if (mapping === undefined || mapping.exposure !== exposure) {
      throw new LedgerConflict(`no mapping of ${exposure} on port ${port}`);
    }
    return mapping;
  };
  for (const action of actions) {
    switch (action.kind) {
      case 'createMapping': {
        if (mappings.some((m) => m.port === action.port)) {
          throw new LedgerConflict(`port ${action.port} already carries a mapping`);
        }
        const mapping: ObservedMapping = {
          exposure: action.exposure,
          role: action.role,
          port: action.port,
          targets: action.targets.map((t) => ({ id: t.instanceId ?? t.host, port: t.port })),
        };
        if (action.brokerId !== undefined) mapping.brokerId = action.brokerId;
        mappings.push(mapping);
        break;
      }
      case 'registerTargets': {
        const mapping = find(action.exposure, action.port);
        if (mapping.retiredAt !== undefined) throw new LedgerConflict(`port ${action.port} is retired`);
        for (const t of action.targets) {
          const id = t.instanceId ?? t.host;
          if (!mapping.targets.some((x) => x.id === id && x.port === t.port))
            mapping.targets.push({ id, port: t.port });
        }
        break;
      }
      case 'deregisterTargets': {
        const mapping = find(action.exposure, action.port);
        mapping.targets = mapping.targets.filter(
          (x) => !action.targets.some((t) => t.id === x.id && t.port === x.port),
        );
        break;
      }
      case 'retireMapping': {
        const mapping = find(action.exposure, action.port);
        mapping.targets = [];
        mapping.retiredAt = action.retiredAt;
        break;
      }
      case 'reviveMapping': {
        const mapping = find(action.exposure, action.port);
        if (mapping.retiredAt === undefined) throw new LedgerConflict(`port ${action.port} is not retired`);
        delete mapping.retiredAt;
        break;
      }
      case 'deleteMapping': {
        const mapping = find(action.exposure, action.port);
        mappings.splice(mappings.indexOf(mapping), 1);
        break;
      }
      case 'openPort':
        if (!state.loadBalancer.openPorts.includes(action.port)) state.loadBalancer.openPorts.push(action.port);
        break;
      case 'closePort':
        state.loadBalancer.openPorts = state.loadBalancer.openPorts.filter((p) => p !== action.port);
        break;
    }
  }
  return state;
}

/**
 * Applies a whole plan: LB actions in plan order, then the config push (brokers whose configChange is `update` or
 * `unknown` get the desired listeners in their file) and the restarts (running config := file).
 */
export function applyPlan(observed: ObservedState, plan: Plan): ObservedState {
  const state = applyLbActions(observed, plan.actions);
  const configs: Record<string, ObservedBrokerConfig> = { ...(state.brokerConfigs ?? {}) };
  for (const broker of plan.brokers) {
    const key = String(broker.id);
    const current = configs[key] ?? {};
    let file = current.file;
    if (needsPush(broker)) {
      const written: Record<string, ListenerView> = { ...(current.file ?? {}) };
      for (const l of broker.desiredListeners) {
        written[l.name] = {
          bind: { host: l.bindHost, port: l.bindPort },
          advertised: { host: l.advertisedHost, port: l.advertisedPort },
          securityProtocol: l.securityProtocol,
        };
      }
      file = written;
    }
    const running = broker.restart ? file : current.running;
    const next: ObservedBrokerConfig = {};
    if (file !== undefined) next.file = file;
    if (running !== undefined) next.running = running;
    configs[key] = next;
  }
  state.brokerConfigs = configs;
  return state;
}
