/** Helpers of the end-to-end tests: outcome types and ledger views independent of the lab's random ports. */
import { existsSync } from 'node:fs';
import type { LabBase as Lab } from '../../demo/lab.ts';
import type { VerificationReport } from '../../shared/kafka/verify/report.ts';
import type { Plan } from '../../shared/model/plan.ts';
import { StateMachineFailed } from '../../shared/orchestration/errors.ts';
import type { ProvisionReport } from '../../shared/steps/report.ts';

export interface ProvisionOutput {
  report: ProvisionReport;
  verification: VerificationReport;
}

export async function apply(lab: Lab, options: Parameters<Lab['run']>[2] = {}): Promise<ProvisionOutput> {
  return (await lab.run('provision', undefined, options)) as ProvisionOutput;
}

export async function planOnly(lab: Lab): Promise<Plan> {
  return ((await lab.run('provision', { cluster: lab.spec().cluster, mode: 'plan' })) as { plan: Plan }).plan;
}

/** The rejection of a failed execution (fails the test if it succeeded or failed otherwise). */
export async function failure(run: Promise<unknown>): Promise<StateMachineFailed> {
  try {
    await run;
  } catch (error) {
    if (error instanceof StateMachineFailed) return error;
    throw error;
  }
  throw new Error('the execution succeeded, but it was expected to fail');
}

/** The ledger as "port offset in the range → owner and targets", comparable across labs with other ports. */
export async function ledgerView(lab: Lab): Promise<string[]> {
  const state = await lab.readState();
  return state.mappings.map((m) => {
    const at = m.role === 'bootstrap' ? 'bootstrap' : `from+${m.port - lab.ports.from}`;
    const owner = m.role === 'bootstrap' ? 'bootstrap' : `broker ${m.brokerId}`;
    const targets = m.targets.map((t) => `${t.host}:${t.port === lab.ports.external ? 'external' : t.port}`).join(',');
    return `${at} ${m.exposure} ${owner} [${targets}]${m.retiredAt ? ' retired' : ''}`;
  });
}

/** Port per broker id in the ledger (non-retired broker mappings). */
export async function brokerPorts(lab: Lab): Promise<Map<number, number>> {
  const state = await lab.readState();
  return new Map(state.mappings.filter((m) => m.role === 'broker').map((m) => [m.brokerId!, m.port]));
}

/** No port mapped twice, and at most one mapping per (exposure, broker). */
export async function assertNoDuplicates(lab: Lab): Promise<void> {
  const state = await lab.readState();
  const ports = state.mappings.map((m) => m.port);
  if (new Set(ports).size !== ports.length) throw new Error(`a port is mapped twice: ${ports.join(', ')}`);
  const owners = state.mappings.map((m) => `${m.exposure}/${m.role}/${m.brokerId ?? '-'}`);
  if (new Set(owners).size !== owners.length) throw new Error(`an owner has two mappings: ${owners.join(', ')}`);
}

export function lockFileExists(lab: Lab): boolean {
  return existsSync(`${lab.stateFile}.${lab.spec().cluster}.lock`);
}

/** server.properties of every broker with the lab's ports replaced by names (comparable across labs). */
export async function propertiesView(lab: Lab): Promise<Record<number, string>> {
  const { readFile } = await import('node:fs/promises');
  const out: Record<number, string> = {};
  for (const id of lab.brokers.keys()) {
    let text = await readFile(lab.propertiesFile(id), 'utf8');
    for (const [name, port] of Object.entries(lab.ports)) text = text.replaceAll(`:${port}`, `:<${name}>`);
    for (let port = lab.ports.from; port <= lab.ports.to; port++)
      text = text.replaceAll(`:${port}`, `:<from+${port - lab.ports.from}>`);
    out[id] = text;
  }
  return out;
}

export function restartCounts(lab: Lab): Record<number, number> {
  return Object.fromEntries([...lab.brokers.values()].map((b) => [b.id, b.restarts]));
}

/** Every file of the lab but the LB daemon's served-version heartbeat (rewritten whenever the daemon re-serves). */
export async function durableFiles(lab: Lab): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await lab.files()).filter(([name]) => !name.endsWith('.served.json')));
}
