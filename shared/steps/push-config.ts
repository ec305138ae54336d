import { NodeIdMismatch } from '../broker-writer/errors.ts';
import { parseReadOutput, parseWriteOutput, planWrite, WRITER_EXIT } from '../broker-writer/protocol.ts';
import type { PlannedBroker } from '../model/plan.ts';
import { brokerIdSource } from '../plan/preflight.ts';
import type { CommandHandle } from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import { awaitCommand } from './command.ts';
import type { StepDeps } from './deps.ts';
import { BrokerIdentityMismatch, CommandFailed, ConfigConflict } from './errors.ts';

/**
 * Pushes one broker's listener config as a compare-and-swap over the run-command channel:
 * read (file + sha256) → compute the new text here, in tested TypeScript → write only if the sha still matches.
 * Each call advances one phase and returns plain JSON, so the orchestrator owns the waiting (Wait + Choice loop)
 * and no function sleeps. Writes only when the file differs, so a re-run is a no-op.
 *
 * Node-id guard: the file must be the broker's own. Its `node.id` / `broker.id` are compared with the broker id
 * here, before any write is planned, and again by the writer on the host, on the very bytes its compare-and-swap
 * matches and on the new content (shared/broker-writer/brokerlink-writer.sh). A mismatch — an instance tagged as
 * another broker than it runs — stops the push with BrokerIdentityMismatch, naming both ids, the instance and what
 * to fix; nothing is written, and the roll never starts.
 */
export type PushState =
  | { brokerId: number; phase: 'reading'; handle: CommandHandle }
  | { brokerId: number; phase: 'writing'; handle: CommandHandle; diff: string }
  | { brokerId: number; phase: 'done'; result: 'changed' | 'unchanged'; diff: string };

export async function advanceConfigPush(
  spec: ClusterSpec,
  broker: PlannedBroker,
  state: PushState | undefined,
  deps: Pick<StepDeps, 'commands'>,
): Promise<PushState> {
  const target = {
    brokerId: broker.id,
    host: broker.host,
    ...(broker.instanceId ? { instanceId: broker.instanceId } : {}),
  };
  const path = spec.brokers.propertiesPath;

  if (state === undefined) {
    const handle = await deps.commands.start(target, { kind: 'read-config', path });
    return { brokerId: broker.id, phase: 'reading', handle };
  }
  if (state.phase === 'done') return state;

  const stdout = await awaitCommand(
    state.handle,
    deps.commands,
    state.phase === 'reading' ? 'reading server.properties' : 'writing server.properties',
    {
      conflictExitCode: state.phase === 'writing' ? WRITER_EXIT.conflict : undefined,
      // The writer's refusal of another node's file (exit 6) carries what it found: read below.
      answerExitCodes: state.phase === 'writing' ? [WRITER_EXIT.nodeIdMismatch] : [],
    },
  );
  if (stdout === undefined) return state;

  if (state.phase === 'reading') {
    const write = guarded(spec, broker, () =>
      planWrite(parseReadOutput(stdout), broker.desiredListeners, { path, expectedNodeId: broker.id }),
    );
    if (!write.changed) return { brokerId: broker.id, phase: 'done', result: 'unchanged', diff: '' };
    const handle = await deps.commands.start(target, write.command);
    return { brokerId: broker.id, phase: 'writing', handle, diff: write.diff };
  }

  const written = parseWriteOutput(stdout);
  if (written.result === 'node-id-mismatch') {
    throw identityMismatch(spec, broker, written.key, written.found, {
      cause: new NodeIdMismatch({ key: written.key, found: written.found, expected: broker.id, checkedOn: 'host' }),
    });
  }
  if (written.result === 'conflict') {
    throw new ConfigConflict(`server.properties on broker ${broker.id} changed between read and write; push again`);
  }
  if (written.result !== 'changed' && written.result !== 'unchanged') {
    throw new CommandFailed(
      broker.id,
      'writing server.properties',
      `unexpected writer result ${JSON.stringify(written)}`,
    );
  }
  return { brokerId: broker.id, phase: 'done', result: written.result, diff: state.diff };
}

function guarded<T>(spec: ClusterSpec, broker: PlannedBroker, plan: () => T): T {
  try {
    return plan();
  } catch (error) {
    if (error instanceof NodeIdMismatch) throw identityMismatch(spec, broker, error.key, error.found, { cause: error });
    throw error;
  }
}

function identityMismatch(
  spec: ClusterSpec,
  broker: PlannedBroker,
  key: string,
  found: string,
  options: ErrorOptions,
): BrokerIdentityMismatch {
  return new BrokerIdentityMismatch(
    {
      brokerId: broker.id,
      host: broker.host,
      ...(broker.instanceId === undefined ? {} : { instanceId: broker.instanceId }),
      key,
      found,
      fix: brokerIdSource(spec, broker),
    },
    options,
  );
}
