import type { ObservedState } from '../../model/observed.ts';
import type { PlannedBroker, PortMove } from '../../model/plan.ts';

/*
 * Phase 7, port moves: where a running broker advertises one consumer port for an exposure and the plan gives it
 * another. Consumers that cached the old address (every client's metadata does) reach the wrong broker or none, so
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
      const from = running?.[listener.name]?.advertised?.port;
      if (from === undefined || from === listener.advertisedPort) continue;
      moves.push({ exposure: listener.name, brokerId: broker.id, from, to: listener.advertisedPort });
    }
  }
  return moves.sort((a, b) => a.exposure.localeCompare(b.exposure) || a.brokerId - b.brokerId);
}

export function portMoveWarning(move: PortMove): string {
  return `MOVES PORT: broker ${move.brokerId} advertises ${move.exposure} on port ${move.from}, which consumers use now; this plan gives it port ${move.to}: consumers that cached the old address break until they re-bootstrap (a drift repair makes this move only with drift.allowPortMoves: true)`;
}
