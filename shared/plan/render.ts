import type { RestartBatch } from '../kafka/safety/batches.ts';
import type { LbAction, Plan, PlannedBroker } from '../model/plan.ts';

/*
 * Human and machine forms of a plan. `planToJson` is canonical (keys sorted at every level, arrays kept in the
 * planner's order), so two plans from the same inputs are byte-identical and diff cleanly in CI.
 */

export function planToJson(plan: Plan, indent = 2): string {
  return JSON.stringify(sortKeys(plan), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** One line per LB action, in words. */
export function describeLbAction(action: LbAction): string {
  switch (action.kind) {
    case 'createMapping':
      return action.role === 'bootstrap'
        ? `create ${action.exposure} bootstrap port ${action.port} → ${targetList(action.targets)}`
        : `create ${action.exposure} port ${action.port} → broker ${action.brokerId} (${action.targets.map((t) => `${t.instanceId ?? t.host}:${t.port}`).join(', ')})`;
    case 'registerTargets':
      return `register ${targetList(action.targets)} on ${action.exposure} ${action.role === 'bootstrap' ? 'bootstrap ' : ''}port ${action.port}`;
    case 'deregisterTargets':
      return `deregister ${action.targets.map((t) => `${t.id}:${t.port}`).join(', ')} from ${action.exposure} ${action.role === 'bootstrap' ? 'bootstrap ' : ''}port ${action.port}`;
    case 'retireMapping':
      return `retire ${action.exposure} port ${action.port} of removed broker ${action.brokerId} (cool-down starts ${action.retiredAt})`;
    case 'reviveMapping':
      return `give ${action.exposure} port ${action.port} back to returning broker ${action.brokerId}`;
    case 'deleteMapping':
      return `delete ${action.exposure} port ${action.port}${action.brokerId === undefined ? '' : ` (was broker ${action.brokerId}, cool-down over)`}`;
    case 'openPort':
      return `open port ${action.port} to ${action.cidrs.join(', ')}`;
    case 'closePort':
      return `close port ${action.port} to ${action.cidrs.join(', ')}`;
  }
}

function targetList(targets: readonly { brokerId: number; instanceId?: string; host: string; port: number }[]): string {
  if (targets.length === 0) return 'no brokers';
  return targets.map((t) => `broker ${t.brokerId} (${t.instanceId ?? t.host}:${t.port})`).join(', ');
}

/** The dry-run view: per exposure a table, then LB actions, restart order, pending and warnings. */
export function renderPlanTable(plan: Plan): string {
  const out: string[] = [];
  const brokers = new Map<number, PlannedBroker>(plan.brokers.map((b) => [b.id, b]));
  out.push(`Plan for cluster ${plan.cluster} (${plan.provider}), observed ${plan.generatedAt}`);
  const moves = plan.portMoves ?? [];
  if (moves.length > 0) {
    // First, before anything else: these break consumers that cached the addresses.
    out.push('');
    out.push(
      `!! THIS PLAN MOVES ${moves.length} PORT(S) THAT RUNNING BROKERS ADVERTISE (consumers that cached them break):`,
    );
    for (const move of moves) {
      out.push(`!!   broker ${move.brokerId} ${move.exposure}: port ${move.from} → ${move.to}`);
    }
  }
  for (const exposure of plan.exposures) {
    out.push('');
    out.push(
      `Exposure ${exposure.listener} (${exposure.securityProtocol}, brokers bind :${exposure.brokerPort}; bootstrap ${exposure.bootstrapPorts.length === 0 ? 'none' : exposure.bootstrapPorts.join(', ')})`,
    );
    const rows = exposure.brokers.map((b) => {
      const planned = brokers.get(b.id);
      return [
        String(b.id),
        b.azId ?? b.az ?? '-',
        String(b.port),
        b.advertised ?? '(pending)',
        b.lb,
        planned?.configChange ?? '-',
        planned === undefined ? '-' : planned.restart ? 'yes' : 'no',
      ];
    });
    out.push(...table(['broker', 'AZ', 'LB port', 'advertised address', 'LB', 'config', 'restart'], rows));
    for (const r of exposure.retired) {
      out.push(`  retired: port ${r.port} (broker ${r.brokerId}) in cool-down until ${r.reusableAt}`);
    }
  }
  out.push('');
  if (plan.actions.length === 0) out.push('Load balancer: nothing to do.');
  else {
    out.push(`Load balancer actions (${plan.actions.length}, in order):`);
    plan.actions.forEach((action, i) => {
      out.push(`  ${i + 1}. ${describeLbAction(action)}`);
    });
  }
  const changing = plan.brokers.filter((b) => b.configChange !== 'none');
  if (changing.length > 0) {
    out.push('');
    out.push('Broker config:');
    for (const b of changing)
      out.push(`  broker ${b.id}: ${b.configChange}${b.restart ? ', restart' : ''} — ${b.reasons.join('; ')}`);
  }
  out.push('');
  if (plan.restartBatches !== undefined) out.push(...batchLines(plan.restartBatches));
  else {
    out.push(
      plan.restartOrder.length === 0
        ? 'Restart order: no restarts.'
        : `Restart order (one at a time, health-gated): ${plan.restartOrder.join(' → ')}`,
    );
  }
  if (plan.pending.length > 0) {
    out.push('');
    out.push('Pending:');
    for (const p of plan.pending) out.push(`  - ${p.message}`);
  }
  const unmanaged = plan.unmanaged ?? [];
  if (unmanaged.length > 0) {
    out.push('');
    out.push('Not managed by brokerlink, inside its port ranges (remove by hand):');
    for (const u of unmanaged) out.push(`  - port ${u.port} (brokerPorts of ${u.insideRangeOf}): ${u.why}`);
  }
  if (plan.warnings.length > 0) {
    out.push('');
    out.push('Warnings:');
    for (const w of plan.warnings) out.push(`  - ${w}`);
  }
  const { lbActions, configChanges, restarts, inSync } = plan.summary;
  out.push('');
  out.push(
    inSync
      ? 'In sync: nothing to do.'
      : `Summary: ${lbActions} LB action(s), ${configChanges} config change(s), ${restarts} restart(s)${plan.pending.length > 0 ? `, ${plan.pending.length} exposure(s) pending` : ''}.`,
  );
  return `${out.join('\n')}\n`;
}

const PHASE_NAMES: Record<RestartBatch['phase'], string> = {
  controllers: 'controllers',
  brokers: 'brokers',
  'active-controller': 'the active controller, last',
};

/** The batches of a rack-batched roll, each with why its rack was split (docs/rolling-restart.md §8). */
function batchLines(batches: readonly RestartBatch[]): string[] {
  if (batches.length === 0) return ['Restart batches: no restarts.'];
  const out = [
    `Restart batches (${batches.length}, in order; a batch restarts together, the next starts when every broker of it is healthy):`,
  ];
  batches.forEach((batch, i) => {
    const rack = batch.rack === null ? 'rack unknown' : `rack ${batch.rack}`;
    out.push(`  ${i + 1}. ${batch.brokers.join(', ')}  (${PHASE_NAMES[batch.phase]}; ${rack})`);
    for (const deferred of batch.deferred) out.push(`       split: ${deferred.reason}`);
    if (batch.blocked !== undefined) {
      out.push(`       alone: not safe to restart even alone now, the roll waits for it: ${batch.blocked}`);
    }
    if (!batch.largest) {
      out.push('       note: the search ran out of budget: this batch is safe and maximal, maybe not the largest');
    }
    if (batch.note !== undefined) out.push(`       note: ${batch.note}`);
  });
  return out;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
