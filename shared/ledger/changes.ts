import type { LbAction } from '../model/plan.ts';
import type { LedgerChange } from '../ports.ts';

/**
 * The ledger part of a load balancer action, or undefined when the action changes no port's owner (targets and
 * consumer ports live on the load balancer only). The step records it once the action is in effect: a port is
 * entered in the ledger only when its mapping exists, and leaves it only when its mapping is gone.
 */
export function ledgerChangeOf(action: LbAction): LedgerChange | undefined {
  switch (action.kind) {
    case 'createMapping':
      return {
        kind: 'assign',
        exposure: action.exposure,
        role: action.role,
        port: action.port,
        ...(action.brokerId === undefined ? {} : { brokerId: action.brokerId }),
      };
    case 'retireMapping':
      return {
        kind: 'retire',
        exposure: action.exposure,
        port: action.port,
        brokerId: action.brokerId,
        retiredAt: action.retiredAt,
      };
    case 'reviveMapping':
      return { kind: 'revive', exposure: action.exposure, port: action.port, brokerId: action.brokerId };
    case 'deleteMapping':
      return { kind: 'release', exposure: action.exposure, port: action.port };
    case 'registerTargets':
    case 'deregisterTargets':
    case 'openPort':
    case 'closePort':
      return undefined;
  }
}
