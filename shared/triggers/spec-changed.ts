import { formatIssues } from '../spec/errors.ts';
import { clusterNameSchema, type ProviderKind, providerKind } from '../spec/schema.ts';
import { validateSpecText } from '../spec/validate.ts';
import { executionName, type ProvisionInput, startNamed } from './execution.ts';
import type { StoredSpecs, TriggerLog, TriggerResult, WorkflowStarter } from './ports.ts';

/** Something was written to (or removed from) the spec store (parsed from the cloud's event by its handler). */
export interface SpecStoreChange {
  eventId: string;
  /** What the event names: a parameter name, an object key. */
  location: string;
  /** The store's word for what happened (Create, Update, Delete, OBJECT_FINALIZE, …), for logs. */
  operation: string;
  /** Whether the operation wrote a new spec text (created or updated it). */
  written: boolean;
}

export interface SpecChangedDeps {
  specs: StoredSpecs;
  starter: WorkflowStarter;
  /** The provider these functions manage: a spec for another provider is refused. */
  provider: ProviderKind;
  log: TriggerLog;
}

/**
 * A spec was created or updated: validate the new text and, only if it is a valid spec for that cluster and this
 * provider, start provision in apply mode. An invalid spec starts nothing; the log names every problem. The
 * execution name carries the stored version, so one version is applied once however often the event arrives.
 */
export async function onSpecChanged(change: SpecStoreChange, deps: SpecChangedDeps): Promise<TriggerResult> {
  const noun = deps.specs.locationNoun;
  const log = deps.log.child({ eventId: change.eventId, [noun]: change.location, operation: change.operation });
  const cluster = deps.specs.clusterAt(change.location);
  if (cluster === undefined) {
    log.info(`${noun} is not a brokerlink spec; ignored`);
    return { started: false, reason: `not a spec ${noun}` };
  }
  if (!change.written) {
    log.info('spec was not created or updated; nothing to apply', { cluster });
    return { started: false, reason: `operation ${change.operation}` };
  }
  if (!clusterNameSchema.safeParse(cluster).success) {
    log.error(`spec refused: the ${noun} does not hold a valid cluster name; no execution started`, { cluster });
    return { started: false, reason: `invalid cluster name in ${noun}` };
  }
  const { text, version } = await deps.specs.read(cluster);
  const validation = validateSpecText(text);
  if (!validation.ok) {
    log.error(
      `spec refused: version ${version} of ${change.location} is invalid; no execution started. Fix:\n${formatIssues(validation.issues)}`,
      { cluster, version, issues: validation.issues },
    );
    return { started: false, reason: 'spec invalid' };
  }
  if (validation.spec.cluster !== cluster) {
    log.error(
      `spec refused: ${change.location} holds the spec of cluster "${validation.spec.cluster}"; no execution started`,
      { cluster, version },
    );
    return { started: false, reason: 'spec is for another cluster' };
  }
  const kind = providerKind(validation.spec);
  if (kind !== deps.provider) {
    log.error(
      `spec refused: it is a spec for provider "${kind}", and these functions manage "${deps.provider}" clusters only`,
      { cluster, version },
    );
    return { started: false, reason: `spec for provider ${kind}` };
  }
  const input: ProvisionInput = { cluster, mode: 'apply', trigger: 'spec-change', waitForLock: true };
  return startNamed(
    deps.starter,
    'provision',
    // The event id too: a spec deleted and stored again starts over at version 1, and a name of the version alone
    // would find the old execution and start nothing. A redelivered event keeps its id, so it still starts nothing.
    executionName('spec', cluster, `v${version}`, change.eventId.slice(0, 13)),
    input,
    log.child({ cluster, version }),
  );
}
