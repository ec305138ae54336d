import type { ObservedState } from '../../model/observed.ts';
import type { PlannedBroker, PortMove } from '../../model/plan.ts';

/*
 * Phase 7, port moves: where a running broker advertises one consumer port for an exposure and the plan gives it
 * another (the same host, the load balancer's). Consumers that cached the old address (every client's metadata does) reach the wrong broker or none, so
 * the plan says so loudly (warnings that start with "MOVES PORT"), `brokerlink plan` shows them first, and a drift
 * repair makes them only with `drift.allowPortMoves: true` (steps/drift.ts). A broker that is down is not judged:
 * its running config is what Kafka last said, not what consumers reach now.
 */
export function portMoves(brokers: readonly PlannedBroker[], observed: ObservedState): PortMove[] {
  const moves: PortMove[] = [];
  for (const broker of brokers) {
    if (broker.configChange === 'down') continue;
    const running = observed.brokerConfigs?.[String(broker.id)]?.running;
    for (const listener of broker.desiredListeners) {
      const advertised = running?.[listener.name]?.advertised;
      // Only the load balancer's own address is a port consumers hold: a broker advertising some other host (a
      // hand edit, an old name) is a listener change, not a port move.
      if (advertised === undefined || advertised.host !== listener.advertisedHost) continue;
      const from = advertised.port;
      if (from === listener.advertisedPort) continue;
      if (misconfigured(observed, broker.id, listener.name, from)) continue;
      moves.push({ exposure: listener.name, brokerId: broker.id, from, to: listener.advertisedPort });
    }
  }
  return moves.sort((a, b) => a.exposure.localeCompare(b.exposure) || a.brokerId - b.brokerId);
}

/**
 * The ledger holds a port for this broker, and no mapping routes the advertised port to it: consumers cannot use that
 * port through the load balancer, so the broker is misconfigured (a hand edit, config management) and putting it
 * back on its ledger port is a repair, not a move. Without a ledger entry (a lost or reset ledger) the advertised port
 * is the best evidence of what consumers hold, so a change is a move.
 */
function misconfigured(observed: ObservedState, brokerId: number, exposure: string, port: number): boolean {
  const held = observed.loadBalancer.mappings.filter(
    (m) => m.role === 'broker' && m.brokerId === brokerId && m.exposure === exposure && m.retiredAt === undefined,
  );
  return held.length > 0 && !held.some((m) => m.port === port);
}

export function portMoveWarning(move: PortMove): string {
  return `MOVES PORT: broker ${move.brokerId} advertises ${move.exposure} on port ${move.from}, which consumers use now; this plan gives it port ${move.to}: consumers that cached the old address break until they re-bootstrap (a drift repair makes this move only with drift.allowPortMoves: true)`;
}
